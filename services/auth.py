"""Bearer tokens in call metadata (``authorization: Bearer <token>``) with two scopes.

Read tokens may search and read; write tokens may also ingest and delete. Authentication is off
only when the configuration says ``auth_disabled: true``; with it on and no token configured the
server refuses to start.
"""
from __future__ import annotations

import enum
import hmac
from typing import Iterable

import grpc

from heihachi_index.config import ConfigError, ServerConfig
from services.errors import RpcError

AUTH_HEADER = "authorization"


class Scope(enum.IntEnum):
    """What a token allows; a higher scope includes the lower ones."""

    READ = 1
    WRITE = 2


class Authenticator:
    """Checks the token of a call against the configured ones.

    Parameters
    ----------
    config : ServerConfig

    Raises
    ------
    ConfigError
        If authentication is on and no token is configured.
    """

    def __init__(self, config: ServerConfig) -> None:
        self.disabled = bool(config.auth_disabled)
        self._tokens: list[tuple[bytes, Scope]] = (
            [(t.encode(), Scope.WRITE) for t in config.write_tokens if t]
            + [(t.encode(), Scope.READ) for t in config.read_tokens if t])
        if not self.disabled and not self._tokens:
            raise ConfigError("server auth is on but no token is configured: set server.read_tokens / "
                              "server.write_tokens (HEIHACHI_SERVER__WRITE_TOKENS=...) or, for local use only, "
                              "server.auth_disabled: true")

    def scope_of(self, token: str) -> Scope | None:
        """The scope of a token, or ``None`` for an unknown one (constant time per token)."""
        given = token.encode()
        found: Scope | None = None
        for known, scope in self._tokens:
            if hmac.compare_digest(given, known) and (found is None or scope > found):
                found = scope
        return found

    def check(self, metadata: Iterable[tuple[str, str | bytes]] | None, needed: Scope) -> Scope | None:
        """Authorise a call.

        Returns
        -------
        Scope or None
            The caller's scope (``None`` when authentication is disabled).

        Raises
        ------
        RpcError
            UNAUTHENTICATED without a valid bearer token, PERMISSION_DENIED when its scope is too low.
        """
        if self.disabled:
            return None
        header = next((v for k, v in (metadata or ()) if k.lower() == AUTH_HEADER), None)
        if header is None:
            raise RpcError(grpc.StatusCode.UNAUTHENTICATED, "missing 'authorization: Bearer <token>' metadata")
        text = header.decode(errors="replace") if isinstance(header, bytes) else header
        kind, _, token = text.strip().partition(" ")
        if kind.lower() != "bearer" or not token.strip():
            raise RpcError(grpc.StatusCode.UNAUTHENTICATED, "the authorization metadata must be 'Bearer <token>'")
        scope = self.scope_of(token.strip())
        if scope is None:
            raise RpcError(grpc.StatusCode.UNAUTHENTICATED, "unknown token")
        if scope < needed:
            raise RpcError(grpc.StatusCode.PERMISSION_DENIED,
                           f"this token is {scope.name.lower()}-only; the call needs a {needed.name.lower()} token")
        return scope
