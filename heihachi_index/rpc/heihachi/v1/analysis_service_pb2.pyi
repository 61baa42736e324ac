from heihachi_index.rpc.heihachi.v1 import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ClipHeader(_message.Message):
    __slots__ = ("file_name", "size_bytes")
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    file_name: str
    size_bytes: int
    def __init__(self, file_name: _Optional[str] = ..., size_bytes: _Optional[int] = ...) -> None: ...

class AnalysisTarget(_message.Message):
    __slots__ = ("track_id", "clip")
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    CLIP_FIELD_NUMBER: _ClassVar[int]
    track_id: str
    clip: ClipHeader
    def __init__(self, track_id: _Optional[str] = ..., clip: _Optional[_Union[ClipHeader, _Mapping]] = ...) -> None: ...

class GetEmotionsRequest(_message.Message):
    __slots__ = ("target", "chunk")
    TARGET_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    target: AnalysisTarget
    chunk: bytes
    def __init__(self, target: _Optional[_Union[AnalysisTarget, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class AnalyzeDrumsRequest(_message.Message):
    __slots__ = ("target", "chunk")
    TARGET_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    target: AnalysisTarget
    chunk: bytes
    def __init__(self, target: _Optional[_Union[AnalysisTarget, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class ConceptScore(_message.Message):
    __slots__ = ("name", "group", "score")
    NAME_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    name: str
    group: str
    score: float
    def __init__(self, name: _Optional[str] = ..., group: _Optional[str] = ..., score: _Optional[float] = ...) -> None: ...

class GetEmotionsResponse(_message.Message):
    __slots__ = ("track_id", "emotions", "concepts", "analysis", "duration_s")
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    EMOTIONS_FIELD_NUMBER: _ClassVar[int]
    CONCEPTS_FIELD_NUMBER: _ClassVar[int]
    ANALYSIS_FIELD_NUMBER: _ClassVar[int]
    DURATION_S_FIELD_NUMBER: _ClassVar[int]
    track_id: str
    emotions: _types_pb2.EmotionScores
    concepts: _containers.RepeatedCompositeFieldContainer[ConceptScore]
    analysis: _types_pb2.MusicalAnalysis
    duration_s: float
    def __init__(self, track_id: _Optional[str] = ..., emotions: _Optional[_Union[_types_pb2.EmotionScores, _Mapping]] = ..., concepts: _Optional[_Iterable[_Union[ConceptScore, _Mapping]]] = ..., analysis: _Optional[_Union[_types_pb2.MusicalAnalysis, _Mapping]] = ..., duration_s: _Optional[float] = ...) -> None: ...

class TempoPoint(_message.Message):
    __slots__ = ("time_s", "bpm")
    TIME_S_FIELD_NUMBER: _ClassVar[int]
    BPM_FIELD_NUMBER: _ClassVar[int]
    time_s: float
    bpm: float
    def __init__(self, time_s: _Optional[float] = ..., bpm: _Optional[float] = ...) -> None: ...

class BeatGrid(_message.Message):
    __slots__ = ("tempo_bpm", "tempo_confidence", "beats", "downbeats", "tempo_curve", "meter", "beat_confidence", "downbeat_confidence")
    TEMPO_BPM_FIELD_NUMBER: _ClassVar[int]
    TEMPO_CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    BEATS_FIELD_NUMBER: _ClassVar[int]
    DOWNBEATS_FIELD_NUMBER: _ClassVar[int]
    TEMPO_CURVE_FIELD_NUMBER: _ClassVar[int]
    METER_FIELD_NUMBER: _ClassVar[int]
    BEAT_CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    DOWNBEAT_CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    tempo_bpm: float
    tempo_confidence: float
    beats: _containers.RepeatedScalarFieldContainer[float]
    downbeats: _containers.RepeatedScalarFieldContainer[float]
    tempo_curve: _containers.RepeatedCompositeFieldContainer[TempoPoint]
    meter: int
    beat_confidence: float
    downbeat_confidence: float
    def __init__(self, tempo_bpm: _Optional[float] = ..., tempo_confidence: _Optional[float] = ..., beats: _Optional[_Iterable[float]] = ..., downbeats: _Optional[_Iterable[float]] = ..., tempo_curve: _Optional[_Iterable[_Union[TempoPoint, _Mapping]]] = ..., meter: _Optional[int] = ..., beat_confidence: _Optional[float] = ..., downbeat_confidence: _Optional[float] = ...) -> None: ...

class DrumHit(_message.Message):
    __slots__ = ("time_s", "label", "confidence", "velocity")
    TIME_S_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    VELOCITY_FIELD_NUMBER: _ClassVar[int]
    time_s: float
    label: str
    confidence: float
    velocity: float
    def __init__(self, time_s: _Optional[float] = ..., label: _Optional[str] = ..., confidence: _Optional[float] = ..., velocity: _Optional[float] = ...) -> None: ...

class InstrumentSteps(_message.Message):
    __slots__ = ("instrument", "steps")
    INSTRUMENT_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    instrument: str
    steps: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, instrument: _Optional[str] = ..., steps: _Optional[_Iterable[float]] = ...) -> None: ...

class BarPattern(_message.Message):
    __slots__ = ("index", "start_s", "pattern", "fill", "instruments")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    START_S_FIELD_NUMBER: _ClassVar[int]
    PATTERN_FIELD_NUMBER: _ClassVar[int]
    FILL_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENTS_FIELD_NUMBER: _ClassVar[int]
    index: int
    start_s: float
    pattern: str
    fill: bool
    instruments: _containers.RepeatedCompositeFieldContainer[InstrumentSteps]
    def __init__(self, index: _Optional[int] = ..., start_s: _Optional[float] = ..., pattern: _Optional[str] = ..., fill: _Optional[bool] = ..., instruments: _Optional[_Iterable[_Union[InstrumentSteps, _Mapping]]] = ...) -> None: ...

class MicroTiming(_message.Message):
    __slots__ = ("instrument", "mean_ms", "std_ms")
    INSTRUMENT_FIELD_NUMBER: _ClassVar[int]
    MEAN_MS_FIELD_NUMBER: _ClassVar[int]
    STD_MS_FIELD_NUMBER: _ClassVar[int]
    instrument: str
    mean_ms: float
    std_ms: float
    def __init__(self, instrument: _Optional[str] = ..., mean_ms: _Optional[float] = ..., std_ms: _Optional[float] = ...) -> None: ...

class DrumPatterns(_message.Message):
    __slots__ = ("pattern", "amen_similarity", "swing", "syncopation", "density", "bars", "microtiming")
    PATTERN_FIELD_NUMBER: _ClassVar[int]
    AMEN_SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    SWING_FIELD_NUMBER: _ClassVar[int]
    SYNCOPATION_FIELD_NUMBER: _ClassVar[int]
    DENSITY_FIELD_NUMBER: _ClassVar[int]
    BARS_FIELD_NUMBER: _ClassVar[int]
    MICROTIMING_FIELD_NUMBER: _ClassVar[int]
    pattern: str
    amen_similarity: float
    swing: float
    syncopation: float
    density: float
    bars: _containers.RepeatedCompositeFieldContainer[BarPattern]
    microtiming: _containers.RepeatedCompositeFieldContainer[MicroTiming]
    def __init__(self, pattern: _Optional[str] = ..., amen_similarity: _Optional[float] = ..., swing: _Optional[float] = ..., syncopation: _Optional[float] = ..., density: _Optional[float] = ..., bars: _Optional[_Iterable[_Union[BarPattern, _Mapping]]] = ..., microtiming: _Optional[_Iterable[_Union[MicroTiming, _Mapping]]] = ...) -> None: ...

class AnalyzeDrumsResponse(_message.Message):
    __slots__ = ("track_id", "grid", "hits", "patterns", "summary", "duration_s")
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_FIELD_NUMBER: _ClassVar[int]
    HITS_FIELD_NUMBER: _ClassVar[int]
    PATTERNS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    DURATION_S_FIELD_NUMBER: _ClassVar[int]
    track_id: str
    grid: BeatGrid
    hits: _containers.RepeatedCompositeFieldContainer[DrumHit]
    patterns: DrumPatterns
    summary: _types_pb2.DrumSummary
    duration_s: float
    def __init__(self, track_id: _Optional[str] = ..., grid: _Optional[_Union[BeatGrid, _Mapping]] = ..., hits: _Optional[_Iterable[_Union[DrumHit, _Mapping]]] = ..., patterns: _Optional[_Union[DrumPatterns, _Mapping]] = ..., summary: _Optional[_Union[_types_pb2.DrumSummary, _Mapping]] = ..., duration_s: _Optional[float] = ...) -> None: ...
