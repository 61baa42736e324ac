import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class KeyMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    KEY_MODE_UNSPECIFIED: _ClassVar[KeyMode]
    KEY_MODE_MAJOR: _ClassVar[KeyMode]
    KEY_MODE_MINOR: _ClassVar[KeyMode]

class FileStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FILE_STATUS_UNSPECIFIED: _ClassVar[FileStatus]
    FILE_STATUS_INGESTED: _ClassVar[FileStatus]
    FILE_STATUS_SKIPPED: _ClassVar[FileStatus]
    FILE_STATUS_FAILED: _ClassVar[FileStatus]
KEY_MODE_UNSPECIFIED: KeyMode
KEY_MODE_MAJOR: KeyMode
KEY_MODE_MINOR: KeyMode
FILE_STATUS_UNSPECIFIED: FileStatus
FILE_STATUS_INGESTED: FileStatus
FILE_STATUS_SKIPPED: FileStatus
FILE_STATUS_FAILED: FileStatus

class TrackMetadata(_message.Message):
    __slots__ = ("title", "artist", "album", "genres", "tags")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    ARTIST_FIELD_NUMBER: _ClassVar[int]
    ALBUM_FIELD_NUMBER: _ClassVar[int]
    GENRES_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    title: str
    artist: str
    album: str
    genres: _containers.RepeatedScalarFieldContainer[str]
    tags: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, title: _Optional[str] = ..., artist: _Optional[str] = ..., album: _Optional[str] = ..., genres: _Optional[_Iterable[str]] = ..., tags: _Optional[_Iterable[str]] = ...) -> None: ...

class AudioProperties(_message.Message):
    __slots__ = ("duration_s", "sample_rate", "channels", "codec")
    DURATION_S_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    CODEC_FIELD_NUMBER: _ClassVar[int]
    duration_s: float
    sample_rate: int
    channels: int
    codec: str
    def __init__(self, duration_s: _Optional[float] = ..., sample_rate: _Optional[int] = ..., channels: _Optional[int] = ..., codec: _Optional[str] = ...) -> None: ...

class MusicalAnalysis(_message.Message):
    __slots__ = ("tempo_bpm", "tempo_confidence", "beats", "key", "camelot", "mode", "key_strength")
    TEMPO_BPM_FIELD_NUMBER: _ClassVar[int]
    TEMPO_CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    BEATS_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    CAMELOT_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    KEY_STRENGTH_FIELD_NUMBER: _ClassVar[int]
    tempo_bpm: float
    tempo_confidence: float
    beats: int
    key: str
    camelot: str
    mode: KeyMode
    key_strength: float
    def __init__(self, tempo_bpm: _Optional[float] = ..., tempo_confidence: _Optional[float] = ..., beats: _Optional[int] = ..., key: _Optional[str] = ..., camelot: _Optional[str] = ..., mode: _Optional[_Union[KeyMode, str]] = ..., key_strength: _Optional[float] = ...) -> None: ...

class Track(_message.Message):
    __slots__ = ("track_id", "path", "metadata", "audio", "analysis", "content_hash", "pipeline_version", "ingested_at", "extra", "emotions", "drums")
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FIELD_NUMBER: _ClassVar[int]
    ANALYSIS_FIELD_NUMBER: _ClassVar[int]
    CONTENT_HASH_FIELD_NUMBER: _ClassVar[int]
    PIPELINE_VERSION_FIELD_NUMBER: _ClassVar[int]
    INGESTED_AT_FIELD_NUMBER: _ClassVar[int]
    EXTRA_FIELD_NUMBER: _ClassVar[int]
    EMOTIONS_FIELD_NUMBER: _ClassVar[int]
    DRUMS_FIELD_NUMBER: _ClassVar[int]
    track_id: str
    path: str
    metadata: TrackMetadata
    audio: AudioProperties
    analysis: MusicalAnalysis
    content_hash: str
    pipeline_version: str
    ingested_at: _timestamp_pb2.Timestamp
    extra: _struct_pb2.Struct
    emotions: EmotionScores
    drums: DrumSummary
    def __init__(self, track_id: _Optional[str] = ..., path: _Optional[str] = ..., metadata: _Optional[_Union[TrackMetadata, _Mapping]] = ..., audio: _Optional[_Union[AudioProperties, _Mapping]] = ..., analysis: _Optional[_Union[MusicalAnalysis, _Mapping]] = ..., content_hash: _Optional[str] = ..., pipeline_version: _Optional[str] = ..., ingested_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., extra: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., emotions: _Optional[_Union[EmotionScores, _Mapping]] = ..., drums: _Optional[_Union[DrumSummary, _Mapping]] = ...) -> None: ...

class EmotionScores(_message.Message):
    __slots__ = ("arousal", "valence", "energy", "brightness", "tension", "warmth", "groove", "aggression", "atmosphere", "melancholy", "euphoria")
    AROUSAL_FIELD_NUMBER: _ClassVar[int]
    VALENCE_FIELD_NUMBER: _ClassVar[int]
    ENERGY_FIELD_NUMBER: _ClassVar[int]
    BRIGHTNESS_FIELD_NUMBER: _ClassVar[int]
    TENSION_FIELD_NUMBER: _ClassVar[int]
    WARMTH_FIELD_NUMBER: _ClassVar[int]
    GROOVE_FIELD_NUMBER: _ClassVar[int]
    AGGRESSION_FIELD_NUMBER: _ClassVar[int]
    ATMOSPHERE_FIELD_NUMBER: _ClassVar[int]
    MELANCHOLY_FIELD_NUMBER: _ClassVar[int]
    EUPHORIA_FIELD_NUMBER: _ClassVar[int]
    arousal: float
    valence: float
    energy: float
    brightness: float
    tension: float
    warmth: float
    groove: float
    aggression: float
    atmosphere: float
    melancholy: float
    euphoria: float
    def __init__(self, arousal: _Optional[float] = ..., valence: _Optional[float] = ..., energy: _Optional[float] = ..., brightness: _Optional[float] = ..., tension: _Optional[float] = ..., warmth: _Optional[float] = ..., groove: _Optional[float] = ..., aggression: _Optional[float] = ..., atmosphere: _Optional[float] = ..., melancholy: _Optional[float] = ..., euphoria: _Optional[float] = ...) -> None: ...

class DrumSummary(_message.Message):
    __slots__ = ("hits_per_second", "pattern", "amen_similarity", "swing", "syncopation", "density")
    class HitsPerSecondEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    HITS_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    PATTERN_FIELD_NUMBER: _ClassVar[int]
    AMEN_SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    SWING_FIELD_NUMBER: _ClassVar[int]
    SYNCOPATION_FIELD_NUMBER: _ClassVar[int]
    DENSITY_FIELD_NUMBER: _ClassVar[int]
    hits_per_second: _containers.ScalarMap[str, float]
    pattern: str
    amen_similarity: float
    swing: float
    syncopation: float
    density: float
    def __init__(self, hits_per_second: _Optional[_Mapping[str, float]] = ..., pattern: _Optional[str] = ..., amen_similarity: _Optional[float] = ..., swing: _Optional[float] = ..., syncopation: _Optional[float] = ..., density: _Optional[float] = ...) -> None: ...

class TrackVector(_message.Message):
    __slots__ = ("family", "standardized", "raw")
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    STANDARDIZED_FIELD_NUMBER: _ClassVar[int]
    RAW_FIELD_NUMBER: _ClassVar[int]
    family: str
    standardized: _containers.RepeatedScalarFieldContainer[float]
    raw: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, family: _Optional[str] = ..., standardized: _Optional[_Iterable[float]] = ..., raw: _Optional[_Iterable[float]] = ...) -> None: ...

class TempoRange(_message.Message):
    __slots__ = ("min_bpm", "max_bpm", "strict")
    MIN_BPM_FIELD_NUMBER: _ClassVar[int]
    MAX_BPM_FIELD_NUMBER: _ClassVar[int]
    STRICT_FIELD_NUMBER: _ClassVar[int]
    min_bpm: float
    max_bpm: float
    strict: bool
    def __init__(self, min_bpm: _Optional[float] = ..., max_bpm: _Optional[float] = ..., strict: _Optional[bool] = ...) -> None: ...

class DurationRange(_message.Message):
    __slots__ = ("min_s", "max_s")
    MIN_S_FIELD_NUMBER: _ClassVar[int]
    MAX_S_FIELD_NUMBER: _ClassVar[int]
    min_s: float
    max_s: float
    def __init__(self, min_s: _Optional[float] = ..., max_s: _Optional[float] = ...) -> None: ...

class SearchFilters(_message.Message):
    __slots__ = ("tempo", "compatible_key", "keys", "duration", "tags", "genres")
    TEMPO_FIELD_NUMBER: _ClassVar[int]
    COMPATIBLE_KEY_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    GENRES_FIELD_NUMBER: _ClassVar[int]
    tempo: TempoRange
    compatible_key: str
    keys: _containers.RepeatedScalarFieldContainer[str]
    duration: DurationRange
    tags: _containers.RepeatedScalarFieldContainer[str]
    genres: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, tempo: _Optional[_Union[TempoRange, _Mapping]] = ..., compatible_key: _Optional[str] = ..., keys: _Optional[_Iterable[str]] = ..., duration: _Optional[_Union[DurationRange, _Mapping]] = ..., tags: _Optional[_Iterable[str]] = ..., genres: _Optional[_Iterable[str]] = ...) -> None: ...

class Diversity(_message.Message):
    __slots__ = ("mmr_lambda", "pool_size")
    MMR_LAMBDA_FIELD_NUMBER: _ClassVar[int]
    POOL_SIZE_FIELD_NUMBER: _ClassVar[int]
    mmr_lambda: float
    pool_size: int
    def __init__(self, mmr_lambda: _Optional[float] = ..., pool_size: _Optional[int] = ...) -> None: ...

class SearchOptions(_message.Message):
    __slots__ = ("k", "filters", "diversity", "family", "explain")
    K_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    DIVERSITY_FIELD_NUMBER: _ClassVar[int]
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    EXPLAIN_FIELD_NUMBER: _ClassVar[int]
    k: int
    filters: SearchFilters
    diversity: Diversity
    family: str
    explain: bool
    def __init__(self, k: _Optional[int] = ..., filters: _Optional[_Union[SearchFilters, _Mapping]] = ..., diversity: _Optional[_Union[Diversity, _Mapping]] = ..., family: _Optional[str] = ..., explain: _Optional[bool] = ...) -> None: ...

class FeatureGroupContribution(_message.Message):
    __slots__ = ("group", "contribution")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTION_FIELD_NUMBER: _ClassVar[int]
    group: str
    contribution: float
    def __init__(self, group: _Optional[str] = ..., contribution: _Optional[float] = ...) -> None: ...

class ConceptContribution(_message.Message):
    __slots__ = ("concept", "weight", "score", "contribution")
    CONCEPT_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTION_FIELD_NUMBER: _ClassVar[int]
    concept: str
    weight: float
    score: float
    contribution: float
    def __init__(self, concept: _Optional[str] = ..., weight: _Optional[float] = ..., score: _Optional[float] = ..., contribution: _Optional[float] = ...) -> None: ...

class Explanation(_message.Message):
    __slots__ = ("groups", "concepts", "clap_contribution")
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    CONCEPTS_FIELD_NUMBER: _ClassVar[int]
    CLAP_CONTRIBUTION_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[FeatureGroupContribution]
    concepts: _containers.RepeatedCompositeFieldContainer[ConceptContribution]
    clap_contribution: float
    def __init__(self, groups: _Optional[_Iterable[_Union[FeatureGroupContribution, _Mapping]]] = ..., concepts: _Optional[_Iterable[_Union[ConceptContribution, _Mapping]]] = ..., clap_contribution: _Optional[float] = ...) -> None: ...

class Hit(_message.Message):
    __slots__ = ("track", "score", "rank", "explanation")
    TRACK_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    track: Track
    score: float
    rank: int
    explanation: Explanation
    def __init__(self, track: _Optional[_Union[Track, _Mapping]] = ..., score: _Optional[float] = ..., rank: _Optional[int] = ..., explanation: _Optional[_Union[Explanation, _Mapping]] = ...) -> None: ...

class TextConcept(_message.Message):
    __slots__ = ("name", "group", "weight", "phrase", "similarity")
    NAME_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    PHRASE_FIELD_NUMBER: _ClassVar[int]
    SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    name: str
    group: str
    weight: float
    phrase: str
    similarity: float
    def __init__(self, name: _Optional[str] = ..., group: _Optional[str] = ..., weight: _Optional[float] = ..., phrase: _Optional[str] = ..., similarity: _Optional[float] = ...) -> None: ...

class TextConstraints(_message.Message):
    __slots__ = ("tempo", "keys", "duration")
    TEMPO_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    tempo: TempoRange
    keys: _containers.RepeatedScalarFieldContainer[str]
    duration: DurationRange
    def __init__(self, tempo: _Optional[_Union[TempoRange, _Mapping]] = ..., keys: _Optional[_Iterable[str]] = ..., duration: _Optional[_Union[DurationRange, _Mapping]] = ...) -> None: ...

class TextAnalysis(_message.Message):
    __slots__ = ("query", "concepts", "constraints", "unparsed")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    CONCEPTS_FIELD_NUMBER: _ClassVar[int]
    CONSTRAINTS_FIELD_NUMBER: _ClassVar[int]
    UNPARSED_FIELD_NUMBER: _ClassVar[int]
    query: str
    concepts: _containers.RepeatedCompositeFieldContainer[TextConcept]
    constraints: TextConstraints
    unparsed: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, query: _Optional[str] = ..., concepts: _Optional[_Iterable[_Union[TextConcept, _Mapping]]] = ..., constraints: _Optional[_Union[TextConstraints, _Mapping]] = ..., unparsed: _Optional[_Iterable[str]] = ...) -> None: ...

class IngestProgress(_message.Message):
    __slots__ = ("files_queued", "files_done", "ingested", "skipped", "failed", "audio_seconds", "elapsed_s", "bytes_received")
    FILES_QUEUED_FIELD_NUMBER: _ClassVar[int]
    FILES_DONE_FIELD_NUMBER: _ClassVar[int]
    INGESTED_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    AUDIO_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_S_FIELD_NUMBER: _ClassVar[int]
    BYTES_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    files_queued: int
    files_done: int
    ingested: int
    skipped: int
    failed: int
    audio_seconds: float
    elapsed_s: float
    bytes_received: int
    def __init__(self, files_queued: _Optional[int] = ..., files_done: _Optional[int] = ..., ingested: _Optional[int] = ..., skipped: _Optional[int] = ..., failed: _Optional[int] = ..., audio_seconds: _Optional[float] = ..., elapsed_s: _Optional[float] = ..., bytes_received: _Optional[int] = ...) -> None: ...

class FileQueued(_message.Message):
    __slots__ = ("source",)
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    source: str
    def __init__(self, source: _Optional[str] = ...) -> None: ...

class FileResult(_message.Message):
    __slots__ = ("source", "status", "track_id", "reason", "error_type", "error_code", "track", "seconds")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ERROR_TYPE_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    TRACK_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    source: str
    status: FileStatus
    track_id: str
    reason: str
    error_type: str
    error_code: str
    track: Track
    seconds: float
    def __init__(self, source: _Optional[str] = ..., status: _Optional[_Union[FileStatus, str]] = ..., track_id: _Optional[str] = ..., reason: _Optional[str] = ..., error_type: _Optional[str] = ..., error_code: _Optional[str] = ..., track: _Optional[_Union[Track, _Mapping]] = ..., seconds: _Optional[float] = ...) -> None: ...

class IngestSummary(_message.Message):
    __slots__ = ("seconds", "realtime_factor", "tracks_in_index", "workers")
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    REALTIME_FACTOR_FIELD_NUMBER: _ClassVar[int]
    TRACKS_IN_INDEX_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    seconds: float
    realtime_factor: float
    tracks_in_index: int
    workers: int
    def __init__(self, seconds: _Optional[float] = ..., realtime_factor: _Optional[float] = ..., tracks_in_index: _Optional[int] = ..., workers: _Optional[int] = ...) -> None: ...
