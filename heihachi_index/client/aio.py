"""``AsyncClient``: the asyncio client of a heihachi-index server (same methods as ``Client``)."""
from __future__ import annotations

import asyncio
import os
from typing import Any, AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from heihachi_index.client.channel import DEFAULT_CHUNK_BYTES, DEFAULT_MAX_MESSAGE_BYTES, ChannelSettings, aio_channel
from heihachi_index.client.errors import RemoteError
from heihachi_index.client.messages import (
    analysis_requests,
    ingest_path_requests,
    ingest_upload_requests,
    list_tracks_request,
    search_audio_requests,
    search_options,
    upload_plan,
)
from heihachi_index.client.results import (
    AudioSearch,
    Emotions,
    Hit,
    IndexStats,
    IngestOutcome,
    TrackPage,
    TextSearch,
    TrackRecord,
    hits_from_proto,
    message_dict,
)
from heihachi_index.rpc import analysis_service_pb2 as apb
from heihachi_index.rpc import analysis_service_pb2_grpc as apb_grpc
from heihachi_index.rpc import index_service_pb2 as ipb
from heihachi_index.rpc import index_service_pb2_grpc as ipb_grpc
from heihachi_index.rpc import search_service_pb2 as spb
from heihachi_index.rpc import search_service_pb2_grpc as spb_grpc

_UNAVAILABLE = grpc.StatusCode.UNAVAILABLE


class AsyncClient:
    """Typed asyncio access to a server; parameters and errors as :class:`~heihachi_index.client.Client`.

    >>> async with AsyncClient("127.0.0.1:50051", token=token) as client:   # doctest: +SKIP
    ...     hits = await client.search_similar(track_id, k=10, mmr=0.7, explain=True)
    """

    def __init__(self, target: str, *, token: str | None = None, tls: bool = False,
                 root_certificates: bytes | str | os.PathLike[str] | None = None, timeout: float | None = 30.0,
                 retries: int = 3, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
                 chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> None:
        self.settings = ChannelSettings(target, token, tls, root_certificates, max_message_bytes, retries)
        self.timeout = timeout
        self.chunk_bytes = min(chunk_bytes, max_message_bytes - 1024)
        self._channel = aio_channel(self.settings)
        self._index = ipb_grpc.IndexServiceStub(self._channel)
        self._search = spb_grpc.SearchServiceStub(self._channel)
        self._analysis = apb_grpc.AnalysisServiceStub(self._channel)
        self._health = health_pb2_grpc.HealthStub(self._channel)

    # ------------------------------------------------------------- plumbing
    async def _unary(self, name: str, method: Callable[..., Awaitable], request: Any, timeout: float | None) -> Any:
        attempt = 0
        while True:
            try:
                req = request() if callable(request) else request
                return await method(req, timeout=self.timeout if timeout is None else timeout,
                                    metadata=self.settings.metadata())
            except grpc.RpcError as exc:
                if exc.code() == _UNAVAILABLE and attempt < self.settings.retries:
                    attempt += 1
                    await asyncio.sleep(self.settings.delay(attempt))
                    continue
                raise RemoteError.from_rpc_error(exc, name) from None

    async def iter_ingest(self, requests: Callable[[], Iterator[ipb.IngestRequest]],
                          timeout: float | None = None) -> AsyncIterator[ipb.IngestResponse]:
        """The raw Ingest stream (see :meth:`Client.iter_ingest`); closing it early cancels the call."""
        attempt = 0
        while True:
            call = self._index.Ingest(requests(), timeout=timeout, metadata=self.settings.metadata())
            received = False
            try:
                async for response in call:
                    received = True
                    yield response
                return
            except grpc.RpcError as exc:
                if exc.code() == _UNAVAILABLE and not received and attempt < self.settings.retries:
                    attempt += 1
                    await asyncio.sleep(self.settings.delay(attempt))
                    continue
                raise RemoteError.from_rpc_error(exc, "Ingest") from None
            finally:
                call.cancel()

    @staticmethod
    async def _collect(responses: AsyncIterator[ipb.IngestResponse], outcome: IngestOutcome,
                       on_event: Callable[[ipb.IngestResponse], None] | None) -> IngestOutcome:
        async for response in responses:
            outcome.add(response)
            if on_event is not None:
                on_event(response)
        return outcome

    # --------------------------------------------------------------- ingest
    async def ingest(self, paths: Iterable[str | os.PathLike[str]], *, recursive: bool = False,
                     metadata: Mapping[str, Mapping[str, Any]] | None = None,
                     on_event: Callable[[ipb.IngestResponse], None] | None = None,
                     timeout: float | None = None) -> IngestOutcome:
        """Upload local files and ingest them (see :meth:`Client.ingest`)."""
        uploads, failed = await asyncio.to_thread(upload_plan, paths, recursive, metadata)
        outcome = IngestOutcome(failed=failed, complete=not uploads)
        if not uploads:
            return outcome
        stream = self.iter_ingest(lambda: ingest_upload_requests(uploads, self.chunk_bytes), timeout)
        return await self._collect(stream, outcome, on_event)

    async def ingest_server_paths(self, paths: Iterable[str], *, recursive: bool = False,
                                  on_event: Callable[[ipb.IngestResponse], None] | None = None,
                                  timeout: float | None = None) -> IngestOutcome:
        """Ingest files or folders on the server, under its allowed roots."""
        paths = list(paths)
        stream = self.iter_ingest(lambda: ingest_path_requests(paths, recursive), timeout)
        return await self._collect(stream, IngestOutcome(), on_event)

    # ---------------------------------------------------------------- reads
    async def get_track(self, track_id: str, *, include_vectors: bool = False,
                        timeout: float | None = None) -> TrackRecord:
        msg = await self._unary("GetTrack", self._index.GetTrack,
                                ipb.GetTrackRequest(track_id=track_id, include_vectors=include_vectors), timeout)
        return TrackRecord.from_proto(msg.track, msg.vectors)

    async def list_tracks(self, *, filters: Any = None, page_size: int = 100, page_token: str = "",
                          timeout: float | None = None) -> TrackPage:
        req = list_tracks_request(filters, page_size, page_token)
        return TrackPage.from_proto(await self._unary("ListTracks", self._index.ListTracks, req, timeout))

    async def iter_tracks(self, *, filters: Any = None, page_size: int = 500) -> AsyncIterator[TrackRecord]:
        token = ""
        while True:
            page = await self.list_tracks(filters=filters, page_size=page_size, page_token=token)
            for track in page.tracks:
                yield track
            if not page.next_page_token:
                return
            token = page.next_page_token

    async def delete_track(self, track_id: str, *, timeout: float | None = None) -> int:
        msg = await self._unary("DeleteTrack", self._index.DeleteTrack, ipb.DeleteTrackRequest(track_id=track_id),
                                timeout)
        return msg.tracks_in_index

    async def stats(self, *, timeout: float | None = None) -> IndexStats:
        return IndexStats.from_proto(await self._unary("Stats", self._index.Stats, ipb.StatsRequest(), timeout))

    # --------------------------------------------------------------- search
    async def search_similar(self, track_id: str, k: int = 10, *, filters: Any = None,
                             mmr: float | bool | None = None, pool: int | None = None, family: str | None = None,
                             explain: bool = False, timeout: float | None = None) -> list[Hit]:
        req = spb.SearchSimilarRequest(track_id=track_id, options=search_options(
            k, filters=filters, mmr=mmr, pool=pool, family=family, explain=explain))
        msg = await self._unary("SearchSimilar", self._search.SearchSimilar, req, timeout)
        return hits_from_proto(msg.hits)

    async def search_audio(self, audio: str | os.PathLike[str] | bytes, k: int = 10, *, filters: Any = None,
                           mmr: float | bool | None = None, pool: int | None = None, family: str | None = None,
                           explain: bool = False, file_name: str | None = None,
                           timeout: float | None = None) -> AudioSearch:
        options = search_options(k, filters=filters, mmr=mmr, pool=pool, family=family, explain=explain)
        msg = await self._unary("SearchAudio", self._search.SearchAudio,
                                lambda: search_audio_requests(audio, options, self.chunk_bytes, file_name), timeout)
        return AudioSearch.from_proto(msg)

    async def search_text(self, query: str, k: int = 10, *, filters: Any = None, mmr: float | bool | None = None,
                    pool: int | None = None, explain: bool = True, timeout: float | None = None) -> TextSearch:
        """Tracks matching a description, and how it was understood (as the library's ``search_text``)."""
        req = spb.SearchTextRequest(query=query, options=search_options(k, filters=filters, mmr=mmr, pool=pool,
                                                                       explain=explain))
        return TextSearch.from_proto(await self._unary("SearchText", self._search.SearchText, req, timeout))

    async def analyze_text(self, query: str, *, timeout: float | None = None) -> dict[str, Any]:
        """How a description is understood: concepts with weights, constraints, words not understood."""
        msg = await self._unary("AnalyzeText", self._search.AnalyzeText, spb.AnalyzeTextRequest(query=query), timeout)
        return message_dict(msg.analysis)

    async def get_emotions(self, target: str | os.PathLike[str] | bytes, *, track_id: bool = False,
                     file_name: str | None = None, timeout: float | None = None) -> Emotions:
        """Emotion and concept scores of a stored track (``track_id=True``) or of a clip (a path or bytes)."""
        msg = await self._unary("GetEmotions", self._analysis.GetEmotions, lambda: analysis_requests(
            apb.GetEmotionsRequest, target, self.chunk_bytes, track_id=track_id, file_name=file_name), timeout)
        return Emotions.from_proto(msg)

    async def analyze_drums(self, target: str | os.PathLike[str] | bytes, *, track_id: bool = False,
                      file_name: str | None = None, timeout: float | None = None) -> dict[str, Any]:
        """Beat grid, drum hits and patterns of a stored track (``track_id=True``) or of a clip, as a dict."""
        msg = await self._unary("AnalyzeDrums", self._analysis.AnalyzeDrums, lambda: analysis_requests(
            apb.AnalyzeDrumsRequest, target, self.chunk_bytes, track_id=track_id, file_name=file_name), timeout)
        return message_dict(msg)

    # ------------------------------------------------------------ lifecycle
    async def health(self, service: str = "", *, timeout: float | None = None) -> str:
        msg = await self._unary("Check", self._health.Check, health_pb2.HealthCheckRequest(service=service), timeout)
        return health_pb2.HealthCheckResponse.ServingStatus.Name(msg.status)

    async def wait_ready(self, timeout: float = 30.0) -> None:
        try:
            await asyncio.wait_for(self._channel.channel_ready(), timeout)
        except TimeoutError:
            raise TimeoutError(f"server {self.settings.target} not reachable within {timeout} s") from None

    async def close(self) -> None:
        await self._channel.close()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
