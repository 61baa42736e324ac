"""One file in, one track record out: decode, identify, featurise, describe, embed. Runs in worker
processes."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from heihachi_index.audio import AudioError, load, probe, stream
from heihachi_index.audio.identity import file_sha256
from heihachi_index.config import AudioConfig, Config, EmbedConfig, FeatureConfig
from heihachi_index.features import PIPELINE_VERSION, SAMPLE_RATE, FeatureError, FeatureResult, extract
from heihachi_index.features.extract import HOP_LENGTH, WHOLE_TRACK_FRAMES, extract_stream
from heihachi_index.logs import get_logger

log = get_logger(__name__)

# Longer files (DJ mixes) are streamed block by block instead of decoded whole.
STREAM_ABOVE_SECONDS = WHOLE_TRACK_FRAMES * HOP_LENGTH / SAMPLE_RATE


@dataclass(frozen=True)
class AnalysisOptions:
    """What ingestion computes besides the handcrafted vector (emotion and concept scores always).

    Attributes
    ----------
    drums : bool
        Beat grid, drum hits and patterns: the payload's ``drums`` summary.
    embed : EmbedConfig, optional
        Neural embedding models to run (those whose weights are configured and present); ``None``: none.
    """

    drums: bool = True
    embed: EmbedConfig | None = None

    @classmethod
    def from_config(cls, config: Config) -> "AnalysisOptions":
        embed = config.embed if (config.embed.clap_path or config.embed.beats_path) else None
        return cls(drums=config.ingest.drums, embed=embed)


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
    drums: dict[str, Any] | None = None


def _analyse_audio(path: str, audio_cfg: AudioConfig, feature_cfg: FeatureConfig,
                   known_ids: frozenset[str], drums: bool) -> _Decoded | Skipped:
    # Imported here: the drum analysis loads its classifier, which a plain feature run does not need.
    from heihachi_index.analysis.rhythm import BlockDrumSummary, analyze_drums

    info = probe(path, config=audio_cfg)
    tempo_range = {"tempo_min": feature_cfg.tempo_min, "tempo_max": feature_cfg.tempo_max}
    if info.duration is not None and info.duration > STREAM_ABOVE_SECONDS:
        with stream(path, sr=SAMPLE_RATE, config=audio_cfg) as blocks:
            summary = BlockDrumSummary(SAMPLE_RATE, **tempo_range) if drums else None
            feed = summary.tap(blocks) if summary is not None else blocks
            features = extract_stream(feed, SAMPLE_RATE, **tempo_range)
            if blocks.track_id in known_ids:
                return Skipped(path, blocks.track_id, "already in the index (same audio)", blocks.duration)
            return _Decoded(blocks.track_id, blocks.duration, info.sample_rate, info.channels, info.codec,
                            blocks.tags, features, summary.summary() if summary is not None else None)
    audio = load(path, sr=SAMPLE_RATE, config=audio_cfg)
    if audio.track_id in known_ids:
        return Skipped(path, audio.track_id, "already in the index (same audio)", audio.duration)
    features = extract(audio.samples, audio.sr, **tempo_range)
    summary = None
    if drums:
        try:
            summary = analyze_drums(audio.samples, audio.sr, **tempo_range).summary()
        except ValueError as exc:  # too short or too sparse for a beat grid: stored without a drum summary
            log.warning("no drum analysis", extra={"path": path, "reason": str(exc)})
    return _Decoded(audio.track_id, audio.duration, audio.source_sr, audio.source_channels, audio.codec,
                    audio.tags, features, summary)


def describe_payload(vector: np.ndarray, payload: dict[str, Any]) -> dict[str, Any]:
    """Add the emotion scores (``emotion``) and descriptor concept scores (``concepts``) of a track to its
    payload (which holds ``tempo``, ``mode``, ... and optionally ``drums``); returns the payload."""
    from heihachi_index.analysis.emotion import emotion_scores
    from heihachi_index.search.descriptors import describe

    payload["emotion"] = {k: round(float(v), 4) for k, v in emotion_scores(vector, payload).items()}
    payload["concepts"] = {k: round(float(v), 4) for k, v in describe(vector, payload).items()}
    return payload


_EMBEDDERS: dict[tuple, tuple[dict[str, Any], list[str]]] = {}


def embedders_for(embed: EmbedConfig) -> tuple[dict[str, Any], list[str]]:
    """The embedders of ``embed`` (loaded once per process) and the messages for missing families."""
    key = (embed.clap_path, embed.beats_path, embed.device, embed.batch_size)
    if key not in _EMBEDDERS:
        from heihachi_index.embed import load_embedders

        _EMBEDDERS[key] = load_embedders(Config(embed=embed))
    return _EMBEDDERS[key]


@dataclass
class Analysis:
    """A successfully analysed file: what goes into the index."""

    path: str
    track_id: str
    vectors: dict[str, np.ndarray]
    payload: dict[str, Any]
    duration: float
    seconds: float  # wall time spent on it
    # Neural families: (dim, standardise) of each, and the per-window vectors (heihachi_index.embed.Embedding)
    families: dict[str, tuple[int, bool]] = field(default_factory=dict)
    windows: dict[str, Any] = field(default_factory=dict, repr=False)


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
                 known_hashes: frozenset[str] = frozenset(), known_ids: frozenset[str] = frozenset(),
                 options: AnalysisOptions = AnalysisOptions()) -> Analysis | Skipped | Failed:
    """Analyse one file; never raises for bad input.

    Parameters
    ----------
    path : str
    audio_cfg, feature_cfg : config sections
    known_hashes : frozenset of str
        ``content_hash`` values of tracks already complete with this pipeline: skipped before decoding.
    known_ids : frozenset of str
        Track ids already complete with this pipeline: skipped after decoding (same audio, other file).
    options : AnalysisOptions
        Drum analysis on or off, and the neural embedders to run.
    """
    t0 = time.perf_counter()
    try:
        content_hash = file_sha256(path)
    except OSError as exc:
        return Failed(path, f"{path}: cannot read file ({exc.strerror or exc})", type(exc).__name__)
    if content_hash in known_hashes:
        return Skipped(path, None, "already in the index (same file content)")
    try:
        decoded = _analyse_audio(path, audio_cfg, feature_cfg, known_ids, options.drums)
        embeddings = _embed(path, audio_cfg, options.embed) if not isinstance(decoded, Skipped) else {}
    except AudioError as exc:
        return Failed(path, str(exc), type(exc).__name__)
    except FeatureError as exc:
        return Failed(path, f"{path}: {exc}", type(exc).__name__)
    except MemoryError:
        return Failed(path, f"{path}: out of memory while analysing", "MemoryError")
    except RuntimeError as exc:  # missing or broken model weights (DrumModelError, EmbedError)
        return Failed(path, f"{path}: {exc}", type(exc).__name__)
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
    if decoded.drums is not None:
        payload["drums"] = decoded.drums
    describe_payload(features.vector, payload)
    vectors = {"handcrafted": features.vector, **{name: e.vector for name, e in embeddings.items()}}
    families = {name: (int(e.vector.size), bool(getattr(embedders_for(options.embed)[0][name], "standardize", True)))
                for name, e in embeddings.items()}
    return Analysis(path=str(path), track_id=decoded.track_id, vectors=vectors, payload=payload,
                    duration=float(decoded.duration), seconds=time.perf_counter() - t0, families=families,
                    windows=embeddings)


def _embed(path: str, audio_cfg: AudioConfig, embed: EmbedConfig | None) -> dict[str, Any]:
    if embed is None:
        return {}
    embedders, _ = embedders_for(embed)
    if not embedders:
        return {}
    from heihachi_index.embed import embed_file

    embeddings, _, _ = embed_file(path, embedders, audio_config=audio_cfg)
    return embeddings
