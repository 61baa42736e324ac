"""The gRPC server: start (index, workers, services, health, reflection, metrics), serve, and
stop gracefully on SIGTERM.

    heihachi-index serve [--config FILE] [--port 50051] [--metrics-port 9464]
"""
from __future__ import annotations

import asyncio
import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from heihachi_index.config import Config, ConfigError
from heihachi_index.index import TrackIndex
from heihachi_index.logs import get_logger
from heihachi_index.pipeline.analyze import AnalysisOptions
from heihachi_index.rpc import (analysis_service_pb2, analysis_service_pb2_grpc, index_service_pb2,
                                index_service_pb2_grpc, search_service_pb2, search_service_pb2_grpc)
from services.analysis_service import AnalysisService
from services.auth import Authenticator
from services.index_service import IndexService
from services.known import KnownTracks
from services.metrics import Metrics
from services.paths import AllowedRoots
from services.search_service import SearchService
from services.state import AppState
from services.tracks import TrackMessages
from services.workers import WorkerPool

log = get_logger(__name__)
SERVICE_NAMES = (
    index_service_pb2.DESCRIPTOR.services_by_name["IndexService"].full_name,
    search_service_pb2.DESCRIPTOR.services_by_name["SearchService"].full_name,
    analysis_service_pb2.DESCRIPTOR.services_by_name["AnalysisService"].full_name,
)
INDEX_THREADS = 4


def grpc_options(max_message_bytes: int) -> list[tuple[str, int]]:
    return [("grpc.max_receive_message_length", max_message_bytes),
            ("grpc.max_send_message_length", max_message_bytes),
            ("grpc.so_reuseport", 0),  # a second server on a busy port fails instead of sharing it
            ("grpc.optimization_target", "latency")]


def server_credentials(cert: str | None, key: str | None) -> grpc.ServerCredentials | None:
    """TLS credentials when both paths are set (ConfigError when only one is)."""
    if not cert and not key:
        return None
    if not (cert and key):
        raise ConfigError("server.tls_cert and server.tls_key must be set together")
    try:
        return grpc.ssl_server_credentials([(Path(key).read_bytes(), Path(cert).read_bytes())])
    except OSError as exc:
        raise ConfigError(f"cannot read the TLS certificate or key: {exc}") from exc


class Server:
    """One heihachi-index gRPC server.

    Parameters
    ----------
    config : Config
        ``config.server`` for the network side, the rest for the index and the analysis.
    warm_workers : bool
        Start the worker processes and run the analysis once in each right away (in the
        background), so the first ingest or audio search does not pay for imports and caches.
    """

    def __init__(self, config: Config, *, warm_workers: bool = True) -> None:
        self.config = config
        self.warm_workers = warm_workers
        self.state: AppState | None = None
        self.port: int | None = None
        self.metrics_port: int | None = None
        self._grpc: grpc.aio.Server | None = None
        self._health: health.aio.HealthServicer | None = None
        self._warm: asyncio.Task | None = None

    @property
    def address(self) -> str:
        return f"{self.config.server.host}:{self.port}"

    async def start(self) -> None:
        """Open the index (as the single writer), start the workers and listen.

        Raises
        ------
        ConfigError
            Auth on without tokens, half a TLS configuration, or the port cannot be bound.
        StoreLockedError
            Another process holds the data directory.
        """
        cfg = self.config.server
        auth = Authenticator(cfg)
        credentials = server_credentials(cfg.tls_cert, cfg.tls_key)
        index = await asyncio.to_thread(TrackIndex.open, self.config)
        try:
            known, tracks = await asyncio.to_thread(self._load, index)
            metrics = Metrics()
            metrics.tracks.set(len(known))
            self.state = AppState(config=self.config, index=index, workers=WorkerPool(cfg.workers, self.config.audio,
                                                                                      self.config.features,
                                                                                      AnalysisOptions.from_config(self.config)),
                                  known=known, auth=auth, roots=AllowedRoots(cfg.allowed_roots), metrics=metrics,
                                  index_threads=ThreadPoolExecutor(INDEX_THREADS, thread_name_prefix="index"),
                                  tracks=tracks)
            await self._listen(credentials)
        except BaseException:
            await asyncio.to_thread(index.close)
            if self.state is not None:
                self.state.workers.shutdown(wait=False)
            raise
        if cfg.metrics_port is not None:
            self.metrics_port = self.state.metrics.serve(cfg.host, cfg.metrics_port)
        if self.warm_workers:
            self._warm = asyncio.create_task(self.state.workers.warm_up())
        log.info("serving", extra={"address": self.address, "tls": credentials is not None,
                                   "metrics_port": self.metrics_port, "tracks": len(known),
                                   "workers": self.state.workers.size, "auth": not auth.disabled})

    @staticmethod
    def _load(index: TrackIndex) -> tuple[KnownTracks, TrackMessages]:
        """Build FAISS, the catalog and the track messages before the first search, and read what is
        already there."""
        tracks = TrackMessages(index)
        if index.count():
            index.faiss_index()
            tracks.warm()
        return KnownTracks().load(index), tracks

    async def _listen(self, credentials: grpc.ServerCredentials | None) -> None:
        cfg = self.config.server
        server = grpc.aio.server(options=grpc_options(cfg.max_message_bytes))
        index_service_pb2_grpc.add_IndexServiceServicer_to_server(IndexService(self.state), server)
        search_service_pb2_grpc.add_SearchServiceServicer_to_server(SearchService(self.state), server)
        analysis_service_pb2_grpc.add_AnalysisServiceServicer_to_server(AnalysisService(self.state), server)
        self._health = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self._health, server)
        reflection.enable_server_reflection((*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME), server)
        address = f"{cfg.host}:{cfg.port}"
        try:
            port = server.add_secure_port(address, credentials) if credentials else server.add_insecure_port(address)
        except RuntimeError as exc:
            raise ConfigError(f"cannot listen on {address}: {exc}") from exc
        if not port:
            raise ConfigError(f"cannot listen on {address}")
        self.port = port
        await server.start()
        self._grpc = server
        for name in ("", *SERVICE_NAMES):
            await self._health.set(name, health_pb2.HealthCheckResponse.SERVING)

    async def stop(self, grace: float | None = None) -> None:
        """Stop accepting RPCs, give in-flight ones ``grace`` seconds (default
        ``server.shutdown_grace_s``), cancel the rest, then stop the workers and flush and close the
        index."""
        if self._grpc is None or self.state is None:
            return
        grace = self.config.server.shutdown_grace_s if grace is None else grace
        log.info("stopping", extra={"grace_s": grace, "active_rpcs": self.state.active_rpcs})
        await self._health.enter_graceful_shutdown()
        await self._grpc.stop(grace)
        state = self.state
        jobs = [asyncio.create_task(done.wait()) for done in list(state.ingest_jobs)]
        if jobs:  # cancelled ingests are still flushing what they stored
            await asyncio.wait(jobs, timeout=max(grace, 1.0) + 30.0)
        if self._warm is not None:
            self._warm.cancel()
        await asyncio.to_thread(state.workers.shutdown, True)
        await asyncio.to_thread(self._close_index, state)
        state.index_threads.shutdown(wait=False)
        state.metrics.close()
        self._grpc = None
        log.info("stopped")

    @staticmethod
    def _close_index(state: AppState) -> None:
        state.index.flush()
        state.index.close()

    async def wait(self) -> None:
        if self._grpc is not None:
            await self._grpc.wait_for_termination()


async def serve(config: Config) -> None:
    """Run a server until SIGTERM or SIGINT, then stop it gracefully."""
    server = Server(config)
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()
