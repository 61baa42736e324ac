"""``Client``: the blocking client of a heihachi-index server."""
from __future__ import annotations

import os
import time
from typing import Any, Callable, Iterable, Iterator, Mapping

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from heihachi_index.client.channel import DEFAULT_CHUNK_BYTES, DEFAULT_MAX_MESSAGE_BYTES, ChannelSettings, sync_channel
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


class Client:
    """Typed, blocking access to the IndexService and SearchService of a server.

    Parameters
    ----------
    target : str
        ``host:port`` of the server.
    token : str, optional
        Bearer token (read-only or read-write).
    tls : bool
        Connect with TLS (implied by ``root_certificates``).
    root_certificates : bytes or path, optional
        CA certificate(s) of the server, PEM.
    timeout : float, optional
        Default deadline in seconds of every call but :meth:`ingest` (whose default is none: the
        server's ingest deadline applies).
    retries : int
        Extra attempts for calls that fail with UNAVAILABLE (a server restarting), with backoff.
        Streams are retried only before their first response.
    max_message_bytes, chunk_bytes : int
        Message size limit and upload chunk size.

    Every method raises :class:`~heihachi_index.client.RemoteError` (with ``.code``) on failure.
    """

    def __init__(self, target: str, *, token: str | None = None, tls: bool = False,
                 root_certificates: bytes | str | os.PathLike[str] | None = None, timeout: float | None = 30.0,
                 retries: int = 3, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
                 chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> None:
        self.settings = ChannelSettings(target, token, tls, root_certificates, max_message_bytes, retries)
        self.timeout = timeout
        self.chunk_bytes = min(chunk_bytes, max_message_bytes - 1024)
        self._channel = sync_channel(self.settings)
        self._index = ipb_grpc.IndexServiceStub(self._channel)
        self._search = spb_grpc.SearchServiceStub(self._channel)
        self._analysis = apb_grpc.AnalysisServiceStub(self._channel)
        self._health = health_pb2_grpc.HealthStub(self._channel)

    # ------------------------------------------------------------- plumbing
    def _timeout(self, timeout: float | None) -> float | None:
        return self.timeout if timeout is None else timeout

    def _unary(self, name: str, method: Callable, request: Any, timeout: float | None) -> Any:
        """Call a unary (or client-streaming: ``request`` is then a factory of iterators) method."""
        attempt = 0
        while True:
            try:
                req = request() if callable(request) else request
                return method(req, timeout=self._timeout(timeout), metadata=self.settings.metadata())
            except grpc.RpcError as exc:
                if exc.code() == _UNAVAILABLE and attempt < self.settings.retries:
                    attempt += 1
                    time.sleep(self.settings.delay(attempt))
                    continue
                raise RemoteError.from_rpc_error(exc, name) from None

    def iter_ingest(self, requests: Callable[[], Iterator[ipb.IngestRequest]],
                    timeout: float | None = None) -> Iterator[ipb.IngestResponse]:
        """The raw Ingest stream; ``requests`` makes a fresh request iterator per attempt.

        Closing the returned generator early cancels the call (the server stops the work).
        """
        attempt = 0
        while True:
            call = self._index.Ingest(requests(), timeout=timeout, metadata=self.settings.metadata())
            received = False
            try:
                for response in call:
                    received = True
                    yield response
                return
            except grpc.RpcError as exc:
                if exc.code() == _UNAVAILABLE and not received and attempt < self.settings.retries:
                    attempt += 1
                    time.sleep(self.settings.delay(attempt))
                    continue
                raise RemoteError.from_rpc_error(exc, "Ingest") from None
            finally:
                call.cancel()  # no-op once the call has finished

    def _collect(self, responses: Iterable[ipb.IngestResponse], outcome: IngestOutcome,
                 on_event: Callable[[ipb.IngestResponse], None] | None) -> IngestOutcome:
        for response in responses:
            outcome.add(response)
            if on_event is not None:
                on_event(response)
        return outcome

    # --------------------------------------------------------------- ingest
    def ingest(self, paths: Iterable[str | os.PathLike[str]], *, recursive: bool = False,
               metadata: Mapping[str, Mapping[str, Any]] | None = None,
               on_event: Callable[[ipb.IngestResponse], None] | None = None,
               timeout: float | None = None) -> IngestOutcome:
        """Upload local audio files (and the audio files of folders) and ingest them.

        Parameters
        ----------
        paths : iterable of path-like
        recursive : bool
            Descend into sub-folders.
        metadata : mapping, optional
            File name -> ``{"title", "artist", "album", "genre", "tags"}`` overriding the file's tags.
        on_event : callable, optional
            Called with every :class:`IngestResponse` (queued, per-file result, summary).
        timeout : float, optional
            Deadline of the whole stream (default: none).
        """
        uploads, failed = upload_plan(paths, recursive, metadata)
        outcome = IngestOutcome(failed=failed, complete=not uploads)
        if not uploads:
            return outcome
        stream = self.iter_ingest(lambda: ingest_upload_requests(uploads, self.chunk_bytes), timeout)
        return self._collect(stream, outcome, on_event)

    def ingest_server_paths(self, paths: Iterable[str], *, recursive: bool = False,
                            on_event: Callable[[ipb.IngestResponse], None] | None = None,
                            timeout: float | None = None) -> IngestOutcome:
        """Ingest files or folders that are on the server, under its allowed roots."""
        paths = list(paths)
        stream = self.iter_ingest(lambda: ingest_path_requests(paths, recursive), timeout)
        return self._collect(stream, IngestOutcome(), on_event)

    # ---------------------------------------------------------------- reads
    def get_track(self, track_id: str, *, include_vectors: bool = False, timeout: float | None = None) -> TrackRecord:
        msg = self._unary("GetTrack", self._index.GetTrack,
                          ipb.GetTrackRequest(track_id=track_id, include_vectors=include_vectors), timeout)
        return TrackRecord.from_proto(msg.track, msg.vectors)

    def list_tracks(self, *, filters: Any = None, page_size: int = 100, page_token: str = "",
                    timeout: float | None = None) -> TrackPage:
        """One page of tracks (``filters`` as for :meth:`search_similar`)."""
        req = list_tracks_request(filters, page_size, page_token)
        return TrackPage.from_proto(self._unary("ListTracks", self._index.ListTracks, req, timeout))

    def iter_tracks(self, *, filters: Any = None, page_size: int = 500) -> Iterator[TrackRecord]:
        """Every track matching ``filters``, page by page."""
        token = ""
        while True:
            page = self.list_tracks(filters=filters, page_size=page_size, page_token=token)
            yield from page.tracks
            if not page.next_page_token:
                return
            token = page.next_page_token

    def delete_track(self, track_id: str, *, timeout: float | None = None) -> int:
        """Delete a track; returns the number of tracks left."""
        return self._unary("DeleteTrack", self._index.DeleteTrack, ipb.DeleteTrackRequest(track_id=track_id),
                           timeout).tracks_in_index

    def stats(self, *, timeout: float | None = None) -> IndexStats:
        return IndexStats.from_proto(self._unary("Stats", self._index.Stats, ipb.StatsRequest(), timeout))

    # --------------------------------------------------------------- search
    def search_similar(self, track_id: str, k: int = 10, *, filters: Any = None, mmr: float | bool | None = None,
                       pool: int | None = None, family: str | None = None, explain: bool = False,
                       timeout: float | None = None) -> list[Hit]:
        """Tracks like a track of the index (arguments as the library's ``similar()``)."""
        req = spb.SearchSimilarRequest(track_id=track_id, options=search_options(
            k, filters=filters, mmr=mmr, pool=pool, family=family, explain=explain))
        return hits_from_proto(self._unary("SearchSimilar", self._search.SearchSimilar, req, timeout).hits)

    def search_audio(self, audio: str | os.PathLike[str] | bytes, k: int = 10, *, filters: Any = None,
                     mmr: float | bool | None = None, pool: int | None = None, family: str | None = None,
                     explain: bool = False, file_name: str | None = None,
                     timeout: float | None = None) -> AudioSearch:
        """Tracks like an audio clip (a local file or its bytes), uploaded in chunks."""
        options = search_options(k, filters=filters, mmr=mmr, pool=pool, family=family, explain=explain)
        msg = self._unary("SearchAudio", self._search.SearchAudio,
                          lambda: search_audio_requests(audio, options, self.chunk_bytes, file_name), timeout)
        return AudioSearch.from_proto(msg)

    def search_text(self, query: str, k: int = 10, *, filters: Any = None, mmr: float | bool | None = None,
                    pool: int | None = None, explain: bool = True, timeout: float | None = None) -> TextSearch:
        """Tracks matching a description, and how it was understood (as the library's ``search_text``)."""
        req = spb.SearchTextRequest(query=query, options=search_options(k, filters=filters, mmr=mmr, pool=pool,
                                                                       explain=explain))
        return TextSearch.from_proto(self._unary("SearchText", self._search.SearchText, req, timeout))

    def analyze_text(self, query: str, *, timeout: float | None = None) -> dict[str, Any]:
        """How a description is understood: concepts with weights, constraints, words not understood."""
        msg = self._unary("AnalyzeText", self._search.AnalyzeText, spb.AnalyzeTextRequest(query=query), timeout)
        return message_dict(msg.analysis)

    def get_emotions(self, target: str | os.PathLike[str] | bytes, *, track_id: bool = False,
                     file_name: str | None = None, timeout: float | None = None) -> Emotions:
        """Emotion and concept scores of a stored track (``track_id=True``) or of a clip (a path or bytes)."""
        msg = self._unary("GetEmotions", self._analysis.GetEmotions, lambda: analysis_requests(
            apb.GetEmotionsRequest, target, self.chunk_bytes, track_id=track_id, file_name=file_name), timeout)
        return Emotions.from_proto(msg)

    def analyze_drums(self, target: str | os.PathLike[str] | bytes, *, track_id: bool = False,
                      file_name: str | None = None, timeout: float | None = None) -> dict[str, Any]:
        """Beat grid, drum hits and patterns of a stored track (``track_id=True``) or of a clip, as a dict."""
        msg = self._unary("AnalyzeDrums", self._analysis.AnalyzeDrums, lambda: analysis_requests(
            apb.AnalyzeDrumsRequest, target, self.chunk_bytes, track_id=track_id, file_name=file_name), timeout)
        return message_dict(msg)

    # ------------------------------------------------------------ lifecycle
    def health(self, service: str = "", *, timeout: float | None = None) -> str:
        """The server's health status name (``SERVING``, ``NOT_SERVING``, ...)."""
        msg = self._unary("Check", self._health.Check, health_pb2.HealthCheckRequest(service=service), timeout)
        return health_pb2.HealthCheckResponse.ServingStatus.Name(msg.status)

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Block until the channel is connected (TimeoutError after ``timeout``)."""
        try:
            grpc.channel_ready_future(self._channel).result(timeout=timeout)
        except grpc.FutureTimeoutError:
            raise TimeoutError(f"server {self.settings.target} not reachable within {timeout} s") from None

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
