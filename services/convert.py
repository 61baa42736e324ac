"""API messages -> library calls (filters, search options) and library results -> messages."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import grpc

from heihachi_index.audio import errors as audio_errors
from heihachi_index.index import DEFAULT_FAMILY, Filter
from heihachi_index.pipeline.analyze import Analysis, Failed, Skipped
from heihachi_index.rpc import types_pb2 as pb
from heihachi_index.rpc.convert import track_to_proto
from heihachi_index.search import SearchFilters
from heihachi_index.search.text_lexicon import CONCEPT_GROUP
from services.errors import RpcError
from services.jobs import ClipFeatures

DEFAULT_K = 10
MAX_K = 1000
MAX_POOL = 10_000
DEFAULT_MMR_LAMBDA = 0.7


def _invalid(message: str) -> RpcError:
    return RpcError(grpc.StatusCode.INVALID_ARGUMENT, message)


def _range(name: str, lo: float, hi: float | None) -> tuple[float, float]:
    if not math.isfinite(lo) or (hi is not None and math.isnan(hi)):
        raise _invalid(f"{name}: bounds must be numbers")
    return float(lo), math.inf if hi is None else float(hi)


def search_filters(msg: pb.SearchFilters | None) -> SearchFilters | None:
    """The library filters of a message (``None`` when nothing is set).

    Raises
    ------
    RpcError
        INVALID_ARGUMENT for a reversed or negative range or a key that is not a key.
    """
    if msg is None or msg.ByteSize() == 0:
        return None
    tempo = duration = None
    if msg.HasField("tempo"):
        t = msg.tempo
        tempo = _range("filters.tempo", t.min_bpm, t.max_bpm if t.HasField("max_bpm") else None)
    if msg.HasField("duration"):
        d = msg.duration
        duration = _range("filters.duration", d.min_s, d.max_s if d.HasField("max_s") else None)
    try:
        filters = SearchFilters(tempo=tempo, half_double_time=not msg.tempo.strict, key=msg.compatible_key or None,
                                keys=list(msg.keys) or None, duration=duration, tags=list(msg.tags) or None,
                                genre=list(msg.genres) or None)
        filters.to_filter()  # parse the keys now: a bad one is the caller's error
    except ValueError as exc:
        raise _invalid(f"filters: {exc}") from None
    return filters


def library_filter(msg: pb.SearchFilters | None) -> Filter | None:
    filters = search_filters(msg)
    return filters.to_filter() if filters is not None else None


@dataclass(frozen=True)
class SearchArgs:
    """Keyword arguments of :func:`heihachi_index.search.similar` from :class:`SearchOptions`."""

    k: int
    filters: SearchFilters | None
    mmr: float | None
    pool: int | None
    family: str
    explain: bool

    def kwargs(self) -> dict[str, Any]:
        return {"k": self.k, "filters": self.filters, "mmr": self.mmr, "pool": self.pool, "family": self.family,
                "explain": self.explain}


def search_args(options: pb.SearchOptions) -> SearchArgs:
    """Validate search options (INVALID_ARGUMENT on bad values)."""
    k = options.k or DEFAULT_K
    if k > MAX_K:
        raise _invalid(f"k must be at most {MAX_K}, got {k}")
    mmr = pool = None
    if options.HasField("diversity"):
        div = options.diversity
        mmr = div.mmr_lambda if div.HasField("mmr_lambda") else DEFAULT_MMR_LAMBDA
        if not 0.0 <= mmr <= 1.0:
            raise _invalid(f"diversity.mmr_lambda must be in [0, 1], got {mmr}")
        if div.pool_size:
            if not k <= div.pool_size <= MAX_POOL:
                raise _invalid(f"diversity.pool_size must be between k ({k}) and {MAX_POOL}, got {div.pool_size}")
            pool = div.pool_size
    return SearchArgs(k=k, filters=search_filters(options.filters) if options.HasField("filters") else None,
                      mmr=mmr, pool=pool, family=options.family or DEFAULT_FAMILY, explain=options.explain)


def clip_analysis(clip: ClipFeatures) -> pb.MusicalAnalysis:
    mode = {"major": pb.KEY_MODE_MAJOR, "minor": pb.KEY_MODE_MINOR}.get(clip.mode, pb.KEY_MODE_UNSPECIFIED)
    return pb.MusicalAnalysis(tempo_bpm=clip.tempo, tempo_confidence=clip.tempo_confidence, beats=clip.beats,
                              key=clip.key, camelot=clip.camelot, mode=mode, key_strength=clip.key_strength)


def file_result(source: str, result: Analysis | Skipped | Failed, payload: dict | None = None) -> pb.FileResult:
    """A :class:`FileResult` of one analysed file (``payload``: what was stored, for an ingested one)."""
    if isinstance(result, Analysis):
        return pb.FileResult(source=source, status=pb.FILE_STATUS_INGESTED, track_id=result.track_id,
                             track=track_to_proto(payload or result.payload, result.track_id),
                             seconds=result.seconds)
    if isinstance(result, Skipped):
        return pb.FileResult(source=source, status=pb.FILE_STATUS_SKIPPED, track_id=result.track_id or "",
                             reason=result.reason)
    return pb.FileResult(source=source, status=pb.FILE_STATUS_FAILED, reason=result.reason,
                         error_type=result.error, error_code=error_code(result.error))


def error_code(error_type: str) -> str:
    """The stable ``code`` of a library error class name (``NotAudioError`` -> ``not_audio``)."""
    cls = getattr(audio_errors, error_type, None)
    if isinstance(cls, type) and hasattr(cls, "code"):
        return str(cls.code)
    return {"WorkerCrash": "worker_crash", "FeatureError": "features", "MemoryError": "out_of_memory",
            "PermissionDenied": "permission_denied", "MissingFileError": "missing"}.get(error_type, "error")


def text_analysis_to_proto(analysis: Any) -> pb.TextAnalysis:
    """A :class:`TextAnalysis` message from the library's ``TextAnalysis``."""
    msg = pb.TextAnalysis(query=analysis.query, unparsed=list(analysis.unparsed))
    for c in sorted(analysis.concepts, key=lambda c: -abs(c.weight)):
        msg.concepts.add(name=c.name, group=CONCEPT_GROUP.get(c.name, ""), weight=float(c.weight),
                         phrase=c.phrase, similarity=float(c.similarity))
    cons = analysis.constraints
    if cons.tempo is not None:
        msg.constraints.tempo.min_bpm = float(cons.tempo.low or 0.0)
        if cons.tempo.high is not None:
            msg.constraints.tempo.max_bpm = float(cons.tempo.high)
        msg.constraints.tempo.strict = not cons.tempo.half_double_time
    msg.constraints.keys.extend(([cons.compatible_key] if cons.compatible_key else []) + list(cons.camelot_keys()))
    if cons.duration is not None:
        msg.constraints.duration.min_s = float(cons.duration.low or 0.0)
        if cons.duration.high is not None:
            msg.constraints.duration.max_s = float(cons.duration.high)
    return msg


def concept_explanation(explanation: Mapping[str, float], weights: Mapping[str, float],
                        concepts: Mapping[str, Any] | None) -> pb.Explanation:
    """The explanation of a text-search hit: each query concept's weight, the track's score for it and
    its share of the hit's score; the CLAP part separately."""
    msg = pb.Explanation(clap_contribution=float(explanation.get("clap", 0.0)))
    concepts = concepts or {}
    for name, share in sorted(explanation.items(), key=lambda kv: -abs(kv[1])):
        if name == "clap":
            continue
        msg.concepts.add(concept=name, weight=float(weights.get(name, 0.0)),
                         score=_number(concepts.get(name, 0.0)), contribution=float(share))
    return msg


def _number(value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return 0.0
    return out if math.isfinite(out) else 0.0
