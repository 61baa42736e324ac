"""Title/artist/album/genre tags, read with mutagen. Missing or broken tags are never an error.

Understands ID3 (mp3, and ID3 chunks in wav/aiff), Vorbis comments (flac, ogg, opus), MP4 atoms
(m4a), APEv2 and ASF, and falls back to RIFF LIST/INFO chunks (INAM/IART/IPRD/IGNR) in WAV files,
which mutagen does not read.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from ..logs import get_logger

log = get_logger(__name__)

MAX_TAG_CHARS = 512
FIELDS = ("title", "artist", "album", "genre")

_ID3 = {"title": "TIT2", "artist": "TPE1", "album": "TALB", "genre": "TCON"}
_MP4 = {"title": "\xa9nam", "artist": "\xa9ART", "album": "\xa9alb", "genre": "\xa9gen"}
_ASF = {"title": "Title", "artist": "Author", "album": "WM/AlbumTitle", "genre": "WM/Genre"}
_RIFF = {"title": "INAM", "artist": "IART", "album": "IPRD", "genre": "IGNR"}


@dataclass(frozen=True)
class Tags:
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    genre: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name in FIELDS)


def read_tags(path: str, riff_info: Mapping[str, str] | None = None) -> Tags:
    """Tags of ``path``; empty :class:`Tags` when there are none or they cannot be read.
    ``riff_info`` (from :func:`.sniff.sniff`) fills fields the other tags lack."""
    found: dict[str, str | None] = {}
    try:
        import mutagen

        f = mutagen.File(path)
        tags = getattr(f, "tags", None) if f is not None else None
        if tags is not None:
            found = _from_tags(tags)
    except Exception as exc:  # mutagen raises many types on broken files; tags are optional
        log.debug("tags unreadable", extra={"path": path, "error": f"{type(exc).__name__}: {exc}"})
    if riff_info:
        for name, key in _RIFF.items():
            if not found.get(name):
                found[name] = _clean(riff_info.get(key))
    return Tags(**{name: found.get(name) for name in FIELDS})


def _from_tags(tags: Any) -> dict[str, str | None]:
    from mutagen.id3 import ID3
    from mutagen.mp4 import MP4Tags

    out: dict[str, str | None] = {}
    if isinstance(tags, ID3):
        for name, frame_id in _ID3.items():
            values: list[Any] = []
            for frame in tags.getall(frame_id):
                values.extend(frame.genres if frame_id == "TCON" else frame.text)
            out[name] = _clean(values)
        return out
    if isinstance(tags, MP4Tags):
        for name, key in _MP4.items():
            out[name] = _clean(tags.get(key))
        if not out.get("genre") and tags.get("gnre"):
            from mutagen.id3 import TCON

            ids = [int(g) - 1 for g in tags["gnre"] if 0 < int(g) <= len(TCON.GENRES)]
            out["genre"] = _clean([TCON.GENRES[i] for i in ids])
        return out
    # Vorbis comments, APEv2, ASF and other dict-like tags: case-insensitive keys.
    try:
        keys = {str(k).lower(): k for k in tags.keys()}  # noqa: SIM118 (VComment iterates as pairs)
    except Exception:
        return out
    for name in FIELDS:
        for candidate in (name, _ASF[name].lower()):
            if candidate in keys:
                out[name] = _clean(tags[keys[candidate]])
                break
    return out


def _clean(value: Any) -> str | None:
    """A tag value (string, list of values, mutagen value objects) as one tidy string or None."""
    if value is None:
        return None
    items = value if isinstance(value, (list, tuple)) else [value]
    parts: list[str] = []
    for item in items:
        text = getattr(item, "value", item)  # ASF attributes
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        text = str(text).replace("\x00", " ").strip()
        if text and text not in parts:
            parts.append(text)
    joined = "; ".join(parts)
    return joined[:MAX_TAG_CHARS] or None
