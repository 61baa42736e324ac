"""One writer per data directory: an OS file lock on ``<data_dir>/WRITE.lock``.

``fcntl.flock`` locks belong to the open file, so the kernel drops them when the holder exits
(even on SIGKILL) and a stale lock file never blocks a new writer. The holder writes its pid into
the file so that a refused opener can name it.
"""
from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path

from heihachi_index.index.errors import StoreLockedError

LOCK_NAME = "WRITE.lock"


class WriteLock:
    """Exclusive (writer) or shared (reader) lock on a data directory.

    Parameters
    ----------
    data_dir : path
        Index data directory; created when missing.
    shared : bool
        Take a shared lock (read-only open): it excludes writers but not other readers.
    """

    def __init__(self, data_dir: str | os.PathLike[str], *, shared: bool = False) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / LOCK_NAME
        self.shared = shared
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> "WriteLock":
        """Take the lock without waiting.

        Raises
        ------
        StoreLockedError
            If another process (or another open in this process) holds a conflicting lock.
        """
        if self._fd is not None:
            return self
        self.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise StoreLockedError(self.data_dir, holder.get("pid"), holder.get("mode")) from None
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        # Shared holders also record themselves (best effort: with several readers the last one wins).
        mode = "read" if self.shared else "write"
        info = {"pid": os.getpid(), "host": socket.gethostname(), "mode": mode, "since": time.time()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
        return self

    def release(self) -> None:
        """Release the lock (idempotent)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if not self.shared:
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> "WriteLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_holder(fd: int) -> dict:
    try:
        text = os.pread(fd, 4096, 0).decode(errors="replace").strip()
        info = json.loads(text) if text else {}
        return info if isinstance(info, dict) else {}
    except (OSError, ValueError):
        return {}
