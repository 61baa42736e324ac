"""Request messages: search options and the chunked upload streams."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from heihachi_index.rpc import analysis_service_pb2 as apb
from heihachi_index.rpc import index_service_pb2 as ipb
from heihachi_index.rpc import search_service_pb2 as spb
from heihachi_index.rpc import types_pb2 as pb
from heihachi_index.rpc.convert import filters_to_proto


def search_options(k: int = 10, *, filters: Any = None, mmr: float | bool | None = None, pool: int | None = None,
                   family: str | None = None, explain: bool = False) -> pb.SearchOptions:
    """:class:`SearchOptions` with the arguments of the library's ``similar()``.

    ``mmr``: a lambda in [0, 1] (``True`` = the server's default 0.7), ``None``/``False`` = plain ranking.
    ``filters``: the library's ``SearchFilters``, a mapping of its fields, or a message.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    msg = pb.SearchOptions(k=k, family=family or "", explain=explain)
    flt = filters_to_proto(filters)
    if flt is not None:
        msg.filters.CopyFrom(flt)
    if mmr is not None and mmr is not False:
        msg.diversity.SetInParent()
        if mmr is not True:
            msg.diversity.mmr_lambda = float(mmr)
        if pool:
            msg.diversity.pool_size = int(pool)
    return msg


@dataclass(frozen=True)
class UploadFile:
    """A local file to upload, with optional tags that override the file's own."""

    path: Path
    metadata: pb.TrackMetadata | None = None

    @property
    def name(self) -> str:
        return self.path.name


def track_metadata(fields: Mapping[str, Any] | pb.TrackMetadata | None) -> pb.TrackMetadata | None:
    """A :class:`TrackMetadata` from ``{"title":..., "artist":..., "album":..., "genre"/"genres":..., "tags":...}``."""
    if fields is None or isinstance(fields, pb.TrackMetadata):
        return fields
    genres = fields.get("genres", fields.get("genre"))
    tags = fields.get("tags")
    return pb.TrackMetadata(title=fields.get("title") or "", artist=fields.get("artist") or "",
                            album=fields.get("album") or "",
                            genres=[genres] if isinstance(genres, str) else list(genres or []),
                            tags=[tags] if isinstance(tags, str) else list(tags or []))


def _chunks(path: Path, chunk_bytes: int) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while block := fh.read(chunk_bytes):
            yield block


def ingest_upload_requests(files: Iterable[UploadFile], chunk_bytes: int) -> Iterator[ipb.IngestRequest]:
    """An Ingest request stream uploading ``files`` (a header, then the bytes in chunks, per file)."""
    for f in files:
        header = ipb.UploadHeader(file_name=f.name, size_bytes=os.path.getsize(f.path))
        if f.metadata is not None:
            header.metadata.CopyFrom(f.metadata)
        yield ipb.IngestRequest(upload=header)
        for block in _chunks(f.path, chunk_bytes):
            yield ipb.IngestRequest(chunk=block)


def ingest_path_requests(paths: Iterable[str], recursive: bool) -> Iterator[ipb.IngestRequest]:
    """An Ingest request stream naming server-side paths."""
    yield ipb.IngestRequest(server_paths=ipb.ServerPaths(paths=[str(p) for p in paths], recursive=recursive))


def clip_upload(audio: str | os.PathLike[str] | bytes, chunk_bytes: int,
                file_name: str | None = None) -> tuple[str, int, Iterator[bytes]]:
    """``(file name, size, chunks)`` of a clip given as a path or as its bytes."""
    if isinstance(audio, (bytes, bytearray, memoryview)):
        data = bytes(audio)
        return file_name or "clip", len(data), (data[i:i + chunk_bytes] for i in range(0, len(data), chunk_bytes))
    path = Path(audio)
    return file_name or path.name, os.path.getsize(path), _chunks(path, chunk_bytes)


def search_audio_requests(audio: str | os.PathLike[str] | bytes, options: pb.SearchOptions, chunk_bytes: int,
                          file_name: str | None = None) -> Iterator[spb.SearchAudioRequest]:
    """A SearchAudio request stream: the query, then the clip (a path or its bytes) in chunks."""
    name, size, chunks = clip_upload(audio, chunk_bytes, file_name)
    yield spb.SearchAudioRequest(query=spb.SearchAudioQuery(options=options, file_name=name, size_bytes=size))
    for block in chunks:
        yield spb.SearchAudioRequest(chunk=block)


def local_files(paths: Iterable[str | os.PathLike[str]], recursive: bool = False) -> tuple[list[Path], list[Path]]:
    """Audio files to upload (as the local ingest finds them) and the named paths that do not exist."""
    from heihachi_index.pipeline.discover import discover  # the library's rules; imported only to upload

    found = discover(paths, recursive=recursive)
    return list(found.files), list(found.missing)


def list_tracks_request(filters: Any, page_size: int, page_token: str) -> ipb.ListTracksRequest:
    req = ipb.ListTracksRequest(page_size=page_size, page_token=page_token)
    flt = filters_to_proto(filters)
    if flt is not None:
        req.filters.CopyFrom(flt)
    return req


def upload_plan(paths: Iterable[str | os.PathLike[str]], recursive: bool,
                metadata: Mapping[str, Mapping[str, Any]] | None) -> tuple[list[UploadFile], list[dict]]:
    """The files an upload ingest sends (with their metadata) and failure rows for missing paths."""
    files, missing = local_files(paths, recursive)
    meta = metadata or {}
    uploads = [UploadFile(Path(f), track_metadata(meta.get(Path(f).name) or meta.get(str(f)))) for f in files]
    failed = [{"path": str(p), "reason": f"{p}: no such file or folder", "error": "MissingFileError"} for p in missing]
    return uploads, failed


def analysis_requests(message_type: type, target: str | os.PathLike[str] | bytes, chunk_bytes: int, *,
                      track_id: bool = False, file_name: str | None = None) -> Iterator[Any]:
    """A GetEmotions / AnalyzeDrums request stream: a track id, or a clip header and its bytes in chunks."""
    if track_id:
        yield message_type(target=apb.AnalysisTarget(track_id=str(target)))
        return
    name, size, chunks = clip_upload(target, chunk_bytes, file_name)
    yield message_type(target=apb.AnalysisTarget(clip=apb.ClipHeader(file_name=name, size_bytes=size)))
    for block in chunks:
        yield message_type(chunk=block)
