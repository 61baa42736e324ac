"""Track payload: standard fields, payload indexes and the fields the store manages itself.

The payload is open-ended: any JSON-compatible keys may be added by later stages.
"""
from __future__ import annotations

import math
import time
from typing import Any, Mapping

import numpy as np

from heihachi_index.camelot import camelot, parse_key

# Standard fields (all optional except track_id, which the store sets).
STANDARD_FIELDS: tuple[str, ...] = (
    "track_id", "path", "title", "artist", "album", "genre", "tags", "duration", "sample_rate", "tempo",
    "key", "camelot", "mode", "content_hash", "pipeline_version", "ingested_at",
)
# Fields maintained by the store: set on every write.
MANAGED_FIELDS: tuple[str, ...] = ("track_id", "complete", "stats_version")

# Payload indexes for the fields that filters use: field -> schema ("float" | "keyword").
PAYLOAD_INDEXES: dict[str, str] = {
    "track_id": "keyword",
    "tempo": "float",
    "duration": "float",
    "camelot": "keyword",
    "tags": "keyword",
    "genre": "keyword",
}
# Fields kept in memory for filtering on the FAISS path.
FILTER_FIELDS: tuple[str, ...] = ("tempo", "duration", "camelot", "tags", "genre")


def _float_or_none(name: str, value: Any) -> float | None:
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"payload field {name!r} must be a number, got {value!r}") from None
    if math.isnan(out) or math.isinf(out):
        raise ValueError(f"payload field {name!r} must be finite, got {value!r}")
    return out


def plain(value: Any) -> Any:
    """JSON-compatible copy of a value: numpy scalars and arrays become Python numbers and lists."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def normalize_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and normalise the standard fields of a payload (a copy is returned).

    Numpy values become plain Python ones, numbers floats, ``tags`` a list of strings, and
    ``camelot``/``mode`` are derived from ``key`` when missing.

    Raises
    ------
    ValueError
        If a standard field has an unusable value.
    """
    out = plain(dict(payload))
    for name in ("tempo", "duration"):
        if name in out:
            out[name] = _float_or_none(name, out[name])
    if out.get("sample_rate") is not None:
        out["sample_rate"] = int(out["sample_rate"])
    tags = out.get("tags")
    if tags is not None:
        if isinstance(tags, str):
            tags = [tags]
        if not all(isinstance(t, str) for t in tags):
            raise ValueError(f"payload field 'tags' must be a list of strings, got {tags!r}")
        out["tags"] = list(tags)
    genre = out.get("genre")
    if genre is not None and not isinstance(genre, str) and not (
            isinstance(genre, (list, tuple)) and all(isinstance(g, str) for g in genre)):
        raise ValueError(f"payload field 'genre' must be a string or list of strings, got {genre!r}")
    key = out.get("key")
    if isinstance(key, str) and key.strip() and (not out.get("camelot") or not out.get("mode")):
        try:
            tonic, mode = parse_key(key)
        except ValueError:
            pass  # free-text keys stay as given; only parsable keys get a Camelot code
        else:
            out.setdefault("mode", mode)
            if not out.get("camelot"):
                out["camelot"] = camelot(tonic, mode)
    return out


def stored_payload(track_id: str, payload: Mapping[str, Any], stats_versions: Mapping[str, int],
                   now: float | None = None) -> dict[str, Any]:
    """The payload written with a point: normalised user fields plus the managed ones.

    ``complete: True`` is written in the same upsert as the vectors, so a point that exists is a
    complete point.
    """
    out = normalize_payload({k: v for k, v in payload.items() if k not in MANAGED_FIELDS})
    out["track_id"] = track_id
    out.setdefault("ingested_at", float(time.time() if now is None else now))
    out["stats_version"] = {k: int(v) for k, v in stats_versions.items()}
    out["complete"] = True
    return out
