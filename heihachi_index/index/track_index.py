"""``TrackIndex``: the store, its standardisation statistics and the in-memory FAISS indexes together.

Writes go to the store (one upsert per batch, whole points) and are mirrored into the in-memory
catalog and FAISS indexes (:class:`~heihachi_index.index.memory.MemoryIndex`) when those are
loaded. Statistics:

* The first ingest of a family computes its statistics from that batch (version 1).
* Every later write standardises with the *current* statistics, so old and new vectors always
  share one scale.
* :meth:`TrackIndex.finalize` (= :meth:`refresh_statistics` + flush) recomputes mean/std from all
  raw vectors, sorted by track id; when they moved by more than ``stats_tolerance`` it saves a new
  version, rewrites every standardised vector and records the version per point. The result
  depends only on the set of tracks, not on ingest order.
* A rewrite interrupted by a crash leaves points whose ``stats_version`` is not current; a writer
  repairs them when it opens, and the FAISS loader standardises them from their raw vectors.

One ``threading.RLock`` serialises the public methods (FAISS indexes are not safe to search
while they are being modified).
"""
from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from heihachi_index.config import Config
from heihachi_index.index.base import PointRecord, ScoredPoint, Store
from heihachi_index.index.catalog import Catalog
from heihachi_index.index.conditions import AnyOf, Filter, Range
from heihachi_index.index.errors import (
    DimensionMismatchError,
    StoreError,
    TrackNotFoundError,
    UnknownFamilyError,
)
from heihachi_index.index.factory import open_store
from heihachi_index.index.faiss_index import AnnParams, FamilyIndex
from heihachi_index.index.families import DEFAULT_FAMILY, HANDCRAFTED, FamilySpec, family_spec
from heihachi_index.index.ids import normalize_track_id
from heihachi_index.index.memory import MemoryIndex
from heihachi_index.index.payload import stored_payload
from heihachi_index.index.standardize import Stats, StatsRepository, compute_stats, identity_stats

log = logging.getLogger(__name__)

# path -> raw vector, or (raw vector, track id) so that a file already in the index is not its own match.
Featurizer = Callable[[str], "np.ndarray | tuple[np.ndarray, str | None]"]
BACKENDS = ("faiss", "store")


@dataclass
class Track:
    """A track to write.

    Attributes
    ----------
    track_id : str
        32-hex track id.
    vectors : mapping of str to ndarray
        *Raw* vectors by family (standardisation is the index's job).
    payload : mapping
        Metadata (see :mod:`heihachi_index.index.payload`); managed fields are overwritten.
    """

    track_id: str
    vectors: Mapping[str, np.ndarray]
    payload: Mapping[str, Any] = field(default_factory=dict)


def stale_filter(family: str, version: int) -> Filter:
    """Points whose ``family`` vector was made with statistics other than ``version``."""
    key = f"stats_version.{family}"
    return Filter((AnyOf((Range(key, lte=version - 0.5), Range(key, gte=version + 0.5))),))


class TrackIndex:
    """Track store + statistics + FAISS, the object search runs against.

    Parameters
    ----------
    store : Store
        An open store (the index closes it).
    data_dir : path
        Directory of the statistics files.
    featurize : callable or mapping of callables, optional
        ``path -> raw vector``, used by search for audio-file queries (a mapping gives one per family).
    ann : AnnParams
        FAISS exact/HNSW parameters.
    stats_tolerance : float
        Largest move of the statistics (in standard deviations) that does not trigger a rewrite.
    gpu : bool, optional
        Put exact FAISS indexes on a GPU (default: when faiss-gpu sees one).
    """

    def __init__(self, store: Store, data_dir: str | os.PathLike[str], *,
                 featurize: Featurizer | Mapping[str, Featurizer] | None = None, ann: AnnParams = AnnParams(),
                 stats_tolerance: float = 1e-4, gpu: bool | None = None) -> None:
        self.store = store
        self.data_dir = Path(data_dir)
        self.featurize = featurize
        self.ann = ann
        self.stats_tolerance = float(stats_tolerance)
        self.gpu = gpu
        self.stats_repo = StatsRepository(self.data_dir)
        self._lock = threading.RLock()
        self.memory = MemoryIndex(store, self.stats_repo, ann, gpu)
        if not store.read_only:
            self._repair()

    @classmethod
    def open(cls, config: Config, *, read_only: bool = False,
             featurize: Featurizer | Mapping[str, Featurizer] | None = None,
             families: Sequence[FamilySpec] = (HANDCRAFTED,), **kwargs: Any) -> "TrackIndex":
        """Open the index of ``config`` (see :func:`~heihachi_index.index.factory.open_store`)."""
        store = open_store(config, read_only=read_only, families=families)
        try:
            return cls(store, config.data_path, featurize=featurize, **kwargs)
        except BaseException:
            store.close()
            raise

    # --------------------------------------------------------------- families
    @property
    def read_only(self) -> bool:
        return self.store.read_only

    def families(self) -> dict[str, FamilySpec]:
        return self.store.families()

    def add_family(self, name: str, dim: int | None = None, *, standardize: bool = True) -> bool:
        """Add a vector family (e.g. ``"clap"``) to the existing store; ``False`` if present."""
        with self._lock:
            return self.store.add_family(family_spec(name, dim, standardize))

    def stats(self, family: str = DEFAULT_FAMILY) -> Stats | None:
        """Current statistics of a family (``None`` before its first ingest)."""
        return self.stats_repo.current(family)

    # ----------------------------------------------------------------- writes
    def upsert(self, tracks: Iterable[Track], *, batch_size: int = 256) -> int:
        """Write tracks (idempotent by track id); returns how many were written.

        Each batch is one store upsert of whole points. Families of an existing point that a
        track does not carry are kept.
        """
        tracks = list(tracks)
        with self._lock:
            self.store.check_writable()
            for i in range(0, len(tracks), batch_size):
                self._upsert_batch(tracks[i: i + batch_size])
        return len(tracks)

    def _raw_vector(self, spec: FamilySpec, vec: Any, track_id: str) -> np.ndarray:
        arr = np.asarray(vec, dtype=np.float32).reshape(-1)
        if arr.shape[0] != spec.dim:
            raise DimensionMismatchError(spec.name, spec.dim, arr.shape[0], track_id)
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"vector {spec.name!r} of track {track_id} has NaN or infinite values")
        return arr

    def _batch_stats(self, fams: Mapping[str, FamilySpec], raws: Mapping[str, dict[str, np.ndarray]]) -> dict[str, Stats]:
        out = {}
        for name, by_id in raws.items():
            spec = fams[name]
            if not spec.standardize:
                continue
            st = self.stats_repo.current(name)
            if st is None:
                rows = np.stack([by_id[t] for t in sorted(by_id)])
                st = compute_stats(name, rows, 1) if len(rows) >= 2 else identity_stats(name, spec.dim, 1)
                self.stats_repo.save(st)
                log.info("family %s: first statistics (version 1) from %d tracks", name, len(rows))
            out[name] = st
        return out

    def _upsert_batch(self, tracks: Sequence[Track]) -> None:
        fams = self.store.families()
        batch: dict[str, Track] = {}
        raws: dict[str, dict[str, np.ndarray]] = {}
        for t in tracks:
            tid = normalize_track_id(t.track_id)
            if not t.vectors:
                raise ValueError(f"track {tid} has no vectors")
            batch[tid] = t
            for name, vec in t.vectors.items():
                if name not in fams:
                    raise UnknownFamilyError(name, tuple(fams))
                raws.setdefault(name, {})[tid] = self._raw_vector(fams[name], vec, tid)
        stats = self._batch_stats(fams, raws)
        carried: dict[str, PointRecord] = {}
        if len(fams) > 1:
            for rec in self.store.retrieve(list(batch), with_payload=["stats_version"], vectors=True, raw=True):
                carried[rec.track_id] = rec
        records = []
        for tid, t in batch.items():
            vecs: dict[str, np.ndarray] = {}
            raw: dict[str, np.ndarray] = {}
            versions: dict[str, int] = {}
            old = carried.get(tid)
            if old is not None:
                old_versions = old.payload.get("stats_version") or {}
                for name in set(old.vectors) - set(t.vectors):
                    vecs[name] = old.vectors[name]
                    if name in old.raw:
                        raw[name] = old.raw[name]
                    versions[name] = int(old_versions.get(name, 0))
            for name in t.vectors:
                r = raws[name][tid]
                if fams[name].standardize:
                    vecs[name], raw[name], versions[name] = stats[name].apply(r), r, stats[name].version
                else:
                    vecs[name], versions[name] = r, 0
            records.append(PointRecord(tid, stored_payload(tid, t.payload, versions), vecs, raw))
        self.store.upsert(records)
        self.memory.apply(records)

    def set_vectors(self, family: str, vectors: Mapping[str, np.ndarray]) -> int:
        """Add or replace one family's raw vectors on existing tracks (e.g. a backfill after ``add_family``).

        Each point is rewritten whole (read, then one upsert), keeping its payload and other vectors.

        Raises
        ------
        TrackNotFoundError
            If a track is not in the index.
        """
        with self._lock:
            self.store.check_writable()
            spec = self.store.family(family)
            ids = [normalize_track_id(t) for t in vectors]
            existing = {r.track_id: r for r in self.store.retrieve(ids, vectors=True, raw=True)}
            for tid in ids:
                if tid not in existing:
                    raise TrackNotFoundError(tid)
            raw = {normalize_track_id(t): self._raw_vector(spec, v, t) for t, v in vectors.items()}
            stats = self._batch_stats({family: spec}, {family: raw}).get(family)
            records = []
            for tid in ids:
                rec = existing[tid]
                payload = dict(rec.payload)
                versions = dict(payload.get("stats_version") or {})
                if stats is not None:
                    rec.vectors[family], rec.raw[family] = stats.apply(raw[tid]), raw[tid]
                    versions[family] = stats.version
                else:
                    rec.vectors[family], versions[family] = raw[tid], 0
                payload["stats_version"] = versions
                records.append(PointRecord(tid, payload, rec.vectors, rec.raw))
            self.store.upsert(records)
            self.memory.apply(records)
            return len(records)

    def delete(self, track_ids: Iterable[str]) -> int:
        """Delete tracks; returns how many existed."""
        with self._lock:
            ids = [normalize_track_id(t) for t in track_ids]
            present = [r.track_id for r in self.store.retrieve(ids, with_payload=False)]
            self.store.delete(ids)
            self.memory.remove(ids)
            return len(present)

    # ------------------------------------------------------------- statistics
    def _all_raw(self, family: str) -> tuple[list[str], np.ndarray]:
        """All raw vectors of a family, sorted by track id (so statistics ignore ingest order)."""
        pairs = [(r.track_id, r.raw[family]) for r in
                 self.store.iter_points(with_payload=False, raw=[family], page_size=1024) if family in r.raw]
        pairs.sort(key=lambda p: p[0])
        dim = self.store.family(family).dim
        return [p[0] for p in pairs], (np.stack([p[1] for p in pairs]) if pairs else np.zeros((0, dim), np.float32))

    def _rewrite(self, family: str, stats: Stats, ids: Sequence[str], raw: np.ndarray, batch: int = 512) -> None:
        # Vectors first, then the version: a crash in between leaves points that still *look*
        # stale and are rewritten again, never points that claim a scale they do not have.
        std_all = stats.apply(raw)
        for i in range(0, len(ids), batch):
            chunk = list(ids[i: i + batch])
            self.store.update_vectors([PointRecord(t, vectors={family: v}) for t, v in zip(chunk, std_all[i: i + batch])])
            self.store.set_payload(chunk, {family: stats.version}, key="stats_version")
        self.memory.restandardized(family, ids, std_all)

    def refresh_statistics(self, families: Sequence[str] | None = None, *, force: bool = False) -> dict[str, bool]:
        """Recompute statistics from all raw vectors; rewrite the family when they moved.

        Returns
        -------
        dict
            Family -> whether its vectors were rewritten.
        """
        with self._lock:
            self.store.check_writable()
            fams = self.store.families()
            names = [f for f in (families or fams) if self.store.family(f).standardize]
            out: dict[str, bool] = {}
            for name in names:
                ids, raw = self._all_raw(name)
                current = self.stats_repo.current(name)
                if not ids:
                    out[name] = False
                    continue
                version = current.version + 1 if current else 1
                new = compute_stats(name, raw, version) if len(ids) >= 2 else identity_stats(name, fams[name].dim, version)
                if current is not None and not force and not current.moved(new, self.stats_tolerance):
                    out[name] = self._repair_family(name) > 0
                    continue
                self.stats_repo.save(new)
                log.info("family %s: statistics version %d from %d tracks; rewriting vectors", name, version, len(ids))
                self._rewrite(name, new, ids, raw)
                out[name] = True
            return out

    def finalize(self, *, optimize: bool = False) -> dict[str, bool]:
        """End of an ingest batch: refresh statistics, flush, and optionally build engine indexes."""
        with self._lock:
            out = self.refresh_statistics()
            self.store.flush()
            if optimize:
                self.store.optimize()
            return out

    def _repair_family(self, family: str) -> int:
        stats = self.stats_repo.current(family)
        if stats is None:
            return 0
        flt = stale_filter(family, stats.version)
        if not self.store.count(flt):
            return 0
        pairs = [(r.track_id, r.raw[family]) for r in
                 self.store.iter_points(flt, with_payload=False, raw=[family]) if family in r.raw]
        log.warning("family %s: %d points not on statistics version %d (interrupted rewrite); repairing",
                    family, len(pairs), stats.version)
        if pairs:
            self._rewrite(family, stats, [p[0] for p in pairs], np.stack([p[1] for p in pairs]))
        return len(pairs)

    def _repair(self) -> None:
        for name, spec in self.store.families().items():
            if spec.standardize:
                self._repair_family(name)

    def standardize(self, raw: np.ndarray, family: str = DEFAULT_FAMILY) -> np.ndarray:
        """Standardise a raw vector with the family's current statistics.

        Raises
        ------
        StoreError
            If the family has no statistics yet (nothing ingested).
        """
        spec = self.store.family(family)
        arr = self._raw_vector(spec, raw, "query")
        if not spec.standardize:
            return arr
        stats = self.stats_repo.current(family)
        if stats is None:
            raise StoreError(f"family {family!r} has no statistics yet: ingest tracks first")
        return stats.apply(arr)

    # ------------------------------------------------------------------ reads
    def count(self, filter: Filter | None = None) -> int:
        with self._lock:
            return self.store.count(filter)

    def get(self, track_id: str, *, vectors: bool | Sequence[str] = False,
            raw: bool | Sequence[str] = False) -> PointRecord | None:
        with self._lock:
            return self.store.get(normalize_track_id(track_id), vectors=vectors, raw=raw)

    def retrieve(self, track_ids: Sequence[str], **kwargs: Any) -> list[PointRecord]:
        with self._lock:
            return self.store.retrieve([normalize_track_id(t) for t in track_ids], **kwargs)

    def scroll(self, filter: Filter | None = None, *, limit: int = 100, offset: str | None = None,
               **kwargs: Any) -> tuple[list[PointRecord], str | None]:
        """One page of tracks (payload only by default) and the next offset."""
        with self._lock:
            return self.store.scroll(filter, limit=limit, offset=offset, **kwargs)

    def completed(self, track_ids: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
        """Complete tracks (optionally among ``track_ids``) with their ``content_hash`` and ``pipeline_version``.

        An ingest re-run skips tracks listed here with an unchanged hash and pipeline.
        """
        fields = ["complete", "content_hash", "pipeline_version"]
        with self._lock:
            recs = (self.store.retrieve([normalize_track_id(t) for t in track_ids], with_payload=fields)
                    if track_ids is not None else self.store.iter_points(with_payload=fields, page_size=2048))
            return {r.track_id: {"content_hash": r.payload.get("content_hash"),
                                 "pipeline_version": r.payload.get("pipeline_version")}
                    for r in recs if r.payload.get("complete") is True}

    def payloads(self, track_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {r.track_id: r.payload for r in self.store.retrieve(list(track_ids))}

    def iter_payloads(self, *, page_size: int = 1024) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(track_id, payload)`` of every point, a page at a time (the lock is held per page only)."""
        offset: str | None = None
        while True:
            with self._lock:
                page, offset = self.store.scroll(None, limit=page_size, offset=offset, with_payload=True)
            for rec in page:
                yield rec.track_id, rec.payload
            if offset is None:
                return

    # ------------------------------------------------------------------ FAISS
    def catalog(self) -> Catalog:
        """Slots and filter fields of all tracks (loaded from the store on first use)."""
        with self._lock:
            return self.memory.catalog()

    def warm(self, families: Sequence[str] | None = None) -> None:
        """Load the catalog and build the FAISS indexes now (a server calls this at start-up)."""
        with self._lock:
            for name in families or self.store.families():
                self.memory.family(name)

    def faiss_index(self, family: str = DEFAULT_FAMILY) -> FamilyIndex:
        """The FAISS index of a family, built from the store on first use."""
        with self._lock:
            return self.memory.family(family)

    def vector(self, track_id: str, family: str = DEFAULT_FAMILY) -> np.ndarray:
        """Stored standardised vector of a track (unit norm).

        Raises
        ------
        TrackNotFoundError
            If the track (or its vector of that family) is not in the index.
        """
        tid = normalize_track_id(track_id)
        with self._lock:
            vec = self.memory.vector(tid, family)
            if vec is not None:
                return vec
            rec = self.store.get(tid, vectors=[family])
            if rec is None or family not in rec.vectors:
                raise TrackNotFoundError(tid, family if rec is not None else None)
            return rec.vectors[family]

    def search(self, vector: np.ndarray, k: int = 10, *, family: str = DEFAULT_FAMILY, filter: Filter | None = None,
               backend: str = "faiss", exact: bool | None = None, with_vectors: bool = False,
               with_payload: bool = False) -> list[ScoredPoint]:
        """Nearest tracks to a standardised vector by cosine similarity.

        Parameters
        ----------
        vector : ndarray
            Standardised query (any norm).
        k : int
            Number of results.
        family : str
            Vector family.
        filter : Filter, optional
            Payload conditions and excluded ids.
        backend : {"faiss", "store"}
            In-memory FAISS (exact below the ANN threshold, HNSW above) or the store's own search.
        exact : bool, optional
            Force exact search.
        with_vectors, with_payload : bool
            Attach the stored vectors / payloads.
        """
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
        if k <= 0:
            return []
        with self._lock:
            if backend == "store":
                return self.store.search(family, vector, limit=k, filter=filter, exact=bool(exact),
                                         with_payload=with_payload, with_vector=with_vectors)
            hits = self.memory.search(vector, k, family=family, filter=filter, exact=exact, with_vectors=with_vectors)
            if with_payload:
                payloads = self.payloads([h.track_id for h in hits])
                for h in hits:
                    h.payload = payloads.get(h.track_id)
            return hits

    # -------------------------------------------------------------- lifecycle
    def flush(self) -> None:
        with self._lock:
            self.store.flush()

    def close(self) -> None:
        with self._lock:
            self.memory.clear()
            self.store.close()

    def __enter__(self) -> "TrackIndex":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
