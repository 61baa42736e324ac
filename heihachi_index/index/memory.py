"""The in-process serving state: the catalog and one FAISS index per family, beside the store.

Loaded lazily from the store (so a process that only ingests never pays for it) and kept in step
with the writes of the :class:`~heihachi_index.index.track_index.TrackIndex` that owns it. The
owner serialises access.
"""
from __future__ import annotations

import logging
from typing import Sequence

import numpy as np

from heihachi_index.index.base import PointRecord, ScoredPoint, Store
from heihachi_index.index.catalog import Catalog
from heihachi_index.index.conditions import Filter
from heihachi_index.index.faiss_index import AnnParams, FamilyIndex
from heihachi_index.index.payload import FILTER_FIELDS
from heihachi_index.index.standardize import StatsRepository

log = logging.getLogger(__name__)


class MemoryIndex:
    """Catalog + FAISS family indexes built from a store.

    Parameters
    ----------
    store : Store
        Source of vectors and filter fields.
    stats_repo : StatsRepository
        Current statistics (points left stale by an interrupted rewrite are standardised here).
    ann : AnnParams
        Exact/HNSW parameters.
    gpu : bool, optional
        GPU placement of exact indexes.
    """

    def __init__(self, store: Store, stats_repo: StatsRepository, ann: AnnParams = AnnParams(),
                 gpu: bool | None = None) -> None:
        self.store = store
        self.stats_repo = stats_repo
        self.ann = ann
        self.gpu = gpu
        self._catalog: Catalog | None = None
        self._families: dict[str, FamilyIndex] = {}

    # ---------------------------------------------------------------- loading
    def catalog(self) -> Catalog:
        """Slots and filter fields of all tracks (read from the store on first use)."""
        if self._catalog is None:
            cat = Catalog(FILTER_FIELDS)
            for rec in self.store.iter_points(with_payload=list(FILTER_FIELDS), page_size=4096):
                cat.upsert(rec.track_id, rec.payload)
            self._catalog = cat
        return self._catalog

    def loaded(self, family: str) -> FamilyIndex | None:
        return self._families.get(family)

    def family(self, family: str) -> FamilyIndex:
        """The FAISS index of ``family``, built from the store on first use."""
        fi = self._families.get(family)
        if fi is not None:
            return fi
        spec = self.store.family(family)
        cat = self.catalog()
        stats = self.stats_repo.current(family) if spec.standardize else None
        slots: list[int] = []
        vecs: list[np.ndarray] = []
        stale: list[str] = []
        for rec in self.store.iter_points(with_payload=["stats_version"], vectors=[family], page_size=2048):
            v = rec.vectors.get(family)
            if v is None:
                continue
            if stats is not None and (rec.payload.get("stats_version") or {}).get(family) != stats.version:
                stale.append(rec.track_id)
                continue
            slot = cat.slot(rec.track_id)
            slots.append(slot if slot is not None else cat.upsert(rec.track_id, {}))
            vecs.append(v)
        if stale:
            log.warning("family %s: %d stale points standardised from raw vectors in memory", family, len(stale))
            for rec in self.store.retrieve(stale, with_payload=False, raw=[family]):
                slot = cat.slot(rec.track_id)
                slots.append(slot if slot is not None else cat.upsert(rec.track_id, {}))
                vecs.append(stats.apply(rec.raw[family]))
        matrix = np.stack(vecs) if vecs else np.zeros((0, spec.dim), np.float32)
        fi = FamilyIndex(spec.dim, self.ann, gpu=self.gpu).build(np.array(slots, dtype=np.int64), matrix)
        self._families[family] = fi
        log.info("FAISS %s index for %s: %d vectors", fi.kind, family, fi.size)
        return fi

    # ---------------------------------------------------------------- updates
    def apply(self, records: Sequence[PointRecord]) -> None:
        """Mirror points just written to the store (whole points: absent families are dropped)."""
        if self._catalog is None:
            return
        slots = {r.track_id: self._catalog.upsert(r.track_id, r.payload) for r in records}
        for name, fi in self._families.items():
            have = [r for r in records if name in r.vectors]
            if have:
                fi.add(np.array([slots[r.track_id] for r in have]), np.stack([r.vectors[name] for r in have]))
            fi.remove(np.array([slots[r.track_id] for r in records if name not in r.vectors], dtype=np.int64))

    def remove(self, track_ids: Sequence[str]) -> None:
        if self._catalog is None:
            return
        for tid in track_ids:
            slot = self._catalog.remove(tid)
            if slot is not None:
                for fi in self._families.values():
                    fi.remove(np.array([slot]))

    def restandardized(self, family: str, track_ids: Sequence[str], vectors: np.ndarray) -> None:
        """Replace a family's vectors after a statistics rewrite, from the vectors at hand."""
        fi = self._families.get(family)
        if fi is None or self._catalog is None:
            return
        slots = np.array([self._catalog.slot(t) for t in track_ids], dtype=np.int64)
        if len(slots) == fi.size:
            fi.build(slots, vectors)
        else:
            fi.add(slots, vectors)

    def clear(self) -> None:
        self._families.clear()
        self._catalog = None

    # ------------------------------------------------------------------ reads
    def vector(self, track_id: str, family: str) -> np.ndarray | None:
        """A loaded vector, or ``None`` when the family or track is not in memory."""
        fi = self._families.get(family)
        if fi is None or self._catalog is None:
            return None
        slot = self._catalog.slot(track_id)
        if slot is None or slot not in fi:
            return None
        return fi.vectors(np.array([slot]))[0]

    def search(self, vector: np.ndarray, k: int, *, family: str, filter: Filter | None = None,
               exact: bool | None = None, with_vectors: bool = False) -> list[ScoredPoint]:
        """Top-``k`` by cosine similarity; filters are evaluated on the catalog (same semantics as the store)."""
        fi = self.family(family)
        cat = self.catalog()
        allowed = None
        extra = 0
        if filter is not None and filter.must:
            allowed = cat.mask(filter)
        elif filter is not None and filter.exclude_ids:
            extra = len(filter.exclude_ids)  # cheaper to over-fetch than to build a mask
        slots, scores = fi.search(vector, k + extra, allowed=allowed, exact=exact)
        ids = cat.track_ids(slots)
        keep = [i for i, t in enumerate(ids) if filter is None or t not in filter.exclude_ids][:k]
        vecs = fi.vectors(slots[keep]) if with_vectors and keep else None
        return [ScoredPoint(ids[i], float(scores[i]), None, vecs[j] if vecs is not None else None)
                for j, i in enumerate(keep)]
