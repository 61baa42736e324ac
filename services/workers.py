"""The process pool for CPU-heavy work (decoding, features): never on the event loop.

One pool per server, sized by ``server.workers``. A worker that dies (a decoder crash, the OOM
killer) breaks the whole pool: the pool is replaced and the call is retried once alone in a
one-process pool, so only the file that kills a worker fails.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable

from heihachi_index.config import AudioConfig, FeatureConfig
from heihachi_index.logs import get_logger
from heihachi_index.pipeline.analyze import Analysis, AnalysisOptions, Failed, Skipped
from services import jobs
from services.errors import WorkerCrashed

log = get_logger(__name__)


def _context() -> multiprocessing.context.BaseContext:
    # The server holds the store's engine threads: never fork it; forkserver children start clean.
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["services.jobs"])
    return ctx


def resolve_workers(n: int) -> int:
    return n if n > 0 else (os.cpu_count() or 1)


class WorkerPool:
    """Async front of a :class:`ProcessPoolExecutor`.

    Parameters
    ----------
    workers : int
        Processes (0 = one per CPU core).
    audio, features : config sections passed to every job.
    options : AnalysisOptions
        Drum analysis and neural embedders of an ingest.
    """

    def __init__(self, workers: int, audio: AudioConfig, features: FeatureConfig,
                 options: AnalysisOptions = AnalysisOptions()) -> None:
        self.size = resolve_workers(workers)
        self.audio, self.features, self.options = audio, features, options
        self._pool = self._new_pool(self.size)
        self._generation = 0

    @staticmethod
    def _new_pool(size: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=size, mp_context=_context())

    async def warm_up(self) -> None:
        """Start every worker and run the decode and feature code once in each (imports, JIT caches)."""
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self._pool, jobs.warm_up) for _ in range(self.size)))
        log.info("workers ready", extra={"workers": self.size})

    async def analyze(self, path: str) -> Analysis | Skipped | Failed:
        """Decode, identify and featurise one file (:func:`~heihachi_index.pipeline.analyze_file`)."""
        try:
            return await self._run(jobs.analyze, path, self.audio, self.features, self.options)
        except WorkerCrashed as exc:
            return Failed(path, f"{path}: {exc}", "WorkerCrash")

    async def featurize(self, path: str) -> jobs.ClipFeatures:
        """The raw vector, tempo and key of a query clip; raises AudioError / FeatureError / WorkerCrashed."""
        return await self._run(jobs.featurize, path, self.audio, self.features)

    async def describe(self, path: str) -> jobs.ClipDescription:
        """Emotion and concept scores of a clip; raises AudioError / FeatureError / WorkerCrashed."""
        return await self._run(jobs.describe_clip, path, self.audio, self.features, self.options.drums)

    async def drums(self, path: str) -> jobs.ClipDrums:
        """Beat grid, drum hits and patterns of a file; raises AudioError / ValueError / WorkerCrashed."""
        return await self._run(jobs.analyze_drums_file, path, self.audio, self.features)

    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        generation = self._generation
        try:
            return await loop.run_in_executor(self._pool, fn, *args)
        except BrokenProcessPool:
            self._replace(generation)
        log.warning("a worker died; retrying the job alone", extra={"job": fn.__name__, "file": args[0]})
        solo = self._new_pool(1)
        try:
            return await loop.run_in_executor(solo, fn, *args)
        except BrokenProcessPool:
            raise WorkerCrashed("the worker process died while analysing this file") from None
        finally:
            solo.shutdown(wait=False, cancel_futures=True)

    def _replace(self, generation: int) -> None:
        if generation != self._generation:  # another job already replaced it
            return
        self._generation += 1
        broken, self._pool = self._pool, self._new_pool(self.size)
        broken.shutdown(wait=False, cancel_futures=True)

    def shutdown(self, wait: bool = True) -> None:
        """Stop the workers; queued jobs are cancelled, running ones finish when ``wait``."""
        self._pool.shutdown(wait=wait, cancel_futures=True)
