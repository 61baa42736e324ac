from heihachi_index.rpc.heihachi.v1 import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SearchTextRequest(_message.Message):
    __slots__ = ("query", "options")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    query: str
    options: _types_pb2.SearchOptions
    def __init__(self, query: _Optional[str] = ..., options: _Optional[_Union[_types_pb2.SearchOptions, _Mapping]] = ...) -> None: ...

class SearchTextResponse(_message.Message):
    __slots__ = ("hits", "analysis")
    HITS_FIELD_NUMBER: _ClassVar[int]
    ANALYSIS_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[_types_pb2.Hit]
    analysis: _types_pb2.TextAnalysis
    def __init__(self, hits: _Optional[_Iterable[_Union[_types_pb2.Hit, _Mapping]]] = ..., analysis: _Optional[_Union[_types_pb2.TextAnalysis, _Mapping]] = ...) -> None: ...

class AnalyzeTextRequest(_message.Message):
    __slots__ = ("query",)
    QUERY_FIELD_NUMBER: _ClassVar[int]
    query: str
    def __init__(self, query: _Optional[str] = ...) -> None: ...

class AnalyzeTextResponse(_message.Message):
    __slots__ = ("analysis",)
    ANALYSIS_FIELD_NUMBER: _ClassVar[int]
    analysis: _types_pb2.TextAnalysis
    def __init__(self, analysis: _Optional[_Union[_types_pb2.TextAnalysis, _Mapping]] = ...) -> None: ...

class SearchSimilarRequest(_message.Message):
    __slots__ = ("track_id", "options")
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    track_id: str
    options: _types_pb2.SearchOptions
    def __init__(self, track_id: _Optional[str] = ..., options: _Optional[_Union[_types_pb2.SearchOptions, _Mapping]] = ...) -> None: ...

class SearchSimilarResponse(_message.Message):
    __slots__ = ("hits",)
    HITS_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[_types_pb2.Hit]
    def __init__(self, hits: _Optional[_Iterable[_Union[_types_pb2.Hit, _Mapping]]] = ...) -> None: ...

class SearchAudioQuery(_message.Message):
    __slots__ = ("options", "file_name", "size_bytes")
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    options: _types_pb2.SearchOptions
    file_name: str
    size_bytes: int
    def __init__(self, options: _Optional[_Union[_types_pb2.SearchOptions, _Mapping]] = ..., file_name: _Optional[str] = ..., size_bytes: _Optional[int] = ...) -> None: ...

class SearchAudioRequest(_message.Message):
    __slots__ = ("query", "chunk")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    query: SearchAudioQuery
    chunk: bytes
    def __init__(self, query: _Optional[_Union[SearchAudioQuery, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class SearchAudioResponse(_message.Message):
    __slots__ = ("hits", "query_analysis", "query_duration_s")
    HITS_FIELD_NUMBER: _ClassVar[int]
    QUERY_ANALYSIS_FIELD_NUMBER: _ClassVar[int]
    QUERY_DURATION_S_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[_types_pb2.Hit]
    query_analysis: _types_pb2.MusicalAnalysis
    query_duration_s: float
    def __init__(self, hits: _Optional[_Iterable[_Union[_types_pb2.Hit, _Mapping]]] = ..., query_analysis: _Optional[_Union[_types_pb2.MusicalAnalysis, _Mapping]] = ..., query_duration_s: _Optional[float] = ...) -> None: ...
