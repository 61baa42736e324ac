"""Qdrant server/cluster adapter (qdrant-client), also usable with qdrant-client's local mode.

The same calls run against a server (``url``) and local mode (``path`` or ``":memory:"``); local
mode is how the tests exercise this adapter. Adding a vector family to an existing collection
uses the "create named vector" API (Qdrant server 1.18+, and local mode). Local mode ignores payload indexes and search
params (it always searches exactly) and says so with warnings, which are silenced here.
"""
from __future__ import annotations

import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np
from qdrant_client import QdrantClient
from qdrant_client import models as qm

from heihachi_index.index.base import PointRecord, ScoredPoint, Store, VectorSelector, named_vectors, split_vectors
from heihachi_index.index.conditions import AnyOf, Filter, MatchAny, Range
from heihachi_index.index.errors import StoreError, StoreLockedError
from heihachi_index.index.families import HANDCRAFTED, FamilySpec, specs_from_vectors
from heihachi_index.index.ids import from_point_id, to_point_id
from heihachi_index.index.lock import WriteLock

_SCHEMAS = {"float": qm.PayloadSchemaType.FLOAT, "keyword": qm.PayloadSchemaType.KEYWORD,
            "integer": qm.PayloadSchemaType.INTEGER, "bool": qm.PayloadSchemaType.BOOL}
_LOCAL_MODE_WARNINGS = (r"Payload indexes have no effect in the local Qdrant", r"Local mode performs exact")


@contextmanager
def _quiet_local_mode() -> Iterator[None]:
    with warnings.catch_warnings():
        for pattern in _LOCAL_MODE_WARNINGS:
            warnings.filterwarnings("ignore", message=pattern, category=UserWarning)
        yield


def to_qdrant_filter(flt: Filter | None) -> qm.Filter | None:
    """Translate a neutral :class:`Filter` to a qdrant-client filter."""
    if flt is None or flt.is_empty:
        return None
    must = [_condition(c) for c in flt.must]
    must_not = [qm.HasIdCondition(has_id=[to_point_id(t) for t in sorted(flt.exclude_ids)])] if flt.exclude_ids else None
    return qm.Filter(must=must or None, must_not=must_not)


def _condition(cond: Any) -> Any:
    if isinstance(cond, Range):
        return qm.FieldCondition(key=cond.key, range=qm.Range(gte=cond.gte, lte=cond.lte))
    if isinstance(cond, MatchAny):
        return qm.FieldCondition(key=cond.key, match=qm.MatchAny(any=list(cond.values)))
    if isinstance(cond, AnyOf):
        return qm.Filter(should=[_condition(c) for c in cond.conditions])
    raise TypeError(f"unsupported condition {cond!r}")


class QdrantStore(Store):
    """Track store in a Qdrant collection.

    Parameters
    ----------
    url : str, optional
        Server or cluster URL (``http://host:6333``).
    path : path, optional
        qdrant-client local mode on disk.
    location : str, optional
        ``":memory:"`` for local mode in memory.
    api_key : str, optional
        Server API key.
    collection : str
        Collection name.
    families : sequence of FamilySpec
        Families of a new collection (ignored when it exists).
    read_only, lock
        See :class:`Store`.
    client : QdrantClient, optional
        An existing client (the store then does not close it).
    timeout : int, optional
        Request timeout in seconds (server only).
    """

    def __init__(self, url: str | None = None, *, path: str | Path | None = None, location: str | None = None,
                 api_key: str | None = None, collection: str = "tracks",
                 families: Sequence[FamilySpec] = (HANDCRAFTED,), read_only: bool = False,
                 lock: WriteLock | None = None, client: QdrantClient | None = None,
                 timeout: int | None = None) -> None:
        super().__init__(read_only=read_only, lock=lock)
        self.collection = collection
        self._owns_client = client is None
        if sum(x is not None for x in (url, path, location, client)) != 1:
            raise ValueError("give exactly one of url, path, location or client")
        self.location = f"{url or path or location or 'client'}#{collection}"
        if client is None:
            try:
                if url is not None:
                    client = QdrantClient(url=url, api_key=api_key, timeout=timeout)
                elif path is not None:
                    Path(path).mkdir(parents=True, exist_ok=True)
                    client = QdrantClient(path=str(path))
                else:
                    client = QdrantClient(location=location)
            except RuntimeError as exc:
                if "already accessed" in str(exc):
                    raise StoreLockedError(path or "", detail=str(exc)) from exc
                raise
        self.client = client
        try:
            exists = client.collection_exists(collection)
        except Exception as exc:
            raise StoreError(f"cannot reach Qdrant at {self.location}: {exc}") from exc
        if not exists:
            if read_only:
                raise StoreError(f"no collection {collection!r} at {self.location} (read-only open)")
            vectors: dict[str, qm.VectorParams] = {}
            for spec in families:
                vectors.update(self._vector_params(spec))
            client.create_collection(collection, vectors_config=vectors)
            self.ensure_payload_indexes()
        self._families = self._read_families()

    @staticmethod
    def _vector_params(spec: FamilySpec) -> dict[str, qm.VectorParams]:
        out = {spec.name: qm.VectorParams(size=spec.dim, distance=qm.Distance.COSINE)}
        if spec.standardize:
            out[spec.raw_name] = qm.VectorParams(size=spec.dim, distance=qm.Distance.DOT, on_disk=True,
                                                 hnsw_config=qm.HnswConfigDiff(m=0))
        return out

    def _read_families(self) -> dict[str, FamilySpec]:
        vectors = self.client.get_collection(self.collection).config.params.vectors
        if not isinstance(vectors, dict):
            raise StoreError(f"collection {self.location} has an unnamed vector; it was not created by heihachi-index")
        return specs_from_vectors({n: int(v.size) for n, v in vectors.items()})

    def families(self) -> dict[str, FamilySpec]:
        return dict(self._families)

    def _create_vector_name(self, name: str, dim: int, distance: qm.Distance) -> None:
        try:
            self.client.create_vector_name(self.collection, name, qm.DenseVectorNameConfig(
                dense=qm.DenseVectorConfig(size=dim, distance=distance)))
        except Exception as exc:
            raise StoreError(f"cannot add named vector {name!r} to {self.location} (adding vectors to an existing "
                             f"collection needs Qdrant server 1.18 or later): {exc}") from exc

    def _create_family(self, spec: FamilySpec) -> None:
        self._create_vector_name(spec.name, spec.dim, qm.Distance.COSINE)
        if spec.standardize:
            self._create_vector_name(spec.raw_name, spec.dim, qm.Distance.DOT)
            # Keep raw vectors out of the HNSW graph and on disk (a no-op in local mode).
            self.client.update_collection(self.collection, vectors_config={
                spec.raw_name: qm.VectorParamsDiff(hnsw_config=qm.HnswConfigDiff(m=0), on_disk=True)})
        self._families = self._read_families()

    # ------------------------------------------------------------------ writes
    def _upsert(self, points: Sequence[PointRecord]) -> None:
        structs = [qm.PointStruct(id=to_point_id(p.track_id), vector={k: v.tolist() for k, v in named_vectors(p).items()},
                                  payload=p.payload) for p in points]
        self.client.upsert(self.collection, structs, wait=True)

    def _update_vectors(self, points: Sequence[PointRecord]) -> None:
        pvs = [qm.PointVectors(id=to_point_id(p.track_id), vector={k: v.tolist() for k, v in named_vectors(p).items()})
               for p in points]
        self.client.update_vectors(self.collection, pvs, wait=True)

    def _set_payload(self, track_ids: Sequence[str], values: Mapping[str, Any], key: str | None) -> None:
        self.client.set_payload(self.collection, dict(values), [to_point_id(t) for t in track_ids], key=key, wait=True)

    def _delete(self, track_ids: Sequence[str]) -> None:
        self.client.delete(self.collection, qm.PointIdsList(points=[to_point_id(t) for t in track_ids]), wait=True)

    def _create_payload_index(self, field_name: str, schema: str) -> None:
        with _quiet_local_mode():
            self.client.create_payload_index(self.collection, field_name, _SCHEMAS[schema], wait=True)

    # ------------------------------------------------------------------- reads
    @staticmethod
    def _payload_selector(with_payload: bool | Sequence[str]) -> Any:
        return with_payload if isinstance(with_payload, bool) else list(with_payload)

    def _with_vectors(self, vectors: VectorSelector, raw: VectorSelector) -> bool | list[str]:
        names = self._vector_names(vectors, raw)
        return names if names else False

    @staticmethod
    def _record(rec: Any) -> PointRecord:
        vecs, raws = split_vectors(rec.vector if isinstance(rec.vector, dict) else None)
        return PointRecord(from_point_id(rec.id), dict(rec.payload or {}), vecs, raws)

    def retrieve(self, track_ids: Sequence[str], *, with_payload: bool | Sequence[str] = True,
                 vectors: VectorSelector = False, raw: VectorSelector = False) -> list[PointRecord]:
        if not track_ids:
            return []
        ids = [to_point_id(t) for t in track_ids]
        recs = self.client.retrieve(self.collection, ids, with_payload=self._payload_selector(with_payload),
                                    with_vectors=self._with_vectors(vectors, raw))
        by_id = {r.track_id: r for r in map(self._record, recs)}
        return [by_id[t] for t in (from_point_id(i) for i in ids) if t in by_id]

    def scroll(self, filter: Filter | None = None, *, limit: int = 256, offset: str | None = None,
               with_payload: bool | Sequence[str] = True, vectors: VectorSelector = False,
               raw: VectorSelector = False) -> tuple[list[PointRecord], str | None]:
        recs, nxt = self.client.scroll(self.collection, scroll_filter=to_qdrant_filter(filter), limit=int(limit),
                                       offset=to_point_id(offset) if offset else None,
                                       with_payload=self._payload_selector(with_payload),
                                       with_vectors=self._with_vectors(vectors, raw))
        return [self._record(r) for r in recs], (from_point_id(nxt) if nxt is not None else None)

    def count(self, filter: Filter | None = None) -> int:
        return int(self.client.count(self.collection, count_filter=to_qdrant_filter(filter), exact=True).count)

    def search(self, family: str, vector: np.ndarray, *, limit: int = 10, filter: Filter | None = None,
               exact: bool = False, with_payload: bool | Sequence[str] = True,
               with_vector: bool = False) -> list[ScoredPoint]:
        self.family(family)
        with _quiet_local_mode():
            res = self.client.query_points(
                self.collection, query=np.asarray(vector, dtype=np.float32).tolist(), using=family,
                query_filter=to_qdrant_filter(filter), search_params=qm.SearchParams(exact=bool(exact)),
                limit=int(limit), with_payload=self._payload_selector(with_payload),
                with_vectors=[family] if with_vector else False)
        out = []
        for p in res.points:
            vec = np.asarray(p.vector[family], dtype=np.float32) if with_vector and isinstance(p.vector, dict) else None
            out.append(ScoredPoint(from_point_id(p.id), float(p.score),
                                   dict(p.payload) if p.payload is not None else None, vec))
        return out

    def payload_indexes(self) -> dict[str, str]:
        schema = self.client.get_collection(self.collection).payload_schema or {}
        return {k: str(getattr(v.data_type, "value", v.data_type)) for k, v in schema.items()}

    # --------------------------------------------------------------- lifecycle
    def _close(self) -> None:
        if self._owns_client:
            self.client.close()

