"""Ingestion: files -> worker processes (decode, features) -> one writer (the index).

Resumable by construction: every track is written as one complete point (vectors and payload in a
single upsert, ``complete: true``), so a run killed at any moment leaves only whole tracks behind and
the next run skips them by content hash or track id. One bad file is reported and the batch goes on.
"""
from __future__ import annotations

import functools
import importlib
import multiprocessing
import os
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from heihachi_index.config import Config
from heihachi_index.features import PIPELINE_VERSION
from heihachi_index.index import Track, TrackIndex
from heihachi_index.logs import get_logger
from heihachi_index.pipeline.analyze import Analysis, AnalysisOptions, Failed, Skipped, analyze_file
from heihachi_index.pipeline.discover import discover
from heihachi_index.progress import progress

log = get_logger(__name__)
CRASH_REASON = "the worker process died while analysing this file"


@dataclass
class IngestReport:
    ingested: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    audio_seconds: float = 0.0
    workers: int = 1

    @property
    def realtime_factor(self) -> float:
        return self.audio_seconds / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict:
        return {**asdict(self), "realtime_factor": round(self.realtime_factor, 2),
                "counts": {"ingested": len(self.ingested), "skipped": len(self.skipped),
                           "failed": len(self.failed)}}

    def summary(self) -> str:
        lines = [f"ingested {len(self.ingested)}, skipped {len(self.skipped)} (already present), "
                 f"failed {len(self.failed)} in {self.seconds:.1f} s "
                 f"({self.realtime_factor:.0f}x realtime, {self.workers} workers)"]
        lines += [f"  failed: {row['reason']}" for row in self.failed]
        return "\n".join(lines)


#: Imported once by the forkserver, so that the workers forked from it inherit them. The librosa modules
#: are those whose numba gufuncs are cached on disk: workers importing them at once on a fresh install
#: compile them at once, and that race can leave a cache on which every later run segfaults (numba
#: issue #10128; seen here with two processes in one fresh virtualenv).
FORKSERVER_PRELOAD: tuple[str, ...] = ("heihachi_index.pipeline.analyze", "librosa.beat", "librosa.core.audio",
                                       "librosa.core.pitch", "librosa.util.utils")


def compile_preloaded() -> None:
    """Import every module of :data:`FORKSERVER_PRELOAD` here, compiling librosa's gufuncs into numba's disk
    cache (or loading them from it). Run once after installing (``make``, the Docker build), so that
    processes started together later (a server and a CLI) find the cache written rather than race on it."""
    for name in FORKSERVER_PRELOAD:
        importlib.import_module(name)


def _context() -> multiprocessing.context.BaseContext:
    # Never fork a process that holds the store's engine threads: forkserver (spawn elsewhere).
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(list(FORKSERVER_PRELOAD))
    return ctx


def resolve_workers(requested: int | None, config: Config) -> int:
    n = requested if requested is not None else config.ingest.workers
    return max(1, n if n and n > 0 else (os.cpu_count() or 1))


def ingest(
    paths: Iterable[str | os.PathLike[str]],
    config: Config,
    *,
    index: TrackIndex | None = None,
    workers: int | None = None,
    recursive: bool = False,
    batch_size: int = 16,
    show_progress: bool | None = None,
    on_result: Callable[[Analysis | Skipped | Failed], None] | None = None,
) -> IngestReport:
    """Ingest audio files into the index of ``config`` (or into ``index``).

    Parameters
    ----------
    paths : iterable of path-like
        Files and folders.
    config : Config
    index : TrackIndex, optional
        An index opened for writing; by default the one of ``config`` is opened and closed here.
    workers : int, optional
        Worker processes (default: ``config.ingest.workers``, 0 = one per core).
    recursive : bool
        Descend into sub-folders.
    batch_size : int
        Tracks written per upsert.
    show_progress : bool, optional
        Force the progress bar on or off (default: on a terminal, off in CI).
    on_result : callable, optional
        Called in the parent process with every per-file result.
    """
    t0 = time.perf_counter()
    n_workers = resolve_workers(workers, config)
    report = IngestReport(workers=n_workers)
    found = discover(paths, recursive=recursive)
    for path in found.missing:
        report.failed.append({"path": str(path), "reason": f"{path}: no such file or folder", "error": "MissingFileError"})
    own_index = index is None
    if own_index:
        index = TrackIndex.open(config)
    try:
        _run(found.files, config, index, n_workers, batch_size, report, show_progress, on_result)
    finally:
        report.seconds = time.perf_counter() - t0
        if own_index:
            index.close()
    log.info("ingest finished", extra={k: len(getattr(report, k)) for k in ("ingested", "skipped", "failed")})
    return report


def _run(files: list[Path], config: Config, index: TrackIndex, n_workers: int, batch_size: int,
         report: IngestReport, show_progress: bool | None, on_result) -> None:
    done = {tid: info for tid, info in index.completed().items()
            if info.get("pipeline_version") == PIPELINE_VERSION}
    known_ids = frozenset(done)
    known_hashes = frozenset(info["content_hash"] for info in done.values() if info.get("content_hash"))
    pending: list[Track] = []
    t_start = time.perf_counter()
    bar_kwargs = {} if show_progress is None else {"disable": not show_progress}
    bar = progress(total=len(files), desc="ingest", unit="file", **bar_kwargs)

    def flush() -> None:
        if pending:
            index.upsert(pending)
            log.info("stored batch", extra={"tracks": len(pending), "ingested": len(report.ingested)})
            pending.clear()

    def record(result: Analysis | Skipped | Failed) -> None:
        if isinstance(result, Analysis):
            add_families(index, result)
            pending.append(Track(result.track_id, result.vectors, result.payload))
            for family, embedding in result.windows.items():
                window_store().save(family, result.track_id, embedding)
            report.ingested.append({"path": result.path, "track_id": result.track_id,
                                    "duration": result.duration, "tempo": result.payload["tempo"],
                                    "key": result.payload["key"]})
            report.audio_seconds += result.duration
            if len(pending) >= batch_size:
                flush()
        elif isinstance(result, Skipped):
            report.skipped.append(asdict(result))
        else:
            report.failed.append(asdict(result))
            log.warning("file failed", extra={"path": result.path, "reason": result.reason})
        if on_result is not None:
            on_result(result)
        elapsed = time.perf_counter() - t_start
        bar.update(1)
        bar.set_postfix(x_realtime=f"{report.audio_seconds / max(elapsed, 1e-9):.0f}", failed=len(report.failed))

    options = AnalysisOptions.from_config(config)
    for message in missing_family_messages(config):
        log.warning("neural family not computed", extra={"reason": message})

    @functools.cache
    def window_store():
        from heihachi_index.embed.store import WindowStore  # torch: only when there are embeddings

        return WindowStore(config.data_dir)
    args = (config.audio, config.features, known_hashes, known_ids, options)
    queue = [str(p) for p in files]
    try:
        while queue:
            suspects, queue = _drain(queue, args, n_workers, record)
            # Which in-flight file killed a worker is unknown: each suspect gets one solo run.
            for path in suspects:
                crashed, _ = _drain([path], args, 1, record)
                for bad in crashed:
                    record(Failed(bad, f"{bad}: {CRASH_REASON}", "WorkerCrash"))
        flush()
        index.finalize()
    except KeyboardInterrupt:
        flush()  # keep what is finished; the next run resumes from there
        raise
    finally:
        bar.close()


def missing_family_messages(config: Config) -> list[str]:
    """What is missing for each neural family that has no weights configured, and how to add it."""
    unconfigured = [name for name, path in (("clap", config.embed.clap_path), ("beats", config.embed.beats_path))
                    if not path]
    if not unconfigured:
        return []
    from heihachi_index.embed.loader import load_embedders  # loads nothing for unconfigured families

    return load_embedders(config, unconfigured)[1]


def add_families(index: TrackIndex, result: Analysis) -> None:
    """Add the neural families of ``result`` the index does not have yet (CLAP unstandardised)."""
    have = index.families()
    for name, (dim, standardize) in result.families.items():
        if name not in have:
            index.add_family(name, dim, standardize=standardize)
            log.info("added vector family", extra={"family": name, "dim": dim})


def _drain(queue: list[str], args: tuple, n_workers: int, record) -> tuple[list[str], list[str]]:
    """Run ``queue`` through a pool of ``n_workers``.

    Returns
    -------
    (suspects, unstarted) : lists of paths
        After a worker crash: the files that were in flight, and those never submitted.
    """
    suspects: list[str] = []
    max_in_flight = 2 * n_workers
    with ProcessPoolExecutor(max_workers=n_workers, mp_context=_context()) as pool:
        in_flight: dict[Future, str] = {}
        position = 0
        while position < len(queue) or in_flight:
            while not suspects and position < len(queue) and len(in_flight) < max_in_flight:
                try:
                    in_flight[pool.submit(analyze_file, queue[position], *args)] = queue[position]
                except BrokenProcessPool:
                    break
                position += 1
            if not in_flight:
                break
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in finished:
                path = in_flight.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    suspects.append(path)
                    continue
                record(result)
            if suspects and not in_flight:
                break
    return suspects, queue[position:]
