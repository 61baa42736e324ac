"""Channels: target, TLS, message sizes, auth metadata and the retry policy."""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import grpc

DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024
DEFAULT_CHUNK_BYTES = 256 * 1024


def read_pem(value: str | bytes | Path | None) -> bytes | None:
    """PEM bytes from bytes, or from a path."""
    if value is None or isinstance(value, bytes):
        return value
    return Path(value).expanduser().read_bytes()


@dataclass(frozen=True)
class ChannelSettings:
    """How a client connects.

    Parameters
    ----------
    target : str
        ``host:port``.
    token : str, optional
        Bearer token sent as ``authorization`` metadata with every call.
    tls : bool
        Use TLS (implied by ``root_certificates``).
    root_certificates : bytes or path, optional
        PEM of the CA that signed the server's certificate (default: the system roots).
    max_message_bytes : int
        Largest message either way.
    retries : int
        Extra attempts of a call that failed with UNAVAILABLE, with exponential backoff.
    """

    target: str
    token: str | None = None
    tls: bool = False
    root_certificates: bytes | str | Path | None = None
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    retries: int = 3
    backoff_s: float = 0.1
    max_backoff_s: float = 2.0

    @property
    def secure(self) -> bool:
        return self.tls or self.root_certificates is not None

    def options(self) -> list[tuple[str, int]]:
        return [("grpc.max_receive_message_length", self.max_message_bytes),
                ("grpc.max_send_message_length", self.max_message_bytes)]

    def credentials(self) -> grpc.ChannelCredentials:
        return grpc.ssl_channel_credentials(root_certificates=read_pem(self.root_certificates))

    def metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.token}"),) if self.token else ()

    def delay(self, attempt: int) -> float:
        """Backoff before retry ``attempt`` (1, 2, ...), with jitter."""
        base = min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1))
        return base * (0.5 + random.random() / 2)


def sync_channel(settings: ChannelSettings) -> grpc.Channel:
    if settings.secure:
        return grpc.secure_channel(settings.target, settings.credentials(), options=settings.options())
    return grpc.insecure_channel(settings.target, options=settings.options())


def aio_channel(settings: ChannelSettings) -> grpc.aio.Channel:
    if settings.secure:
        return grpc.aio.secure_channel(settings.target, settings.credentials(), options=settings.options())
    return grpc.aio.insecure_channel(settings.target, options=settings.options())
