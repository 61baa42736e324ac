"""One Ingest stream: uploads and server-side paths in, per-file results and progress out.

A reader task consumes the request stream (spooling uploads to temporary files, expanding
server-side paths), every file becomes a task (hash check, analysis in the worker pool, one
upsert through the server's index), and the response generator forwards their events. Files in
flight per stream are bounded, so a fast uploader is slowed down by gRPC flow control instead of
filling the disk. Cancellation (client, deadline, shutdown) cancels the queued analyses, keeps
the tracks already stored and removes the spooled files.
"""
from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import AsyncIterator

import grpc

from heihachi_index.index import Track
from heihachi_index.logs import get_logger
from heihachi_index.pipeline.analyze import Analysis, Failed, Skipped, file_sha256
from heihachi_index.pipeline.discover import discover
from heihachi_index.pipeline.ingest import add_families
from heihachi_index.rpc import index_service_pb2 as ipb
from heihachi_index.rpc import types_pb2 as pb
from services.convert import file_result
from services.errors import RpcError
from services.state import AppState
from services.uploads import Spool, Upload

log = get_logger(__name__)
_WAKE = object()  # a task or the reader finished: re-check whether the stream is done


class IngestJob:
    """State of one Ingest RPC.

    Parameters
    ----------
    state : AppState
    context : grpc.aio.ServicerContext
    """

    def __init__(self, state: AppState, context: grpc.aio.ServicerContext) -> None:
        self.state, self.context = state, context
        self.spool = Spool(state.config.server.max_upload_bytes)
        self.events: asyncio.Queue = asyncio.Queue()
        self.progress = pb.IngestProgress()
        self.tasks: set[asyncio.Task] = set()
        self.slots = asyncio.Semaphore(2 * state.workers.size)
        self.t0 = time.perf_counter()

    # ------------------------------------------------------------------ output
    def _response(self, **event) -> ipb.IngestResponse:
        self.progress.elapsed_s = time.perf_counter() - self.t0
        progress = pb.IngestProgress()
        progress.CopyFrom(self.progress)
        return ipb.IngestResponse(progress=progress, **event)

    async def run(self, requests: AsyncIterator[ipb.IngestRequest]) -> AsyncIterator[ipb.IngestResponse]:
        """The response stream; raises RpcError for a failed stream."""
        loop = asyncio.get_running_loop()
        remaining = self.context.time_remaining()
        budget = remaining if remaining is not None else self.state.config.server.ingest_deadline_s
        deadline = loop.time() + budget
        done = asyncio.Event()
        self.state.ingest_jobs.add(done)
        reader = asyncio.create_task(self._read(requests))
        reader.add_done_callback(self._finished)
        try:
            while not (reader.done() and not self.tasks and self.events.empty()):
                try:
                    item = await asyncio.wait_for(self.events.get(), max(0.0, deadline - loop.time()))
                except TimeoutError:
                    raise RpcError(grpc.StatusCode.DEADLINE_EXCEEDED,
                                   f"the ingest ran past its deadline ({budget:.0f} s; server.ingest_deadline_s "
                                   "applies when the client sets none)") from None
                if isinstance(item, BaseException):
                    raise item
                if item is not _WAKE:
                    yield item
            if self.progress.ingested:
                await self.state.write(self.state.index.finalize)
            tracks = await self.state.call(self.state.index.count)
            self.state.metrics.tracks.set(tracks)
            seconds = time.perf_counter() - self.t0
            yield self._response(summary=pb.IngestSummary(
                seconds=seconds, realtime_factor=self.progress.audio_seconds / seconds if seconds > 0 else 0.0,
                tracks_in_index=tracks, workers=self.state.workers.size))
        finally:
            await self._stop(reader)
            done.set()
            self.state.ingest_jobs.discard(done)

    async def _stop(self, reader: asyncio.Task) -> None:
        pending = [reader, *self.tasks]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        self.spool.cleanup()
        if self.progress.ingested:
            # Whatever the outcome, the tracks stored so far are made durable (the statistics are
            # refreshed by the next finished ingest).
            await asyncio.shield(self.state.write(self.state.index.flush))

    def _finished(self, task: asyncio.Task) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.events.put_nowait(task.exception())
        self.events.put_nowait(_WAKE)

    # ------------------------------------------------------------------- input
    async def _read(self, requests: AsyncIterator[ipb.IngestRequest]) -> None:
        current: Upload | None = None
        metadata: pb.TrackMetadata | None = None
        try:
            async for req in requests:
                kind = req.WhichOneof("content")
                if kind == "chunk":
                    if current is None:
                        raise RpcError(grpc.StatusCode.INVALID_ARGUMENT, "a chunk came before any upload header")
                    current.write(req.chunk)
                    self.progress.bytes_received += len(req.chunk)
                    self.state.metrics.upload_bytes.inc(len(req.chunk))
                    continue
                if current is not None:
                    await self._submit_upload(current, metadata)
                    current = None
                if kind == "upload":
                    current = self.spool.begin(req.upload.file_name, req.upload.size_bytes)
                    metadata = req.upload.metadata if req.upload.HasField("metadata") else None
                elif kind == "server_paths":
                    await self._submit_paths(req.server_paths)
                else:
                    raise RpcError(grpc.StatusCode.INVALID_ARGUMENT, "an empty IngestRequest")
            if current is not None:
                await self._submit_upload(current, metadata)
                current = None
        finally:
            if current is not None:
                current.discard()

    async def _submit_upload(self, upload: Upload, metadata: pb.TrackMetadata | None) -> None:
        content_hash = upload.finish()
        await self._submit(upload.source, str(upload.path), content_hash, metadata, spooled=True)

    async def _submit_paths(self, msg: ipb.ServerPaths) -> None:
        roots = self.state.roots
        resolved = [roots.resolve(p) for p in msg.paths]  # PERMISSION_DENIED before any work
        found = await asyncio.to_thread(discover, resolved, msg.recursive)
        for path in found.missing:
            self._report(str(path), Failed(str(path), f"{path}: no such file or folder", "MissingFileError"))
        for path in found.files:
            if not roots.contains(path):  # a symlink inside a root that points outside it
                self._report(str(path), Failed(str(path), f"{path}: outside the server's allowed roots",
                                               "PermissionDenied"))
                continue
            await self._submit(str(path), str(path), None, None, spooled=False)

    async def _submit(self, source: str, path: str, content_hash: str | None, metadata: pb.TrackMetadata | None,
                      spooled: bool) -> None:
        await self.slots.acquire()
        self.progress.files_queued += 1
        self.events.put_nowait(self._response(queued=pb.FileQueued(source=source)))
        task = asyncio.create_task(self._process(source, path, content_hash, metadata, spooled))
        self.tasks.add(task)
        task.add_done_callback(self._finished)

    # ------------------------------------------------------------------ a file
    async def _process(self, source: str, path: str, content_hash: str | None,
                       metadata: pb.TrackMetadata | None, spooled: bool) -> None:
        try:
            result = await self._analyze(source, path, content_hash)
            payload = None
            if isinstance(result, Analysis):
                payload = {**result.payload, "path": source, **_overrides(metadata)}
                if result.families:
                    await self.state.write(add_families, self.state.index, result)
                await self.state.write(self.state.index.upsert, [Track(result.track_id, result.vectors, payload)])
                if result.windows:
                    await self.state.call(self.state.save_windows, result.track_id, result.windows)
                self.state.tracks.drop([result.track_id])
                self.state.known.add(result.track_id, payload.get("content_hash"))
            elif isinstance(result, Failed) and spooled:
                result = Failed(source, result.reason.replace(path, source), result.error)
            self._report(source, result, payload)
        finally:
            if spooled:
                Path(path).unlink(missing_ok=True)
            self.slots.release()

    async def _analyze(self, source: str, path: str, content_hash: str | None) -> Analysis | Skipped | Failed:
        if content_hash is None:
            try:
                content_hash = await asyncio.to_thread(file_sha256, path)
            except OSError as exc:
                return Failed(source, f"{source}: cannot read file ({exc.strerror or exc})", type(exc).__name__)
        known = self.state.known.by_hash(content_hash)
        if known is not None:
            return Skipped(source, known, "already in the index (same file content)")
        result = await self.state.workers.analyze(path)
        if isinstance(result, Analysis) and result.track_id in self.state.known:
            return Skipped(source, result.track_id, "already in the index (same audio)", result.duration)
        return result

    def _report(self, source: str, result: Analysis | Skipped | Failed, payload: dict | None = None) -> None:
        p, metrics = self.progress, self.state.metrics
        p.files_done += 1
        if isinstance(result, Analysis):
            p.ingested += 1
            p.audio_seconds += result.duration
            metrics.ingest_files.labels("ingested").inc()
            metrics.ingest_audio.inc(result.duration)
        elif isinstance(result, Skipped):
            p.skipped += 1
            metrics.ingest_files.labels("skipped").inc()
        else:
            p.failed += 1
            metrics.ingest_files.labels("failed").inc()
            log.warning("file failed", extra={"source": source, "reason": result.reason})
        self.events.put_nowait(self._response(result=file_result(source, result, payload)))


def _overrides(metadata: pb.TrackMetadata | None) -> dict:
    """Payload fields given with an upload (empty ones are left to the file's own tags)."""
    if metadata is None:
        return {}
    out: dict = {k: v for k, v in (("title", metadata.title), ("artist", metadata.artist),
                                   ("album", metadata.album)) if v}
    if metadata.genres:
        out["genre"] = metadata.genres[0] if len(metadata.genres) == 1 else list(metadata.genres)
    if metadata.tags:
        out["tags"] = list(metadata.tags)
    return out
