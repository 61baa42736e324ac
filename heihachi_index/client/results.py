"""What the client returns: plain Python objects shaped like the library's results."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from google.protobuf.json_format import MessageToDict

from heihachi_index.rpc import index_service_pb2 as ipb
from heihachi_index.rpc import search_service_pb2 as spb
from heihachi_index.rpc import types_pb2 as pb
from heihachi_index.rpc.convert import track_from_proto


@dataclass(frozen=True)
class Hit:
    """One similar track (like :class:`heihachi_index.search.Hit`, plus its rank).

    ``payload`` has the library's keys (``path``, ``title``, ``tempo``, ``key``, ``camelot``,
    ``duration``, ...), decoded from ``track`` on first use; ``explanation`` maps feature groups to
    their share of ``score``.
    """

    track_id: str
    score: float
    track: pb.Track = field(repr=False, compare=False)
    explanation: dict[str, float] | None = None
    rank: int = 0

    @cached_property
    def payload(self) -> dict[str, Any]:
        return track_from_proto(self.track)

    def to_dict(self) -> dict[str, Any]:
        return {"track_id": self.track_id, "score": self.score, "payload": self.payload,
                "explanation": self.explanation, "rank": self.rank}

    @classmethod
    def from_proto(cls, msg: pb.Hit) -> "Hit":
        explanation = None
        if msg.HasField("explanation"):
            e = msg.explanation
            explanation = {g.group: g.contribution for g in e.groups}
            explanation.update({c.concept: c.contribution for c in e.concepts})
            if e.clap_contribution:
                explanation["clap"] = e.clap_contribution
        return cls(msg.track.track_id, msg.score, msg.track, explanation, msg.rank)


def hits_from_proto(msgs) -> list[Hit]:
    return [Hit.from_proto(m) for m in msgs]


def message_dict(msg: Any) -> dict[str, Any]:
    """A response message as a plain dict (field names as in the .proto, defaults included)."""
    return MessageToDict(msg, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)


@dataclass(frozen=True)
class TextSearch:
    """Result of a text search: the hits and how the query was understood (``TextAnalysis`` as a dict)."""

    hits: list[Hit]
    analysis: dict[str, Any]

    @classmethod
    def from_proto(cls, msg: spb.SearchTextResponse) -> "TextSearch":
        return cls(hits_from_proto(msg.hits), message_dict(msg.analysis))


@dataclass(frozen=True)
class Emotions:
    """Emotion scores and descriptor concepts of a track or clip."""

    track_id: str
    emotions: dict[str, float]
    concepts: dict[str, float]
    tempo: float
    key: str
    duration: float

    @classmethod
    def from_proto(cls, msg: Any) -> "Emotions":
        emotions = {f.name: getattr(msg.emotions, f.name) for f in msg.emotions.DESCRIPTOR.fields}
        return cls(msg.track_id, emotions, {c.name: c.score for c in msg.concepts}, msg.analysis.tempo_bpm,
                   msg.analysis.key, msg.duration_s)


@dataclass(frozen=True)
class AudioSearch:
    """Result of a search by audio clip: the hits and what the server heard in the clip."""

    hits: list[Hit]
    duration: float
    tempo: float
    key: str
    camelot: str

    @classmethod
    def from_proto(cls, msg: spb.SearchAudioResponse) -> "AudioSearch":
        a = msg.query_analysis
        return cls(hits_from_proto(msg.hits), msg.query_duration_s, a.tempo_bpm, a.key, a.camelot)


@dataclass(frozen=True)
class TrackRecord:
    """A track: its payload and, when asked for, its vectors (standardised and raw) by family."""

    track_id: str
    payload: dict[str, Any]
    vectors: dict[str, np.ndarray] = field(default_factory=dict)
    raw: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def from_proto(cls, track: pb.Track, vectors=()) -> "TrackRecord":
        return cls(track.track_id, track_from_proto(track),
                   {v.family: np.asarray(v.standardized, dtype=np.float32) for v in vectors},
                   {v.family: np.asarray(v.raw, dtype=np.float32) for v in vectors if len(v.raw)})


@dataclass(frozen=True)
class TrackPage:
    """One page of :meth:`Client.list_tracks`."""

    tracks: list[TrackRecord]
    next_page_token: str
    total_size: int

    @classmethod
    def from_proto(cls, msg: ipb.ListTracksResponse) -> "TrackPage":
        return cls([TrackRecord.from_proto(t) for t in msg.tracks], msg.next_page_token, msg.total_size)


@dataclass(frozen=True)
class IndexStats:
    """What :meth:`Client.stats` reports."""

    tracks: int
    families: dict[str, dict[str, Any]]
    disk_bytes: int
    backend: str
    server: dict[str, Any]

    @classmethod
    def from_proto(cls, msg: ipb.StatsResponse) -> "IndexStats":
        families = {f.name: {"dim": f.dim, "standardized": f.standardized, "stats_version": f.stats_version or None,
                             "stats_count": f.stats_count} for f in msg.families}
        s = msg.server
        server = {"version": s.version, "pipeline_version": s.pipeline_version, "uptime_s": s.uptime_s,
                  "active_rpcs": s.active_rpcs, "active_ingests": s.active_ingests, "workers": s.workers}
        return cls(msg.tracks, families, msg.disk_bytes, msg.backend, server)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class IngestOutcome:
    """A finished remote ingest, shaped like the library's ``IngestReport`` (same ``to_dict`` and
    ``summary``), plus the index size afterwards."""

    ingested: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    audio_seconds: float = 0.0
    workers: int = 0
    tracks_in_index: int = 0
    complete: bool = False  # the summary arrived: everything is stored

    @property
    def realtime_factor(self) -> float:
        return self.audio_seconds / self.seconds if self.seconds > 0 else 0.0

    def add(self, response: ipb.IngestResponse) -> None:
        """Fold one response of the stream in."""
        self.audio_seconds = response.progress.audio_seconds
        self.seconds = response.progress.elapsed_s
        event = response.WhichOneof("event")
        if event == "result":
            r = response.result
            if r.status == pb.FILE_STATUS_INGESTED:
                self.ingested.append({"path": r.source, "track_id": r.track_id,
                                      "duration": r.track.audio.duration_s, "tempo": r.track.analysis.tempo_bpm,
                                      "key": r.track.analysis.key})
            elif r.status == pb.FILE_STATUS_SKIPPED:
                self.skipped.append({"path": r.source, "track_id": r.track_id or None, "reason": r.reason})
            else:
                self.failed.append({"path": r.source, "reason": r.reason, "error": r.error_type})
        elif event == "summary":
            s = response.summary
            self.seconds, self.workers, self.tracks_in_index = s.seconds, s.workers, s.tracks_in_index
            self.complete = True

    def to_dict(self) -> dict:
        return {**asdict(self), "realtime_factor": round(self.realtime_factor, 2),
                "counts": {"ingested": len(self.ingested), "skipped": len(self.skipped), "failed": len(self.failed)}}

    def summary(self) -> str:
        lines = [f"ingested {len(self.ingested)}, skipped {len(self.skipped)} (already present), "
                 f"failed {len(self.failed)} in {self.seconds:.1f} s "
                 f"({self.realtime_factor:.0f}x realtime, {self.workers} workers)"]
        lines += [f"  failed: {row['reason']}" for row in self.failed]
        return "\n".join(lines)
