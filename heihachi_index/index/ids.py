"""Track ids: 32 lowercase hex characters, stored in Qdrant as UUIDs."""
from __future__ import annotations

import re
import uuid
from typing import Any

_HEX32 = re.compile(r"^[0-9a-f]{32}$")


def normalize_track_id(track_id: Any) -> str:
    """Return the canonical track id (32 lowercase hex chars).

    Accepts the hex form in any case, a UUID string with dashes, or a :class:`uuid.UUID`.

    Raises
    ------
    ValueError
        If the value is not a track id.
    """
    if isinstance(track_id, uuid.UUID):
        return track_id.hex
    if not isinstance(track_id, str):
        raise ValueError(f"track id must be a 32-hex-char string, got {type(track_id).__name__}")
    text = track_id.strip().lower()
    if _HEX32.match(text):
        return text
    try:
        return uuid.UUID(text).hex
    except ValueError:
        raise ValueError(f"not a track id (expected 32 hex characters): {track_id!r}") from None


def is_track_id(value: Any) -> bool:
    """Whether ``value`` parses as a track id."""
    try:
        normalize_track_id(value)
    except ValueError:
        return False
    return True


def to_point_id(track_id: str) -> str:
    """The Qdrant point id (canonical UUID string) of a track id."""
    return str(uuid.UUID(hex=normalize_track_id(track_id)))


def from_point_id(point_id: Any) -> str:
    """The track id of a Qdrant point id (a UUID object or string)."""
    return normalize_track_id(point_id if isinstance(point_id, uuid.UUID) else str(point_id))
