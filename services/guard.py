"""Around every RPC: auth, concurrency limits, default deadlines, errors to status codes, access
logs and metrics. Service methods are decorated with :func:`rpc`."""
from __future__ import annotations

import asyncio
import functools
import inspect
import time
from typing import Any, Callable

import grpc

from heihachi_index.logs import get_logger
from services.auth import Scope
from services.errors import RpcError, to_status
from services.state import AppState

access_log = get_logger("services.access")
log = get_logger(__name__)


class Call:
    """Book-keeping of one RPC from admission to its access-log line."""

    def __init__(self, state: AppState, method: str, context: grpc.aio.ServicerContext) -> None:
        self.state, self.method, self.context = state, method, context
        # Read now: the peer of a call that has been cancelled is gone (and asking crashes grpc).
        self.peer = context.peer()
        self.t0 = time.perf_counter()
        remaining = context.time_remaining()
        self.deadline = None if remaining is None else time.monotonic() + remaining
        self.code = grpc.StatusCode.OK
        self.admitted = self.ingest = False

    def admit(self, scope: Scope, ingest: bool) -> None:
        """Authorise and take a slot (raises RpcError)."""
        self.state.auth.check(self.context.invocation_metadata(), scope)
        cfg = self.state.config.server
        if self.state.active_rpcs >= cfg.max_concurrent_rpcs:
            raise RpcError(grpc.StatusCode.RESOURCE_EXHAUSTED,
                           f"server busy: {self.state.active_rpcs} RPCs in progress "
                           f"(server.max_concurrent_rpcs = {cfg.max_concurrent_rpcs}); retry later")
        if ingest and self.state.active_ingests >= cfg.max_concurrent_ingests:
            raise RpcError(grpc.StatusCode.RESOURCE_EXHAUSTED,
                           f"too many ingests: {self.state.active_ingests} in progress "
                           f"(server.max_concurrent_ingests = {cfg.max_concurrent_ingests}); retry later")
        self.state.active_rpcs += 1
        self.state.metrics.in_flight.inc()
        self.admitted = True
        if ingest:
            self.state.active_ingests += 1
            self.state.metrics.active_ingests.inc()
            self.ingest = True

    async def fail(self, exc: BaseException) -> None:
        """Record why the call ended and report it: re-raises or aborts with a status code."""
        if isinstance(exc, grpc.aio.AbortError):
            self.code = self.context.code() or grpc.StatusCode.UNKNOWN
            raise exc
        if isinstance(exc, (asyncio.CancelledError, GeneratorExit)):
            expired = self.deadline is not None and time.monotonic() >= self.deadline - 0.001
            self.code = grpc.StatusCode.DEADLINE_EXCEEDED if expired else grpc.StatusCode.CANCELLED
            raise exc
        self.code, message = to_status(exc)
        if self.code is grpc.StatusCode.INTERNAL:
            log.error("RPC failed", exc_info=exc, extra={"method": self.method})
        await self.context.abort(self.code, message)

    def finish(self) -> None:
        """Free the slots now; log and observe right after (off the reply's path)."""
        state = self.state
        if self.admitted:
            state.active_rpcs -= 1
        if self.ingest:
            state.active_ingests -= 1
        seconds = time.perf_counter() - self.t0
        # The reply goes out once the handler returns; the access log line and the metrics
        # (a few tens of microseconds) follow on the next turn of the loop.
        asyncio.get_running_loop().call_soon(self._record, seconds)

    def _record(self, seconds: float) -> None:
        metrics = self.state.metrics
        if self.admitted:
            metrics.in_flight.dec()
        if self.ingest:
            metrics.active_ingests.dec()
        metrics.requests.labels(self.method, self.code.name).inc()
        metrics.latency.labels(self.method).observe(seconds)
        access_log.info("rpc", extra={"method": self.method, "code": self.code.name,
                                      "latency_ms": round(seconds * 1000, 3), "peer": self.peer})


def rpc(scope: Scope, *, ingest: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a servicer method (``self.state`` is the :class:`AppState`).

    Parameters
    ----------
    scope : Scope
        Token scope the method needs.
    ingest : bool
        Also count against ``server.max_concurrent_ingests``.

    Coroutine methods get ``server.default_deadline_s`` when the client set no deadline; streaming
    responses (Ingest) manage their own (``server.ingest_deadline_s``).
    """

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        method = fn.__name__
        if inspect.isasyncgenfunction(fn):
            @functools.wraps(fn)
            async def streaming(self, request, context):
                call = Call(self.state, method, context)
                try:
                    call.admit(scope, ingest)
                    async for item in fn(self, request, context):
                        yield item
                except BaseException as exc:  # noqa: BLE001 - every outcome is recorded, then re-raised
                    await call.fail(exc)
                finally:
                    call.finish()

            return streaming

        @functools.wraps(fn)
        async def unary(self, request, context):
            call = Call(self.state, method, context)
            try:
                call.admit(scope, ingest)
                default = self.state.config.server.default_deadline_s
                async with asyncio.timeout(default if call.deadline is None and default > 0 else None):
                    return await fn(self, request, context)
            except BaseException as exc:  # noqa: BLE001
                await call.fail(exc)
            finally:
                call.finish()

        return unary

    return decorate
