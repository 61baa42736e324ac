"""Server-side paths an Ingest may name: only files under the configured allowed roots."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import grpc

from services.errors import RpcError


class AllowedRoots:
    """The folders server-side ingest may read, compared after resolving symlinks.

    Parameters
    ----------
    roots : sequence of str
        Folders; relative request paths are taken relative to the first one.
    """

    def __init__(self, roots: Sequence[str]) -> None:
        self.roots = [Path(os.path.realpath(Path(r).expanduser())) for r in roots if str(r).strip()]

    def __bool__(self) -> bool:
        return bool(self.roots)

    def contains(self, path: str | os.PathLike[str]) -> bool:
        """Whether ``path`` (resolved, symlinks followed) lies inside a root."""
        real = Path(os.path.realpath(path))
        return any(real == root or real.is_relative_to(root) for root in self.roots)

    def resolve(self, raw: str) -> Path:
        """The real path of a requested path.

        Raises
        ------
        RpcError
            PERMISSION_DENIED when no roots are configured or the path is outside them;
            INVALID_ARGUMENT for an empty path.
        """
        if not raw or not raw.strip():
            raise RpcError(grpc.StatusCode.INVALID_ARGUMENT, "server_paths: empty path")
        if not self.roots:
            raise RpcError(grpc.StatusCode.PERMISSION_DENIED,
                           "server-side paths are disabled: the server has no allowed_roots configured")
        path = Path(raw).expanduser()
        if not path.is_absolute():
            path = self.roots[0] / path
        if not self.contains(path):
            raise RpcError(grpc.StatusCode.PERMISSION_DENIED,
                           f"{raw}: outside the server's allowed roots")
        return Path(os.path.realpath(path))
