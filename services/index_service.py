"""``heihachi.v1.IndexService``: Ingest, GetTrack, ListTracks, DeleteTrack, Stats."""
from __future__ import annotations

import asyncio
import base64
import binascii
import time
from pathlib import Path

import grpc

from heihachi_index import __version__
from heihachi_index.embed.store import WindowStore
from heihachi_index.features import PIPELINE_VERSION
from heihachi_index.index import normalize_track_id
from heihachi_index.rpc import index_service_pb2 as ipb
from heihachi_index.rpc import index_service_pb2_grpc as ipb_grpc
from heihachi_index.rpc import types_pb2 as pb
from heihachi_index.rpc.convert import track_to_proto
from services.auth import Scope
from services.convert import library_filter
from services.errors import RpcError
from services.guard import rpc
from services.ingest import IngestJob
from services.state import AppState

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
_TOKEN_PREFIX = "t1:"


def parse_track_id(value: str) -> str:
    """The canonical id of a request's ``track_id`` (INVALID_ARGUMENT when it is not one)."""
    try:
        return normalize_track_id(value)
    except ValueError as exc:
        raise RpcError(grpc.StatusCode.INVALID_ARGUMENT, f"track_id: {exc}") from None


def encode_page_token(offset: str) -> str:
    return base64.urlsafe_b64encode((_TOKEN_PREFIX + offset).encode()).decode()


def decode_page_token(token: str) -> str | None:
    if not token:
        return None
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
        if text.startswith(_TOKEN_PREFIX):
            return normalize_track_id(text[len(_TOKEN_PREFIX):])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise RpcError(grpc.StatusCode.INVALID_ARGUMENT, "page_token: not a token from a previous ListTracks page")


def disk_usage(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


class IndexService(ipb_grpc.IndexServiceServicer):
    """Ingestion and reads of the index, through the server's single :class:`TrackIndex`."""

    def __init__(self, state: AppState) -> None:
        self.state = state

    @rpc(Scope.WRITE, ingest=True)
    async def Ingest(self, request_iterator, context):
        async for response in IngestJob(self.state, context).run(request_iterator):
            yield response

    @rpc(Scope.READ)
    async def GetTrack(self, request: ipb.GetTrackRequest, context) -> ipb.GetTrackResponse:
        track_id = parse_track_id(request.track_id)
        index = self.state.index
        with_vectors = bool(request.include_vectors)
        record = await self.state.read(index.get, track_id, vectors=with_vectors, raw=with_vectors)
        if record is None:
            raise RpcError(grpc.StatusCode.NOT_FOUND, f"track {track_id} is not in the index")
        response = ipb.GetTrackResponse(track=track_to_proto(record.payload, record.track_id))
        for family, vector in sorted(record.vectors.items()):
            raw = record.raw.get(family)
            response.vectors.append(pb.TrackVector(family=family, standardized=vector.tolist(),
                                                   raw=raw.tolist() if raw is not None else []))
        return response

    @rpc(Scope.READ)
    async def ListTracks(self, request: ipb.ListTracksRequest, context) -> ipb.ListTracksResponse:
        size = request.page_size or DEFAULT_PAGE_SIZE
        if size > MAX_PAGE_SIZE:
            raise RpcError(grpc.StatusCode.INVALID_ARGUMENT, f"page_size must be at most {MAX_PAGE_SIZE}, got {size}")
        offset = decode_page_token(request.page_token)
        flt = library_filter(request.filters) if request.HasField("filters") else None
        index = self.state.index
        (records, nxt), total = await asyncio.gather(self.state.call(index.scroll, flt, limit=size, offset=offset),
                                                     self.state.call(index.count, flt))
        return ipb.ListTracksResponse(tracks=[track_to_proto(r.payload, r.track_id) for r in records],
                                      next_page_token=encode_page_token(nxt) if nxt else "", total_size=total)

    @rpc(Scope.WRITE)
    async def DeleteTrack(self, request: ipb.DeleteTrackRequest, context) -> ipb.DeleteTrackResponse:
        track_id = parse_track_id(request.track_id)
        index = self.state.index
        removed = await self.state.write(index.delete, [track_id])
        self.state.tracks.drop([track_id])
        if removed:
            await self.state.call(WindowStore(self.state.config.data_dir).delete, track_id)
        if not removed:
            raise RpcError(grpc.StatusCode.NOT_FOUND, f"track {track_id} is not in the index")
        self.state.known.remove(track_id)
        await self.state.write(index.finalize)  # the statistics depend on the set of tracks
        tracks = await self.state.call(index.count)
        self.state.metrics.tracks.set(tracks)
        return ipb.DeleteTrackResponse(track_id=track_id, tracks_in_index=tracks)

    @rpc(Scope.READ)
    async def Stats(self, request: ipb.StatsRequest, context) -> ipb.StatsResponse:
        state, index = self.state, self.state.index

        def read() -> tuple[int, list[ipb.FamilyStats]]:
            families = []
            for name, spec in index.families().items():
                stats = index.stats(name)
                families.append(ipb.FamilyStats(name=name, dim=spec.dim, standardized=spec.standardize,
                                                stats_version=stats.version if stats else 0,
                                                stats_count=stats.count if stats else 0))
            return index.count(), families

        (tracks, families), disk = await asyncio.gather(state.call(read),
                                                        asyncio.to_thread(disk_usage, state.config.data_path))
        state.metrics.tracks.set(tracks)
        cfg = state.config
        return ipb.StatsResponse(
            tracks=tracks, families=families, disk_bytes=disk,
            backend="qdrant" if cfg.index.url or cfg.index.backend == "qdrant" else cfg.index.backend,
            server=ipb.ServerInfo(version=__version__, pipeline_version=PIPELINE_VERSION,
                                  uptime_s=time.monotonic() - state.started, active_rpcs=state.active_rpcs,
                                  active_ingests=state.active_ingests, workers=state.workers.size))
