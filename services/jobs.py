"""Functions that run in the worker processes (picklable, module level)."""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

import numpy as np
import soundfile as sf

from heihachi_index.audio import load
from heihachi_index.config import AudioConfig, FeatureConfig
from heihachi_index.features import SAMPLE_RATE, extract
from heihachi_index.pipeline.analyze import Analysis, Failed, Skipped, analyze_file


@dataclass(frozen=True)
class ClipFeatures:
    """What a query clip is: its raw vector and musical analysis."""

    vector: np.ndarray
    duration: float
    tempo: float
    tempo_confidence: float
    beats: int
    key: str
    camelot: str
    mode: str
    key_strength: float


def analyze(path: str, audio: AudioConfig, features: FeatureConfig) -> Analysis | Skipped | Failed:
    """One file of an ingest (never raises for bad input)."""
    return analyze_file(path, audio, features)


def featurize(path: str, audio: AudioConfig, features: FeatureConfig) -> ClipFeatures:
    """A query clip; raises AudioError or FeatureError for bad input."""
    decoded = load(path, sr=SAMPLE_RATE, config=audio)
    result = extract(decoded.samples, decoded.sr, tempo_min=features.tempo_min, tempo_max=features.tempo_max)
    return ClipFeatures(vector=result.vector, duration=float(decoded.duration), tempo=float(result.tempo),
                        tempo_confidence=float(result.tempo_confidence), beats=int(result.beats.size),
                        key=result.key, camelot=result.camelot, mode=result.mode,
                        key_strength=float(result.key_strength))


def warm_up() -> int:
    """Decode and featurise three seconds of a generated loop once (imports, numba caches); returns the pid."""
    sr = 22050
    t = np.arange(3 * sr) / sr
    beat = (np.floor(t * 174 / 60) != np.floor((t - 1 / sr) * 174 / 60)).astype(float)
    kick = np.convolve(beat, np.exp(-np.arange(2000) / 300.0) * np.sin(np.arange(2000) * 0.02))[: t.size]
    y = (0.3 * np.sin(2 * np.pi * 55 * t) + 0.5 * kick + 0.05 * np.random.default_rng(0).normal(size=t.size))
    fd, path = tempfile.mkstemp(suffix=".wav", prefix="heihachi-warm-")
    os.close(fd)
    try:
        sf.write(path, (y / np.abs(y).max() * 0.8).astype(np.float32), sr, subtype="PCM_16")
        featurize(path, AudioConfig(), FeatureConfig())
    finally:
        os.unlink(path)
    return os.getpid()
