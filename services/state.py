"""What every RPC of one server shares: the index, the workers, the limits and the counters."""
from __future__ import annotations

import asyncio
import functools
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

from heihachi_index.config import Config
from heihachi_index.index import TrackIndex
from heihachi_index.logs import get_logger
from services.auth import Authenticator
from services.known import KnownTracks
from services.metrics import Metrics
from services.paths import AllowedRoots
from services.tracks import TrackMessages
from services.workers import WorkerPool

T = TypeVar("T")
log = get_logger(__name__)


@dataclass
class AppState:
    """Shared state of a running server (only touched from its event loop, except ``index``).

    ``index`` is the single writer of the data directory; its calls block (store, FAISS) and run
    on ``index_threads``, never on the event loop.
    """

    config: Config
    index: TrackIndex
    workers: WorkerPool
    known: KnownTracks
    auth: Authenticator
    roots: AllowedRoots
    metrics: Metrics
    index_threads: ThreadPoolExecutor
    started: float = field(default_factory=time.monotonic)
    active_rpcs: int = 0
    active_ingests: int = 0
    ingest_jobs: set[asyncio.Event] = field(default_factory=set)
    writes_in_flight: int = 0
    tracks: TrackMessages | None = None  # set at start: needs the index
    _clap: Any = None
    _clap_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _clap_checked: bool = False

    def save_windows(self, track_id: str, windows: dict[str, Any]) -> None:
        """Keep the per-window vectors of a track's neural families for moment search."""
        from heihachi_index.embed.store import WindowStore

        store = WindowStore(self.config.data_dir)
        for family, embedding in windows.items():
            store.save(family, track_id, embedding)

    async def text_encoder(self) -> Any:
        """The CLAP text encoder for text search, when CLAP weights are configured and the index has
        CLAP vectors (loaded once, on first use); else ``None``."""
        async with self._clap_lock:
            if not self._clap_checked:
                self._clap_checked = True
                if self.config.embed.clap_path and "clap" in self.index.families():
                    from heihachi_index.embed import load_embedders  # torch and transformers: only when needed

                    embedders, missing = await self.call(load_embedders, self.config, ["clap"])
                    self._clap = embedders.get("clap")
                    for message in missing:
                        log.warning("text search without CLAP", extra={"reason": message})
        return self._clap

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking index call on the index threads."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.index_threads, functools.partial(fn, *args, **kwargs))

    async def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run an index write (upsert, delete, finalize) on the index threads, counted so that
        :meth:`read` knows the index lock may be held."""
        self.writes_in_flight += 1
        try:
            return await self.call(fn, *args, **kwargs)
        finally:
            self.writes_in_flight -= 1

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a short index read (a search, one track).

        With no write in flight the index lock is free and the read takes about a millisecond, so
        it runs right here on the event loop: a thread hop would cost a fifth of that, and the
        GIL hand-overs between the loop and the thread more. While a write holds the lock
        (a statistics refresh can take seconds) the read waits on an index thread instead.
        """
        if self.writes_in_flight:
            return await self.call(fn, *args, **kwargs)
        return fn(*args, **kwargs)
