"""One file in, one track record out: decode, identify, featurise. Runs in worker processes."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from heihachi_index.audio import AudioError, load, probe, stream
from heihachi_index.audio.identity import file_sha256
from heihachi_index.config import AudioConfig, FeatureConfig
from heihachi_index.features import PIPELINE_VERSION, SAMPLE_RATE, FeatureError, FeatureResult, extract
from heihachi_index.features.extract import HOP_LENGTH, WHOLE_TRACK_FRAMES, extract_stream

# Longer files (DJ mixes) are streamed block by block instead of decoded whole.
STREAM_ABOVE_SECONDS = WHOLE_TRACK_FRAMES * HOP_LENGTH / SAMPLE_RATE


@dataclass
class _Decoded:
    """What ingestion needs to know of a file, however it was read."""

    track_id: str
    duration: float
    source_sr: int
    source_channels: int
    codec: str
    tags: Any
    features: FeatureResult


def _analyse_audio(path: str, audio_cfg: AudioConfig, feature_cfg: FeatureConfig,
                   known_ids: frozenset[str]) -> _Decoded | Skipped:
    info = probe(path, config=audio_cfg)
    tempo_range = {"tempo_min": feature_cfg.tempo_min, "tempo_max": feature_cfg.tempo_max}
    if info.duration is not None and info.duration > STREAM_ABOVE_SECONDS:
        with stream(path, sr=SAMPLE_RATE, config=audio_cfg) as blocks:
            features = extract_stream(blocks, SAMPLE_RATE, **tempo_range)
            if blocks.track_id in known_ids:
                return Skipped(path, blocks.track_id, "already in the index (same audio)", blocks.duration)
            return _Decoded(blocks.track_id, blocks.duration, info.sample_rate, info.channels, info.codec,
                            blocks.tags, features)
    audio = load(path, sr=SAMPLE_RATE, config=audio_cfg)
    if audio.track_id in known_ids:
        return Skipped(path, audio.track_id, "already in the index (same audio)", audio.duration)
    features = extract(audio.samples, audio.sr, **tempo_range)
    return _Decoded(audio.track_id, audio.duration, audio.source_sr, audio.source_channels, audio.codec,
                    audio.tags, features)


@dataclass
class Analysis:
    """A successfully analysed file: what goes into the index."""

    path: str
    track_id: str
    vectors: dict[str, np.ndarray]
    payload: dict[str, Any]
    duration: float
    seconds: float  # wall time spent on it


@dataclass
class Skipped:
    path: str
    track_id: str | None
    reason: str
    duration: float = 0.0


@dataclass
class Failed:
    path: str
    reason: str
    error: str = field(default="")  # error class name


def analyze_file(path: str, audio_cfg: AudioConfig, feature_cfg: FeatureConfig,
                 known_hashes: frozenset[str] = frozenset(), known_ids: frozenset[str] = frozenset()
                 ) -> Analysis | Skipped | Failed:
    """Analyse one file; never raises for bad input.

    Parameters
    ----------
    path : str
    audio_cfg, feature_cfg : config sections
    known_hashes : frozenset of str
        ``content_hash`` values of tracks already complete with this pipeline: skipped before decoding.
    known_ids : frozenset of str
        Track ids already complete with this pipeline: skipped after decoding (same audio, other file).
    """
    t0 = time.perf_counter()
    try:
        content_hash = file_sha256(path)
    except OSError as exc:
        return Failed(path, f"{path}: cannot read file ({exc.strerror or exc})", type(exc).__name__)
    if content_hash in known_hashes:
        return Skipped(path, None, "already in the index (same file content)")
    try:
        decoded = _analyse_audio(path, audio_cfg, feature_cfg, known_ids)
    except AudioError as exc:
        return Failed(path, str(exc), type(exc).__name__)
    except FeatureError as exc:
        return Failed(path, f"{path}: {exc}", type(exc).__name__)
    except MemoryError:
        return Failed(path, f"{path}: out of memory while analysing", "MemoryError")
    if isinstance(decoded, Skipped):
        return decoded
    tags, features = decoded.tags, decoded.features
    payload = {
        "path": str(path),
        "title": tags.title,
        "artist": tags.artist,
        "album": tags.album,
        "genre": tags.genre,
        "tags": [t for t in (tags.genre,) if t],
        "duration": round(float(decoded.duration), 3),
        "sample_rate": int(decoded.source_sr),
        "channels": int(decoded.source_channels),
        "codec": decoded.codec,
        "tempo": round(float(features.tempo), 2),
        "tempo_confidence": round(float(features.tempo_confidence), 4),
        "beats": int(features.beats.size),
        "key": features.key,
        "camelot": features.camelot,
        "mode": features.mode,
        "key_strength": round(float(features.key_strength), 4),
        "content_hash": content_hash,
        "pipeline_version": PIPELINE_VERSION,
    }
    return Analysis(path=str(path), track_id=decoded.track_id, vectors={"handcrafted": features.vector},
                    payload=payload, duration=float(decoded.duration), seconds=time.perf_counter() - t0)
