from heihachi_index.rpc.heihachi.v1 import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UploadHeader(_message.Message):
    __slots__ = ("file_name", "size_bytes", "metadata")
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    file_name: str
    size_bytes: int
    metadata: _types_pb2.TrackMetadata
    def __init__(self, file_name: _Optional[str] = ..., size_bytes: _Optional[int] = ..., metadata: _Optional[_Union[_types_pb2.TrackMetadata, _Mapping]] = ...) -> None: ...

class ServerPaths(_message.Message):
    __slots__ = ("paths", "recursive")
    PATHS_FIELD_NUMBER: _ClassVar[int]
    RECURSIVE_FIELD_NUMBER: _ClassVar[int]
    paths: _containers.RepeatedScalarFieldContainer[str]
    recursive: bool
    def __init__(self, paths: _Optional[_Iterable[str]] = ..., recursive: _Optional[bool] = ...) -> None: ...

class IngestRequest(_message.Message):
    __slots__ = ("upload", "chunk", "server_paths")
    UPLOAD_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    SERVER_PATHS_FIELD_NUMBER: _ClassVar[int]
    upload: UploadHeader
    chunk: bytes
    server_paths: ServerPaths
    def __init__(self, upload: _Optional[_Union[UploadHeader, _Mapping]] = ..., chunk: _Optional[bytes] = ..., server_paths: _Optional[_Union[ServerPaths, _Mapping]] = ...) -> None: ...

class IngestResponse(_message.Message):
    __slots__ = ("progress", "queued", "result", "summary")
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    QUEUED_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    progress: _types_pb2.IngestProgress
    queued: _types_pb2.FileQueued
    result: _types_pb2.FileResult
    summary: _types_pb2.IngestSummary
    def __init__(self, progress: _Optional[_Union[_types_pb2.IngestProgress, _Mapping]] = ..., queued: _Optional[_Union[_types_pb2.FileQueued, _Mapping]] = ..., result: _Optional[_Union[_types_pb2.FileResult, _Mapping]] = ..., summary: _Optional[_Union[_types_pb2.IngestSummary, _Mapping]] = ...) -> None: ...

class GetTrackRequest(_message.Message):
    __slots__ = ("track_id", "include_vectors")
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_VECTORS_FIELD_NUMBER: _ClassVar[int]
    track_id: str
    include_vectors: bool
    def __init__(self, track_id: _Optional[str] = ..., include_vectors: _Optional[bool] = ...) -> None: ...

class GetTrackResponse(_message.Message):
    __slots__ = ("track", "vectors")
    TRACK_FIELD_NUMBER: _ClassVar[int]
    VECTORS_FIELD_NUMBER: _ClassVar[int]
    track: _types_pb2.Track
    vectors: _containers.RepeatedCompositeFieldContainer[_types_pb2.TrackVector]
    def __init__(self, track: _Optional[_Union[_types_pb2.Track, _Mapping]] = ..., vectors: _Optional[_Iterable[_Union[_types_pb2.TrackVector, _Mapping]]] = ...) -> None: ...

class ListTracksRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "filters")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    filters: _types_pb2.SearchFilters
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filters: _Optional[_Union[_types_pb2.SearchFilters, _Mapping]] = ...) -> None: ...

class ListTracksResponse(_message.Message):
    __slots__ = ("tracks", "next_page_token", "total_size")
    TRACKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    tracks: _containers.RepeatedCompositeFieldContainer[_types_pb2.Track]
    next_page_token: str
    total_size: int
    def __init__(self, tracks: _Optional[_Iterable[_Union[_types_pb2.Track, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class DeleteTrackRequest(_message.Message):
    __slots__ = ("track_id",)
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    track_id: str
    def __init__(self, track_id: _Optional[str] = ...) -> None: ...

class DeleteTrackResponse(_message.Message):
    __slots__ = ("track_id", "tracks_in_index")
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    TRACKS_IN_INDEX_FIELD_NUMBER: _ClassVar[int]
    track_id: str
    tracks_in_index: int
    def __init__(self, track_id: _Optional[str] = ..., tracks_in_index: _Optional[int] = ...) -> None: ...

class StatsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class FamilyStats(_message.Message):
    __slots__ = ("name", "dim", "standardized", "stats_version", "stats_count")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DIM_FIELD_NUMBER: _ClassVar[int]
    STANDARDIZED_FIELD_NUMBER: _ClassVar[int]
    STATS_VERSION_FIELD_NUMBER: _ClassVar[int]
    STATS_COUNT_FIELD_NUMBER: _ClassVar[int]
    name: str
    dim: int
    standardized: bool
    stats_version: int
    stats_count: int
    def __init__(self, name: _Optional[str] = ..., dim: _Optional[int] = ..., standardized: _Optional[bool] = ..., stats_version: _Optional[int] = ..., stats_count: _Optional[int] = ...) -> None: ...

class ServerInfo(_message.Message):
    __slots__ = ("version", "pipeline_version", "uptime_s", "active_rpcs", "active_ingests", "workers")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PIPELINE_VERSION_FIELD_NUMBER: _ClassVar[int]
    UPTIME_S_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_RPCS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_INGESTS_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    version: str
    pipeline_version: str
    uptime_s: float
    active_rpcs: int
    active_ingests: int
    workers: int
    def __init__(self, version: _Optional[str] = ..., pipeline_version: _Optional[str] = ..., uptime_s: _Optional[float] = ..., active_rpcs: _Optional[int] = ..., active_ingests: _Optional[int] = ..., workers: _Optional[int] = ...) -> None: ...

class StatsResponse(_message.Message):
    __slots__ = ("tracks", "families", "disk_bytes", "backend", "server")
    TRACKS_FIELD_NUMBER: _ClassVar[int]
    FAMILIES_FIELD_NUMBER: _ClassVar[int]
    DISK_BYTES_FIELD_NUMBER: _ClassVar[int]
    BACKEND_FIELD_NUMBER: _ClassVar[int]
    SERVER_FIELD_NUMBER: _ClassVar[int]
    tracks: int
    families: _containers.RepeatedCompositeFieldContainer[FamilyStats]
    disk_bytes: int
    backend: str
    server: ServerInfo
    def __init__(self, tracks: _Optional[int] = ..., families: _Optional[_Iterable[_Union[FamilyStats, _Mapping]]] = ..., disk_bytes: _Optional[int] = ..., backend: _Optional[str] = ..., server: _Optional[_Union[ServerInfo, _Mapping]] = ...) -> None: ...
