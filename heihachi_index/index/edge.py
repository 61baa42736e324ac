"""Qdrant Edge adapter: the embedded default store, in-process, on disk under ``<data_dir>/qdrant-edge``.

Findings about qdrant-edge-py 0.9 that shape this adapter:

* Named vectors can be added to an existing shard (``UpdateOperation.create_dense_vector``), so a
  new family is added in place, without a rebuild. Per-vector HNSW settings cannot be given there,
  so after adding a family the shard is reloaded once with the full vector config (``load`` with a
  config overwrites it on disk) to keep raw vectors out of the HNSW graph (``m=0``).
* Only one ``EdgeShard`` may be open on a directory (the engine locks its WAL), in this process
  or any other, and the Python bindings expose no read-only shard. A read-only open is therefore
  a normal open that refuses writes, possible only while no writer holds the directory.
* Optimisation (HNSW building) is manual: :meth:`EdgeStore.optimize` runs it.
* Every ``update`` is one WAL entry; a point upsert carries all its vectors and payload.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import qdrant_edge as qe

from heihachi_index.index.base import PointRecord, ScoredPoint, Store, VectorSelector, named_vectors, split_vectors
from heihachi_index.index.conditions import AnyOf, Filter, MatchAny, Range
from heihachi_index.index.errors import StoreError, StoreLockedError
from heihachi_index.index.families import HANDCRAFTED, FamilySpec, specs_from_vectors
from heihachi_index.index.ids import from_point_id, to_point_id
from heihachi_index.index.lock import WriteLock

_SCHEMAS = {"float": qe.PayloadSchemaType.Float, "keyword": qe.PayloadSchemaType.Keyword,
            "integer": qe.PayloadSchemaType.Integer, "bool": qe.PayloadSchemaType.Bool}
_SCHEMA_NAMES = {v: k for k, v in _SCHEMAS.items()}
_DISTANCES = {"Cosine": qe.Distance.Cosine, "Dot": qe.Distance.Dot, "Euclid": qe.Distance.Euclid,
              "Manhattan": qe.Distance.Manhattan}
CONFIG_FILE = "edge_config.json"


def to_edge_filter(flt: Filter | None) -> qe.Filter | None:
    """Translate a neutral :class:`Filter` to a Qdrant Edge filter."""
    if flt is None or flt.is_empty:
        return None
    must = [_edge_condition(c) for c in flt.must]
    must_not = [qe.HasIdCondition({to_point_id(t) for t in flt.exclude_ids})] if flt.exclude_ids else None
    return qe.Filter(must=must or None, must_not=must_not)


def _edge_condition(cond: Any) -> Any:
    if isinstance(cond, Range):
        return qe.FieldCondition(cond.key, range=qe.RangeFloat(gte=cond.gte, lte=cond.lte))
    if isinstance(cond, MatchAny):
        return qe.FieldCondition(cond.key, match=qe.MatchAny(list(cond.values)))
    if isinstance(cond, AnyOf):
        return qe.Filter(should=[_edge_condition(c) for c in cond.conditions])
    raise TypeError(f"unsupported condition {cond!r}")


class EdgeStore(Store):
    """Track store on a Qdrant Edge shard.

    Parameters
    ----------
    path : path
        Shard directory (created with ``families`` when it holds no shard yet).
    families : sequence of FamilySpec
        Families of a new shard (ignored when loading an existing one).
    read_only : bool
        Refuse writes. The engine still opens the shard exclusively.
    lock : WriteLock, optional
        Lock released by :meth:`close`.
    hnsw_m, hnsw_ef_construct : int
        HNSW parameters of the searchable vectors (built by :meth:`optimize`).
    """

    def __init__(self, path: str | Path, *, families: Sequence[FamilySpec] = (HANDCRAFTED,),
                 read_only: bool = False, lock: WriteLock | None = None, hnsw_m: int = 16,
                 hnsw_ef_construct: int = 100) -> None:
        super().__init__(read_only=read_only, lock=lock)
        self.path = Path(path)
        self.location = str(self.path)
        self._hnsw = (hnsw_m, hnsw_ef_construct)
        exists = (self.path / CONFIG_FILE).exists()
        if not exists and read_only:
            raise StoreError(f"no Qdrant Edge index at {self.path} (a read-only open cannot create one)")
        try:
            if exists:
                self._shard = qe.EdgeShard.load(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._shard = qe.EdgeShard.create(str(self.path), self._config(list(families)))
        except Exception as exc:
            if "WouldBlock" in str(exc):
                raise StoreLockedError(self.path, detail="the Qdrant Edge shard is already open (Edge allows one "
                                       "open shard per directory, in any process)") from exc
            raise StoreError(f"cannot open Qdrant Edge shard at {self.path}: {exc}") from exc
        self._families = self._read_families()
        if not exists:
            self.ensure_payload_indexes()

    # ------------------------------------------------------------------ config
    def _vector_params(self, spec: FamilySpec) -> dict[str, qe.EdgeVectorParams]:
        m, efc = self._hnsw
        out = {spec.name: qe.EdgeVectorParams(
            size=spec.dim, distance=qe.Distance.Cosine,
            hnsw_config=qe.HnswIndexConfig(m=m, ef_construct=efc, full_scan_threshold=10_000))}
        if spec.standardize:
            # Raw vectors are read only to re-standardise: on disk (page cache), no HNSW graph.
            out[spec.raw_name] = qe.EdgeVectorParams(
                size=spec.dim, distance=qe.Distance.Dot, memory=qe.Memory.Cold,
                hnsw_config=qe.HnswIndexConfig(m=0, ef_construct=efc, full_scan_threshold=10_000))
        return out

    def _config(self, specs: Sequence[FamilySpec]) -> qe.EdgeConfig:
        vectors: dict[str, qe.EdgeVectorParams] = {}
        for spec in specs:
            vectors.update(self._vector_params(spec))
        return qe.EdgeConfig(vectors=vectors)

    def _read_families(self) -> dict[str, FamilySpec]:
        # edge_config.json is the engine's documented persisted config; the bindings have no getter.
        data = json.loads((self.path / CONFIG_FILE).read_text())
        return specs_from_vectors({n: int(v["size"]) for n, v in data.get("vectors", {}).items()})

    def families(self) -> dict[str, FamilySpec]:
        return dict(self._families)

    def _create_family(self, spec: FamilySpec) -> None:
        self._shard.update(qe.UpdateOperation.create_dense_vector(spec.name, spec.dim, qe.Distance.Cosine))
        if spec.standardize:
            self._shard.update(qe.UpdateOperation.create_dense_vector(spec.raw_name, spec.dim, qe.Distance.Dot))
        self._shard.flush()
        self._shard.close()
        # Reload with the full config to set the per-vector HNSW/memory settings of the new vectors.
        specs = list(self._families.values()) + [spec]
        self._shard = qe.EdgeShard.load(str(self.path), self._config(specs))
        self._families = self._read_families()

    # ------------------------------------------------------------------ writes
    @staticmethod
    def _vectors(point: PointRecord) -> dict[str, list[float]]:
        # The bindings take Python lists about twice as fast as numpy arrays.
        return {name: v.tolist() for name, v in named_vectors(point).items()}

    def _upsert(self, points: Sequence[PointRecord]) -> None:
        pts = [qe.Point(to_point_id(p.track_id), self._vectors(p), p.payload) for p in points]
        self._shard.update(qe.UpdateOperation.upsert_points(pts))

    def _update_vectors(self, points: Sequence[PointRecord]) -> None:
        pvs = [qe.PointVectors(to_point_id(p.track_id), self._vectors(p)) for p in points]
        self._shard.update(qe.UpdateOperation.update_vectors(pvs))

    def _set_payload(self, track_ids: Sequence[str], values: Mapping[str, Any], key: str | None) -> None:
        self._shard.update(qe.UpdateOperation.set_payload([to_point_id(t) for t in track_ids], dict(values), key))

    def _delete(self, track_ids: Sequence[str]) -> None:
        self._shard.update(qe.UpdateOperation.delete_points([to_point_id(t) for t in track_ids]))

    def _create_payload_index(self, field_name: str, schema: str) -> None:
        self._shard.update(qe.UpdateOperation.create_field_index(field_name, _SCHEMAS[schema]))

    # ------------------------------------------------------------------- reads
    @staticmethod
    def _payload_selector(with_payload: bool | Sequence[str]) -> Any:
        return with_payload if isinstance(with_payload, bool) else list(with_payload)

    def _with_vector(self, vectors: VectorSelector, raw: VectorSelector) -> bool | list[str]:
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
        recs = self._shard.retrieve(ids, self._payload_selector(with_payload), self._with_vector(vectors, raw))
        by_id = {r.track_id: r for r in map(self._record, recs)}
        return [by_id[t] for t in (from_point_id(i) for i in ids) if t in by_id]

    def scroll(self, filter: Filter | None = None, *, limit: int = 256, offset: str | None = None,
               with_payload: bool | Sequence[str] = True, vectors: VectorSelector = False,
               raw: VectorSelector = False) -> tuple[list[PointRecord], str | None]:
        req = qe.ScrollRequest(offset=to_point_id(offset) if offset else None, limit=int(limit),
                               filter=to_edge_filter(filter), with_payload=self._payload_selector(with_payload),
                               with_vector=self._with_vector(vectors, raw))
        recs, nxt = self._shard.scroll(req)
        return [self._record(r) for r in recs], (from_point_id(nxt) if nxt is not None else None)

    def count(self, filter: Filter | None = None) -> int:
        return int(self._shard.count(qe.CountRequest(exact=True, filter=to_edge_filter(filter))))

    def search(self, family: str, vector: np.ndarray, *, limit: int = 10, filter: Filter | None = None,
               exact: bool = False, with_payload: bool | Sequence[str] = True,
               with_vector: bool = False) -> list[ScoredPoint]:
        self.family(family)
        req = qe.QueryRequest(
            limit=int(limit), query=qe.Query.Nearest(np.asarray(vector, dtype=np.float32).tolist(), using=family),
            filter=to_edge_filter(filter), params=qe.SearchParams(exact=bool(exact)),
            with_payload=self._payload_selector(with_payload), with_vector=[family] if with_vector else False)
        out = []
        for p in self._shard.query(req):
            vec = np.asarray(p.vector[family], dtype=np.float32) if with_vector and p.vector else None
            out.append(ScoredPoint(from_point_id(p.id), float(p.score),
                                   dict(p.payload) if p.payload is not None else None, vec))
        return out

    def payload_indexes(self) -> dict[str, str]:
        return {k: _SCHEMA_NAMES.get(v.data_type, str(v.data_type)) for k, v in self._shard.info().payload_schema.items()}

    # --------------------------------------------------------------- lifecycle
    def flush(self) -> None:
        self._shard.flush()

    def optimize(self) -> None:
        self.check_writable()
        self._shard.optimize()

    def _close(self) -> None:
        try:
            self._shard.flush()
        finally:
            self._shard.close()
