"""``heihachi.v1.AnalysisService``: GetEmotions and AnalyzeDrums of a stored track or an uploaded clip."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import grpc
import numpy as np

from heihachi_index.analysis.emotion import emotion_scores
from heihachi_index.index.errors import TrackNotFoundError
from heihachi_index.rpc import analysis_service_pb2 as apb
from heihachi_index.rpc import analysis_service_pb2_grpc as apb_grpc
from heihachi_index.rpc.convert import drum_summary_to_proto, emotions_to_proto, track_to_proto
from heihachi_index.search.descriptors import describe
from heihachi_index.search.text_lexicon import CONCEPT_GROUP
from services.auth import Scope
from services.convert import clip_analysis
from services.errors import RpcError
from services.guard import rpc
from services.index_service import parse_track_id
from services.state import AppState
from services.uploads import Spool, Upload


def _concepts(scores: dict[str, float]) -> list[apb.ConceptScore]:
    return [apb.ConceptScore(name=name, group=CONCEPT_GROUP.get(name, ""), score=float(value))
            for name, value in sorted(scores.items(), key=lambda kv: -kv[1])]


def drums_to_proto(track_id: str, result: Any) -> apb.AnalyzeDrumsResponse:
    """An :class:`AnalyzeDrumsResponse` from a ``DrumAnalysis``."""
    grid, pat = result.grid, result.patterns
    msg = apb.AnalyzeDrumsResponse(track_id=track_id, duration_s=float(result.duration))
    g = msg.grid
    g.tempo_bpm, g.tempo_confidence, g.meter = float(grid.tempo), float(grid.tempo_confidence), int(grid.meter)
    g.beat_confidence, g.downbeat_confidence = float(grid.beat_confidence), float(grid.downbeat_confidence)
    g.beats.extend(np.asarray(grid.beats, dtype=float).tolist())
    g.downbeats.extend(np.asarray(grid.downbeats, dtype=float).tolist())
    g.tempo_curve.extend(apb.TempoPoint(time_s=float(t), bpm=float(b)) for t, b in np.asarray(grid.tempo_curve))
    msg.hits.extend(apb.DrumHit(time_s=h.time, label=h.label, confidence=h.confidence, velocity=h.velocity)
                    for h in result.hits)
    doc = pat.to_dict()
    p = msg.patterns
    p.pattern, p.amen_similarity, p.swing = doc["pattern"], doc["amen_similarity"], doc["swing"]
    p.syncopation, p.density = doc["syncopation"], doc["density"]
    for i, bar in enumerate(doc["bars"]):
        b = p.bars.add(index=i, start_s=bar["start"], pattern=bar["type"], fill=bar["fill"])
        b.instruments.extend(apb.InstrumentSteps(instrument=name, steps=steps) for name, steps in bar["steps"].items())
    p.microtiming.extend(apb.MicroTiming(instrument=name, mean_ms=v.get("mean_ms", 0.0), std_ms=v.get("std_ms", 0.0))
                         for name, v in doc["microtiming"].items())
    drum_summary_to_proto(result.summary(), msg.summary)
    return msg


class AnalysisService(apb_grpc.AnalysisServiceServicer):
    """Emotion and drum analysis of the library on stored tracks and uploaded clips."""

    def __init__(self, state: AppState) -> None:
        self.state = state

    @rpc(Scope.READ)
    async def GetEmotions(self, request_iterator, context) -> apb.GetEmotionsResponse:
        spool = Spool(self.state.config.server.max_upload_bytes)
        try:
            target = await self._receive(request_iterator, spool)
            if isinstance(target, str):
                return await self.state.call(self._stored_emotions, target)
            described = await self.state.workers.describe(str(target.path))
            msg = apb.GetEmotionsResponse(track_id=described.track_id, analysis=clip_analysis(described.clip),
                                          duration_s=described.clip.duration, concepts=_concepts(described.concepts))
            emotions_to_proto(described.emotion, msg.emotions)
            return msg
        finally:
            spool.cleanup()

    def _stored_emotions(self, track_id: str) -> apb.GetEmotionsResponse:
        record = self.state.index.get(track_id, vectors=False, raw=["handcrafted"])
        if record is None:
            raise TrackNotFoundError(track_id)
        payload = dict(record.payload)
        if "emotion" not in payload or "concepts" not in payload:  # a track from before these scores existed
            raw = record.raw["handcrafted"]
            payload["emotion"] = emotion_scores(raw, payload)
            payload["concepts"] = describe(raw, payload)
        track = track_to_proto(payload, track_id)
        msg = apb.GetEmotionsResponse(track_id=track_id, analysis=track.analysis, duration_s=track.audio.duration_s,
                                      concepts=_concepts(payload["concepts"]))
        emotions_to_proto(payload["emotion"], msg.emotions)
        return msg

    @rpc(Scope.READ)
    async def AnalyzeDrums(self, request_iterator, context) -> apb.AnalyzeDrumsResponse:
        spool = Spool(self.state.config.server.max_upload_bytes)
        try:
            target = await self._receive(request_iterator, spool)
            path = await self.state.call(self._stored_path, target) if isinstance(target, str) else str(target.path)
            result = await self.state.workers.drums(path)
            track_id = target if isinstance(target, str) else result.track_id
            return drums_to_proto(track_id, result.analysis)
        finally:
            spool.cleanup()

    def _stored_path(self, track_id: str) -> str:
        record = self.state.index.get(track_id)
        if record is None:
            raise TrackNotFoundError(track_id)
        path = record.payload.get("path")
        if not path or not Path(path).is_absolute() or not self.state.roots.contains(path) or not Path(path).is_file():
            raise RpcError(grpc.StatusCode.FAILED_PRECONDITION,
                           f"the audio of track {track_id} is not on the server under its allowed roots "
                           f"({path or 'no path'}; uploaded tracks are not kept): send the clip instead")
        return str(path)

    @staticmethod
    async def _receive(request_iterator, spool: Spool) -> str | Upload:
        """The first message's target: a track id, or an upload whose chunks follow (received here)."""
        upload: Upload | None = None
        track_id: str | None = None
        async for req in request_iterator:
            kind = req.WhichOneof("content")
            if kind == "target":
                if upload is not None or track_id is not None:
                    raise RpcError(grpc.StatusCode.INVALID_ARGUMENT, "only the first message may be a target")
                source = req.target.WhichOneof("source")
                if source == "track_id":
                    track_id = parse_track_id(req.target.track_id)
                elif source == "clip":
                    upload = spool.begin(req.target.clip.file_name or "clip", req.target.clip.size_bytes)
                else:
                    raise RpcError(grpc.StatusCode.INVALID_ARGUMENT, "target: set track_id or clip")
            elif kind == "chunk":
                if upload is None:
                    raise RpcError(grpc.StatusCode.INVALID_ARGUMENT,
                                   "chunks need a clip target first" if track_id is None else
                                   "a track_id target takes no chunks")
                upload.write(req.chunk)
            else:
                raise RpcError(grpc.StatusCode.INVALID_ARGUMENT, "an empty request message")
        if track_id is not None:
            return track_id
        if upload is None:
            raise RpcError(grpc.StatusCode.INVALID_ARGUMENT, "no target message: nothing to analyse")
        upload.finish()
        return upload
