"""What the index already holds, by track id and by file hash: the ingest's skip test.

Loaded once when the server starts and kept current by the server, the single writer, so an
ingest never re-reads every point to decide what to skip.
"""
from __future__ import annotations

from heihachi_index.features import PIPELINE_VERSION
from heihachi_index.index import TrackIndex


class KnownTracks:
    """Complete tracks made by the current feature pipeline."""

    def __init__(self) -> None:
        self._hash_of: dict[str, str | None] = {}
        self._id_of_hash: dict[str, str] = {}

    def load(self, index: TrackIndex) -> "KnownTracks":
        """Read the index (blocking: run it in a thread)."""
        for track_id, info in index.completed().items():
            if info.get("pipeline_version") == PIPELINE_VERSION:
                self.add(track_id, info.get("content_hash"))
        return self

    def __len__(self) -> int:
        return len(self._hash_of)

    def add(self, track_id: str, content_hash: str | None) -> None:
        self._hash_of[track_id] = content_hash
        if content_hash:
            self._id_of_hash[content_hash] = track_id

    def remove(self, track_id: str) -> None:
        content_hash = self._hash_of.pop(track_id, None)
        if content_hash and self._id_of_hash.get(content_hash) == track_id:
            del self._id_of_hash[content_hash]

    def by_hash(self, content_hash: str) -> str | None:
        """Track id of a known file content, or ``None``."""
        return self._id_of_hash.get(content_hash)

    def __contains__(self, track_id: str) -> bool:
        return track_id in self._hash_of
