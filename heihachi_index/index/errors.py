"""Errors raised by the track store and index."""
from __future__ import annotations

from pathlib import Path


class StoreError(RuntimeError):
    """A storage operation that cannot be carried out."""


class StoreLockedError(StoreError):
    """Another process (or another open in this process) holds the index data directory.

    Parameters
    ----------
    data_dir : path
        The locked data directory.
    pid : int, optional
        Process id of the holder, when it could be read from the lock file.
    mode : str, optional
        ``"write"`` or ``"read"``: how the holder opened the directory.
    detail : str, optional
        Extra explanation appended to the message.
    """

    def __init__(self, data_dir: str | Path, pid: int | None = None, mode: str | None = None,
                 detail: str | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.pid = pid
        self.mode = mode
        holder = f"process {pid}" if pid is not None else "another process"
        how = f" (open for {mode})" if mode else ""
        msg = f"index data directory {self.data_dir} is locked by {holder}{how}; only one writer at a time"
        if detail:
            msg = f"{msg}: {detail}"
        super().__init__(msg)


class ReadOnlyStoreError(StoreError):
    """A write was attempted on a store opened read-only."""


class UnknownFamilyError(StoreError, LookupError):
    """A vector family that the store does not have."""

    def __init__(self, family: str, known: list[str] | tuple[str, ...] = ()) -> None:
        self.family = family
        known_txt = ", ".join(sorted(known)) or "none"
        super().__init__(f"unknown vector family {family!r} (store has: {known_txt}); add it with add_family()")


class DimensionMismatchError(StoreError, ValueError):
    """A vector whose length does not match its family."""

    def __init__(self, family: str, expected: int, got: int, track_id: str | None = None) -> None:
        self.family, self.expected, self.got = family, expected, got
        where = f" for track {track_id}" if track_id else ""
        super().__init__(f"vector family {family!r} has dimension {expected}, got {got}{where}")


class TrackNotFoundError(StoreError, LookupError):
    """A track id that is not in the index."""

    def __init__(self, track_id: str, family: str | None = None) -> None:
        self.track_id = track_id
        extra = f" with a {family!r} vector" if family else ""
        super().__init__(f"track {track_id} is not in the index{extra}")
