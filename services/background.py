"""A server on its own event loop in a background thread: for tests, the demo and benchmarks."""
from __future__ import annotations

import asyncio
import threading
from typing import Any

from heihachi_index.config import Config
from services.server import Server


class BackgroundServer:
    """Start a :class:`Server` in a thread; use as a context manager.

    >>> with BackgroundServer(config) as srv:   # doctest: +SKIP
    ...     Client(srv.address, token=...).stats()
    """

    def __init__(self, config: Config, **kwargs: Any) -> None:
        self.server = Server(config, **kwargs)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="heihachi-server", daemon=True)
        self._started = threading.Event()
        self._error: BaseException | None = None

    @property
    def address(self) -> str:
        return self.server.address

    @property
    def port(self) -> int:
        return int(self.server.port)

    @property
    def metrics_port(self) -> int | None:
        return self.server.metrics_port

    @property
    def state(self):
        return self.server.state

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self.server.start())
        except BaseException as exc:  # noqa: BLE001 - handed to the starting thread
            self._error = exc
            self._started.set()
            return
        self._started.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._loop.shutdown_asyncgens())
        self._loop.close()

    def start(self, timeout: float = 300.0) -> "BackgroundServer":
        """Start and wait until the server listens (re-raises a start-up error)."""
        self._thread.start()
        if not self._started.wait(timeout):
            raise TimeoutError("the server did not start")
        if self._error is not None:
            self._thread.join()
            raise self._error
        return self

    def call(self, coro) -> Any:
        """Run a coroutine on the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def stop(self, grace: float | None = None) -> None:
        """Stop gracefully (see :meth:`Server.stop`) and end the thread."""
        if not self._thread.is_alive():
            return
        try:
            self.call(self.server.stop(grace))
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()

    def __enter__(self) -> "BackgroundServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
