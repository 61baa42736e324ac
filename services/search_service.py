"""``heihachi.v1.SearchService``: SearchSimilar (by track id), SearchAudio (an uploaded clip),
SearchText and AnalyzeText (a description)."""
from __future__ import annotations

import grpc

from heihachi_index.audio import AudioError
from heihachi_index.features import FeatureError
from heihachi_index.rpc import search_service_pb2 as spb
from heihachi_index.rpc import search_service_pb2_grpc as spb_grpc
from heihachi_index.search import similar
from heihachi_index.search.text import analyze_text, search_text
from services.auth import Scope
from services.convert import clip_analysis, concept_explanation, search_args, text_analysis_to_proto
from services.errors import RpcError
from services.guard import rpc
from services.index_service import parse_track_id
from services.state import AppState
from services.uploads import Spool, Upload


class SearchService(spb_grpc.SearchServiceServicer):
    """``similar()`` of the library on the server's index."""

    def __init__(self, state: AppState) -> None:
        self.state = state

    @rpc(Scope.READ)
    async def SearchSimilar(self, request: spb.SearchSimilarRequest, context) -> spb.SearchSimilarResponse:
        track_id = parse_track_id(request.track_id)
        args = search_args(request.options)
        hits = await self.state.read(similar, self.state.index, track_id, payloads=False, **args.kwargs())
        return spb.SearchSimilarResponse(hits=self.state.tracks.hits(hits))

    @rpc(Scope.READ)
    async def SearchAudio(self, request_iterator, context) -> spb.SearchAudioResponse:
        spool = Spool(self.state.config.server.max_upload_bytes)
        try:
            upload, args = await self._receive(request_iterator, spool)
            upload.finish()
            try:
                clip = await self.state.workers.featurize(str(upload.path))
            except (AudioError, FeatureError) as exc:
                reason = str(exc).replace(str(upload.path), upload.source)
                raise RpcError(grpc.StatusCode.INVALID_ARGUMENT, f"not usable audio: {reason}") from None
            hits = await self.state.read(similar, self.state.index, clip.vector, payloads=False, **args.kwargs())
            return spb.SearchAudioResponse(hits=self.state.tracks.hits(hits),
                                           query_analysis=clip_analysis(clip), query_duration_s=clip.duration)
        finally:
            spool.cleanup()

    @rpc(Scope.READ)
    async def SearchText(self, request: spb.SearchTextRequest, context) -> spb.SearchTextResponse:
        args = search_args(request.options)
        analysis = await self.state.call(self._analyze, request.query)
        clap = await self.state.text_encoder()
        kwargs = {"k": args.k, "filters": args.filters, "mmr": args.mmr, "explain": args.explain}
        if args.pool:
            kwargs["pool"] = args.pool
        hits = await self.state.call(search_text, self.state.index, analysis, clap=clap, **kwargs)
        weights = analysis.weights()
        explain = lambda hit: concept_explanation(hit.explanation, weights, hit.payload.get("concepts"))  # noqa: E731
        return spb.SearchTextResponse(hits=self.state.tracks.hits(hits, explain),
                                      analysis=text_analysis_to_proto(analysis))

    @rpc(Scope.READ)
    async def AnalyzeText(self, request: spb.AnalyzeTextRequest, context) -> spb.AnalyzeTextResponse:
        analysis = await self.state.call(self._analyze, request.query)
        return spb.AnalyzeTextResponse(analysis=text_analysis_to_proto(analysis))

    def _analyze(self, query: str):
        if not query.strip():
            raise RpcError(grpc.StatusCode.INVALID_ARGUMENT, "query: empty")
        return analyze_text(query, model=self.state.config.embed.text_model)

    @staticmethod
    async def _receive(request_iterator, spool: Spool):
        upload: Upload | None = None
        args = None
        async for req in request_iterator:
            kind = req.WhichOneof("content")
            if kind == "query":
                if upload is not None:
                    raise RpcError(grpc.StatusCode.INVALID_ARGUMENT, "only the first message may be a query")
                args = search_args(req.query.options)
                upload = spool.begin(req.query.file_name or "clip", req.query.size_bytes)
            elif kind == "chunk":
                if upload is None:
                    raise RpcError(grpc.StatusCode.INVALID_ARGUMENT, "the first message must be a query")
                upload.write(req.chunk)
            else:
                raise RpcError(grpc.StatusCode.INVALID_ARGUMENT, "an empty SearchAudioRequest")
        if upload is None:
            raise RpcError(grpc.StatusCode.INVALID_ARGUMENT, "no query message: nothing to search for")
        return upload, args
