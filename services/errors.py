"""Library exceptions -> gRPC status codes with a useful message."""
from __future__ import annotations

from concurrent.futures.process import BrokenProcessPool

import grpc

from heihachi_index.audio import AudioError
from heihachi_index.config import ConfigError
from heihachi_index.features import FeatureError
from heihachi_index.index import (
    DimensionMismatchError,
    ReadOnlyStoreError,
    StoreError,
    TrackNotFoundError,
    UnknownFamilyError,
)


class RpcError(Exception):
    """An error the service reports as a status code.

    Parameters
    ----------
    code : grpc.StatusCode
    message : str
    """

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class WorkerCrashed(RuntimeError):
    """A worker process died while handling a file (twice, the second time alone)."""


def to_status(exc: BaseException) -> tuple[grpc.StatusCode, str]:
    """The status code and message for an exception raised while serving an RPC."""
    if isinstance(exc, RpcError):
        return exc.code, exc.message
    if isinstance(exc, TrackNotFoundError):
        return grpc.StatusCode.NOT_FOUND, str(exc)
    if isinstance(exc, (AudioError, FeatureError)):
        return grpc.StatusCode.INVALID_ARGUMENT, f"not usable audio: {exc}"
    if isinstance(exc, (UnknownFamilyError, DimensionMismatchError)):
        return grpc.StatusCode.INVALID_ARGUMENT, str(exc)
    if isinstance(exc, ReadOnlyStoreError):
        return grpc.StatusCode.FAILED_PRECONDITION, str(exc)
    if isinstance(exc, StoreError):
        # e.g. "family 'handcrafted' has no statistics yet: ingest tracks first"
        return grpc.StatusCode.FAILED_PRECONDITION, str(exc)
    if isinstance(exc, (ValueError, ConfigError)):
        return grpc.StatusCode.INVALID_ARGUMENT, str(exc)
    if isinstance(exc, (WorkerCrashed, BrokenProcessPool)):
        return grpc.StatusCode.INTERNAL, f"a worker process died: {exc}"
    if isinstance(exc, TimeoutError):
        return grpc.StatusCode.DEADLINE_EXCEEDED, "the server's default deadline passed"
    return grpc.StatusCode.INTERNAL, f"internal error ({type(exc).__name__}); see the server log"
