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
from heihachi_index.logs import get_logger
from heihachi_index.pipeline.analyze import Analysis, AnalysisOptions, Failed, Skipped, analyze_file, describe_payload

log = get_logger(__name__)


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


@dataclass(frozen=True)
class ClipDescription:
    """Emotion and concept scores of a clip, with what they were computed from."""

    track_id: str
    clip: ClipFeatures
    emotion: dict
    concepts: dict


@dataclass(frozen=True)
class ClipDrums:
    """The drum analysis of a file (``heihachi_index.analysis.rhythm.DrumAnalysis``) and its track id."""

    track_id: str
    analysis: object


def analyze(path: str, audio: AudioConfig, features: FeatureConfig,
            options: AnalysisOptions = AnalysisOptions()) -> Analysis | Skipped | Failed:
    """One file of an ingest (never raises for bad input)."""
    return analyze_file(path, audio, features, options=options)


def _clip(decoded, result) -> ClipFeatures:
    return ClipFeatures(vector=result.vector, duration=float(decoded.duration), tempo=float(result.tempo),
                        tempo_confidence=float(result.tempo_confidence), beats=int(result.beats.size),
                        key=result.key, camelot=result.camelot, mode=result.mode,
                        key_strength=float(result.key_strength))


def featurize(path: str, audio: AudioConfig, features: FeatureConfig) -> ClipFeatures:
    """A query clip; raises AudioError or FeatureError for bad input."""
    decoded = load(path, sr=SAMPLE_RATE, config=audio)
    result = extract(decoded.samples, decoded.sr, tempo_min=features.tempo_min, tempo_max=features.tempo_max)
    return _clip(decoded, result)


def describe_clip(path: str, audio: AudioConfig, features: FeatureConfig, drums: bool = True) -> ClipDescription:
    """Emotion and concept scores of a clip, computed as ingestion computes them; raises for bad input."""
    from heihachi_index.analysis.rhythm import analyze_drums

    decoded = load(path, sr=SAMPLE_RATE, config=audio)
    tempo_range = {"tempo_min": features.tempo_min, "tempo_max": features.tempo_max}
    result = extract(decoded.samples, decoded.sr, **tempo_range)
    payload = {"tempo": float(result.tempo), "tempo_confidence": float(result.tempo_confidence), "mode": result.mode,
               "key": result.key, "key_strength": float(result.key_strength), "duration": float(decoded.duration)}
    if drums:
        try:
            payload["drums"] = analyze_drums(decoded.samples, decoded.sr, **tempo_range).summary()
        except ValueError as exc:
            log.info("clip without drum analysis", extra={"reason": str(exc)})
    describe_payload(result.vector, payload)
    return ClipDescription(decoded.track_id, _clip(decoded, result), payload["emotion"], payload["concepts"])


def analyze_drums_file(path: str, audio: AudioConfig, features: FeatureConfig) -> ClipDrums:
    """Beat grid, hits and patterns of a file; raises AudioError or ValueError for unusable audio."""
    from heihachi_index.analysis.rhythm import analyze_drums

    decoded = load(path, sr=SAMPLE_RATE, config=audio)
    result = analyze_drums(decoded.samples, decoded.sr, tempo_min=features.tempo_min, tempo_max=features.tempo_max)
    return ClipDrums(decoded.track_id, result)


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
