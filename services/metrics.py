"""Prometheus metrics of one server, served over HTTP on their own port."""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

# Latency buckets from 0.5 ms (a search) to 10 min (a long ingest stream).
LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                   5.0, 10.0, 30.0, 60.0, 300.0, 600.0)


class Metrics:
    """Request counters, latency histograms, in-flight gauges and ingest counters.

    Each server has its own registry, so several servers can live in one process (tests).
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("heihachi_grpc_requests_total", "RPCs handled, by method and status code",
                                ["method", "code"], registry=self.registry)
        self.latency = Histogram("heihachi_grpc_request_duration_seconds", "RPC latency by method", ["method"],
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        self.in_flight = Gauge("heihachi_grpc_in_flight", "RPCs in progress", registry=self.registry)
        self.ingest_files = Counter("heihachi_ingest_files_total", "Ingested files by outcome", ["status"],
                                    registry=self.registry)
        self.ingest_audio = Counter("heihachi_ingest_audio_seconds_total", "Seconds of audio ingested",
                                    registry=self.registry)
        self.upload_bytes = Counter("heihachi_upload_bytes_total", "Bytes of audio received by upload",
                                    registry=self.registry)
        self.active_ingests = Gauge("heihachi_ingest_active", "Ingest streams in progress", registry=self.registry)
        self.tracks = Gauge("heihachi_index_tracks", "Tracks in the index (updated by writes and Stats)",
                            registry=self.registry)
        self._http = None

    def serve(self, host: str, port: int) -> int:
        """Start the HTTP endpoint (``/metrics``); returns the bound port (``port`` 0 picks a free one)."""
        self._http, _ = start_http_server(port, addr=host, registry=self.registry)
        return int(self._http.server_port)

    def close(self) -> None:
        http, self._http = self._http, None
        if http is not None:
            http.shutdown()
            http.server_close()
