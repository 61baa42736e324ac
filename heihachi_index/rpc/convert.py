"""Track payloads and filters <-> API messages; light (protobuf and the standard library only).

The server turns payloads into :class:`Track` messages; the client turns them back into payload
dicts with the library's keys (``tempo``, ``key``, ``camelot``, ``duration``, ``path``, ...), so
remote results read like local ones.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

from google.protobuf.json_format import MessageToDict

from heihachi_index.rpc import types_pb2 as pb

# Payload keys that have a typed field in Track; everything else but the managed fields goes to extra.
TYPED_KEYS = frozenset({
    "track_id", "path", "title", "artist", "album", "genre", "tags", "duration", "sample_rate", "channels",
    "codec", "tempo", "tempo_confidence", "beats", "key", "camelot", "mode", "key_strength", "content_hash",
    "pipeline_version", "ingested_at", "emotion", "drums",
})
# Concept scores are ranking data of text search (GetEmotions returns them), too bulky for every hit.
HIDDEN_KEYS = frozenset({"complete", "stats_version", "concepts"})
EMOTION_FIELDS = tuple(f.name for f in pb.EmotionScores.DESCRIPTOR.fields)
_DRUM_NUMBERS = ("amen_similarity", "swing", "syncopation", "density")
_NOT_EXTRA = TYPED_KEYS | HIDDEN_KEYS
_MODES = {"major": pb.KEY_MODE_MAJOR, "minor": pb.KEY_MODE_MINOR}
_MODE_NAMES = {v: k for k, v in _MODES.items()}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _number(value: Any) -> float:
    if value.__class__ is float:
        return value if math.isfinite(value) else 0.0
    try:
        out = float(value)
    except (TypeError, ValueError):
        return 0.0
    return out if math.isfinite(out) else 0.0


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value if v is not None and str(v)]


def track_to_proto(payload: Mapping[str, Any], track_id: str | None = None) -> pb.Track:
    """A :class:`Track` message from a stored payload.

    This runs for every hit of every search: fields are assigned one by one (about twice as fast
    as nested constructors) and only when present.
    """
    get = payload.get
    msg = pb.Track(track_id=_text(track_id or get("track_id")), path=_text(get("path")),
                   content_hash=_text(get("content_hash")), pipeline_version=_text(get("pipeline_version")))
    md = msg.metadata
    for name in ("title", "artist", "album"):
        if value := get(name):
            setattr(md, name, _text(value))
    md.genres.extend(_strings(get("genre")))
    md.tags.extend(_strings(get("tags")))
    audio = msg.audio
    audio.duration_s = _number(get("duration", 0.0))
    if value := get("sample_rate"):
        audio.sample_rate = int(_number(value))
    if value := get("channels"):
        audio.channels = int(_number(value))
    if value := get("codec"):
        audio.codec = _text(value)
    an = msg.analysis
    an.tempo_bpm = _number(get("tempo", 0.0))
    an.key, an.camelot = _text(get("key")), _text(get("camelot"))
    an.mode = _MODES.get(_text(get("mode")).lower(), pb.KEY_MODE_UNSPECIFIED)
    if (value := get("tempo_confidence")) is not None:
        an.tempo_confidence = _number(value)
    if (value := get("key_strength")) is not None:
        an.key_strength = _number(value)
    if value := get("beats"):
        an.beats = max(0, int(_number(value)))
    if (value := get("ingested_at")) is not None:
        msg.ingested_at.seconds, msg.ingested_at.nanos = divmod(int(_number(value) * 1e9), 1_000_000_000)
    if emotion := get("emotion"):
        emotions_to_proto(emotion, msg.emotions)
    if drums := get("drums"):
        drum_summary_to_proto(drums, msg.drums)
    for key in payload.keys() - _NOT_EXTRA:
        try:
            msg.extra.update({key: payload[key]})
        except (TypeError, ValueError):
            msg.extra.update({key: str(payload[key])})
    return msg


def emotions_to_proto(scores: Mapping[str, Any], msg: pb.EmotionScores | None = None) -> pb.EmotionScores:
    """Fill (or make) an :class:`EmotionScores` message from ``{name: score}``."""
    msg = pb.EmotionScores() if msg is None else msg
    for name in EMOTION_FIELDS:
        if (value := scores.get(name)) is not None:
            setattr(msg, name, _number(value))
    return msg


def drum_summary_to_proto(summary: Mapping[str, Any], msg: pb.DrumSummary | None = None) -> pb.DrumSummary:
    """Fill (or make) a :class:`DrumSummary` message from a payload's ``drums`` summary."""
    msg = pb.DrumSummary() if msg is None else msg
    for label, rate in (summary.get("per_second") or {}).items():
        msg.hits_per_second[str(label)] = _number(rate)
    msg.pattern = _text(summary.get("pattern"))
    for name in _DRUM_NUMBERS:
        if (value := summary.get(name)) is not None:
            setattr(msg, name, _number(value))
    return msg


def _drum_summary_from_proto(msg: pb.DrumSummary) -> dict[str, Any]:
    out: dict[str, Any] = {"per_second": dict(msg.hits_per_second), "pattern": msg.pattern or "none"}
    out.update({name: getattr(msg, name) for name in _DRUM_NUMBERS})
    return out


def track_from_proto(track: pb.Track) -> dict[str, Any]:
    """A payload dict (library keys) from a :class:`Track` message; empty strings become ``None``."""
    md, audio, an = track.metadata, track.audio, track.analysis
    genres = list(md.genres)
    payload: dict[str, Any] = {
        "track_id": track.track_id,
        "path": track.path or None,
        "title": md.title or None,
        "artist": md.artist or None,
        "album": md.album or None,
        "genre": genres[0] if len(genres) == 1 else (genres or None),
        "tags": list(md.tags),
        "duration": audio.duration_s,
        "sample_rate": audio.sample_rate,
        "channels": audio.channels,
        "codec": audio.codec or None,
        "tempo": an.tempo_bpm,
        "tempo_confidence": an.tempo_confidence,
        "beats": an.beats,
        "key": an.key or None,
        "camelot": an.camelot or None,
        "mode": _MODE_NAMES.get(an.mode),
        "key_strength": an.key_strength,
        "content_hash": track.content_hash or None,
        "pipeline_version": track.pipeline_version or None,
        "ingested_at": None,
    }
    stamp = track.ingested_at
    if stamp.seconds or stamp.nanos:
        payload["ingested_at"] = stamp.seconds + stamp.nanos / 1e9
    if track.HasField("emotions"):
        payload["emotion"] = {name: getattr(track.emotions, name) for name in EMOTION_FIELDS}
    if track.HasField("drums"):
        payload["drums"] = _drum_summary_from_proto(track.drums)
    if track.extra.fields:
        payload.update(MessageToDict(track.extra))
    return payload


def filters_to_proto(filters: Any) -> pb.SearchFilters | None:
    """A :class:`SearchFilters` message from the library's ``SearchFilters`` (or anything with its
    attributes: ``tempo``, ``half_double_time``, ``key``, ``keys``, ``duration``, ``tags``, ``genre``),
    a mapping of those, or a message (returned as is)."""
    if filters is None or isinstance(filters, pb.SearchFilters):
        return filters
    get = filters.get if isinstance(filters, Mapping) else (lambda name, default=None: getattr(filters, name, default))
    msg = pb.SearchFilters()
    tempo = get("tempo")
    if tempo is not None:
        lo, hi = tempo
        msg.tempo.min_bpm = float(lo)
        if hi is not None and math.isfinite(float(hi)):
            msg.tempo.max_bpm = float(hi)
        msg.tempo.strict = not get("half_double_time", True)
    duration = get("duration")
    if duration is not None:
        lo, hi = duration
        msg.duration.min_s = float(lo)
        if hi is not None and math.isfinite(float(hi)):
            msg.duration.max_s = float(hi)
    if get("key"):
        msg.compatible_key = str(get("key"))
    msg.keys.extend(_strings(get("keys")))
    msg.tags.extend(_strings(get("tags")))
    msg.genres.extend(_strings(get("genre") if get("genre") is not None else get("genres")))
    return msg
