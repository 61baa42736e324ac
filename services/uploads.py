"""Uploaded audio, received in chunks into temporary files with a size limit and a running hash."""
from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from pathlib import Path

import grpc

from services.errors import RpcError

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(file_name: str) -> str:
    """A file name for the spool that keeps the extension (the decoder's hint) and nothing of the path."""
    base = Path(file_name.replace("\\", "/")).name
    cleaned = _UNSAFE.sub("_", base).strip("._")[-100:]
    return cleaned or "upload"


def too_large(what: str, size: int, limit: int) -> RpcError:
    return RpcError(grpc.StatusCode.RESOURCE_EXHAUSTED,
                    f"{what}: {size} bytes is more than the server accepts per file ({limit} bytes, "
                    "server.max_upload_bytes)")


class Upload:
    """One file being received.

    Attributes
    ----------
    source : str
        The client's file name (reported back and stored as the track's path).
    path : Path
        Where the bytes are written.
    """

    def __init__(self, source: str, path: Path, limit: int, declared: int = 0) -> None:
        if declared > limit:
            raise too_large(source, declared, limit)
        self.source, self.path, self.limit = source, path, limit
        self.size = 0
        self._hash = hashlib.sha256()
        self._fh = open(path, "wb")  # noqa: SIM115 - closed by finish()/discard()

    def write(self, chunk: bytes) -> None:
        """Append a chunk (RESOURCE_EXHAUSTED past the limit)."""
        self.size += len(chunk)
        if self.size > self.limit:
            self.discard()
            raise too_large(self.source, self.size, self.limit)
        self._hash.update(chunk)
        self._fh.write(chunk)

    def finish(self) -> str:
        """Close the file; returns the SHA-256 of its bytes (the payload's ``content_hash``)."""
        self._fh.close()
        return self._hash.hexdigest()

    def discard(self) -> None:
        self._fh.close()
        self.path.unlink(missing_ok=True)


class Spool:
    """A temporary folder for the uploads of one RPC, removed by :meth:`cleanup`."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._dir: Path | None = None
        self._count = 0
        self._open: list[Upload] = []

    def begin(self, file_name: str, declared: int = 0) -> Upload:
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="heihachi-upload-"))
        self._count += 1
        source = file_name or f"upload-{self._count}"
        upload = Upload(source, self._dir / f"{self._count:05d}-{safe_name(source)}", self.limit, declared)
        self._open.append(upload)
        return upload

    def cleanup(self) -> None:
        """Close and delete every file of this spool."""
        for upload in self._open:
            upload.discard()
        self._open.clear()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
