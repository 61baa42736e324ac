"""The error every client method raises for a failed call."""
from __future__ import annotations

import grpc


class RemoteError(RuntimeError):
    """A call the server (or the channel) ended with a status other than OK.

    Attributes
    ----------
    code : grpc.StatusCode
        E.g. ``NOT_FOUND``, ``INVALID_ARGUMENT``, ``UNAUTHENTICATED``, ``RESOURCE_EXHAUSTED``.
    details : str
        The server's message.
    """

    def __init__(self, code: grpc.StatusCode, details: str, method: str = "") -> None:
        self.code, self.details, self.method = code, details, method
        where = f"{method}: " if method else ""
        super().__init__(f"{where}{code.name}: {details}")

    @classmethod
    def from_rpc_error(cls, exc: grpc.RpcError, method: str = "") -> "RemoteError":
        code = exc.code() if hasattr(exc, "code") else grpc.StatusCode.UNKNOWN
        details = exc.details() if hasattr(exc, "details") else str(exc)
        return cls(code or grpc.StatusCode.UNKNOWN, details or "", method)
