"""Content identity: the track id (a hash of the decoded audio) and the file's own byte hash.

``track_id`` is BLAKE2b-128 over a small header (version, native sample rate, channel count) followed by
the decoded PCM quantised to int16 (``clip(rint(x * 32768))``), interleaved frame by frame,
little-endian, at the file's native rate and channel layout. It is fed block by block while decoding,
so it never needs the whole file in memory. It ignores the path, the tags and the container: a
re-tagged copy and a lossless re-encode (wav <-> flac <-> aiff) of the same 16-bit audio have the same
id; 24-bit sources hash their top 16 bits (rounded), so a 24-bit wav and its 24-bit flac match too.
A lossy re-encode gets a new id (use :mod:`.fingerprint` for those).

The id is 32 hex characters (16 bytes), usable as a UUID (:func:`track_uuid`) for Qdrant points.

``content_hash`` is the SHA-256 of the file's bytes: it changes when the file changes in any way
(re-tagging included), so ingest can skip files it has already seen byte for byte.
"""
from __future__ import annotations

import hashlib
import struct
import uuid

import numpy as np

TRACK_ID_VERSION = b"heihachi-pcm16/1"  # 16 bytes: changing it changes every id


def quantize_int16(x: np.ndarray) -> np.ndarray:
    """Float samples in [-1, 1) to int16 as the track id defines it: ``clip(rint(x * 32768))``.
    Exact for audio that came from int16 (``x = s / 32768``)."""
    q = np.multiply(x, np.float32(32768.0), dtype=np.float32)
    np.rint(q, out=q)
    np.clip(q, -32768.0, 32767.0, out=q)
    return q.astype("<i2")


class PcmHasher:
    """Streaming track-id hasher. Feed interleaved ``(frames, channels)`` blocks in order."""

    def __init__(self, sample_rate: int, channels: int) -> None:
        self._h = hashlib.blake2b(digest_size=16)
        self._h.update(TRACK_ID_VERSION + struct.pack("<II", int(sample_rate), int(channels)))
        self.channels = int(channels)

    def update_int16(self, block: np.ndarray) -> None:
        """An int16 block ``(frames, channels)``."""
        self._h.update(np.ascontiguousarray(block, dtype="<i2").data)

    def update_float(self, block: np.ndarray) -> None:
        """A float block ``(frames, channels)`` in [-1, 1]; quantised with :func:`quantize_int16`."""
        self._h.update(np.ascontiguousarray(quantize_int16(block)).data)

    def hexdigest(self) -> str:
        return self._h.hexdigest()


def track_uuid(track_id: str) -> str:
    """The track id in UUID form (``8-4-4-4-12``), e.g. for a Qdrant point id."""
    return str(uuid.UUID(hex=track_id))


def file_sha256(path: str) -> str:
    """SHA-256 of the file's bytes, as 64 hex characters."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
