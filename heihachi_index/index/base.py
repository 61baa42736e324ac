"""The store interface: one API for Qdrant Edge (embedded) and a Qdrant server (or local mode).

A store keeps one point per track. Point id = track id (as a UUID). Each vector family is a
named vector, and a standardised family also keeps its raw vectors (see ``families``). Every
write of a track is one engine operation carrying all its vectors and its payload, so a crash
never leaves a half-written point.
"""
from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Sequence

import numpy as np

from heihachi_index.index.conditions import Filter
from heihachi_index.index.errors import (
    DimensionMismatchError,
    ReadOnlyStoreError,
    UnknownFamilyError,
)
from heihachi_index.index.families import RAW_SUFFIX, FamilySpec, raw_name
from heihachi_index.index.ids import normalize_track_id
from heihachi_index.index.lock import WriteLock
from heihachi_index.index.payload import PAYLOAD_INDEXES

VectorSelector = bool | Sequence[str]


@dataclass
class PointRecord:
    """One stored track.

    Attributes
    ----------
    track_id : str
        32-hex track id.
    payload : dict
        Stored payload.
    vectors : dict of str to ndarray
        Standardised vectors by family (as stored: engines normalise cosine vectors).
    raw : dict of str to ndarray
        Raw vectors by family.
    """

    track_id: str
    payload: dict[str, Any] = field(default_factory=dict)
    vectors: dict[str, np.ndarray] = field(default_factory=dict)
    raw: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class ScoredPoint:
    """A search result from a store or the FAISS index."""

    track_id: str
    score: float
    payload: dict[str, Any] | None = None
    vector: np.ndarray | None = None


class Store(abc.ABC):
    """Abstract track store; see :class:`EdgeStore` and :class:`QdrantStore`."""

    #: where the data lives, for messages
    location: str = ""

    def __init__(self, *, read_only: bool = False, lock: WriteLock | None = None) -> None:
        self.read_only = read_only
        self._lock = lock
        self._closed = False

    # ----------------------------------------------------------------- families
    @abc.abstractmethod
    def families(self) -> dict[str, FamilySpec]:
        """Vector families in the store, by name."""

    @abc.abstractmethod
    def _create_family(self, spec: FamilySpec) -> None:
        """Create the named vector(s) of a new family."""

    def add_family(self, spec: FamilySpec) -> bool:
        """Add a vector family to an existing store (no rebuild); ``False`` if it already exists.

        Raises
        ------
        DimensionMismatchError
            If a family of that name exists with another dimension.
        """
        self.check_writable()
        existing = self.families().get(spec.name)
        if existing is not None:
            if existing.dim != spec.dim:
                raise DimensionMismatchError(spec.name, existing.dim, spec.dim)
            if existing.standardize != spec.standardize:
                raise ValueError(f"family {spec.name!r} exists with standardize={existing.standardize}")
            return False
        self._create_family(spec)
        return True

    def family(self, name: str) -> FamilySpec:
        fams = self.families()
        if name not in fams:
            raise UnknownFamilyError(name, tuple(fams))
        return fams[name]

    # ------------------------------------------------------------------- writes
    @abc.abstractmethod
    def _upsert(self, points: Sequence[PointRecord]) -> None: ...

    @abc.abstractmethod
    def _update_vectors(self, points: Sequence[PointRecord]) -> None: ...

    @abc.abstractmethod
    def _set_payload(self, track_ids: Sequence[str], values: Mapping[str, Any], key: str | None) -> None: ...

    @abc.abstractmethod
    def _delete(self, track_ids: Sequence[str]) -> None: ...

    @abc.abstractmethod
    def _create_payload_index(self, field_name: str, schema: str) -> None: ...

    def upsert(self, points: Sequence[PointRecord]) -> None:
        """Insert or replace whole points (all vectors + payload) in one engine operation."""
        self.check_writable()
        if points:
            self._upsert(self._validated(points))

    def update_vectors(self, points: Sequence[PointRecord]) -> None:
        """Replace the given vectors of existing points, keeping payload and other vectors."""
        self.check_writable()
        if points:
            self._update_vectors(self._validated(points))

    def set_payload(self, track_ids: Sequence[str], values: Mapping[str, Any], key: str | None = None) -> None:
        """Merge ``values`` into the payload (under the nested ``key`` when given)."""
        self.check_writable()
        if track_ids:
            self._set_payload([normalize_track_id(t) for t in track_ids], dict(values), key)

    def delete(self, track_ids: Sequence[str]) -> None:
        """Delete points by track id (missing ids are ignored)."""
        self.check_writable()
        if track_ids:
            self._delete([normalize_track_id(t) for t in track_ids])

    def ensure_payload_indexes(self, indexes: Mapping[str, str] = PAYLOAD_INDEXES) -> None:
        """Create the payload indexes filters rely on (idempotent)."""
        self.check_writable()
        for name, schema in indexes.items():
            self._create_payload_index(name, schema)

    # -------------------------------------------------------------------- reads
    @abc.abstractmethod
    def retrieve(self, track_ids: Sequence[str], *, with_payload: bool | Sequence[str] = True,
                 vectors: VectorSelector = False, raw: VectorSelector = False) -> list[PointRecord]:
        """Points by track id, in the order asked, missing ones left out."""

    @abc.abstractmethod
    def scroll(self, filter: Filter | None = None, *, limit: int = 256, offset: str | None = None,
               with_payload: bool | Sequence[str] = True, vectors: VectorSelector = False,
               raw: VectorSelector = False) -> tuple[list[PointRecord], str | None]:
        """One page of points in id order, and the offset of the next page (``None`` at the end)."""

    @abc.abstractmethod
    def count(self, filter: Filter | None = None) -> int:
        """Exact number of points matching ``filter``."""

    @abc.abstractmethod
    def search(self, family: str, vector: np.ndarray, *, limit: int = 10, filter: Filter | None = None,
               exact: bool = False, with_payload: bool | Sequence[str] = True,
               with_vector: bool = False) -> list[ScoredPoint]:
        """Nearest points by cosine similarity on ``family``."""

    @abc.abstractmethod
    def payload_indexes(self) -> dict[str, str]:
        """Payload indexes the engine reports: field -> schema (``"float"``, ``"keyword"``, ...)."""

    def get(self, track_id: str, *, vectors: VectorSelector = False, raw: VectorSelector = False) -> PointRecord | None:
        """One point, or ``None``."""
        found = self.retrieve([track_id], vectors=vectors, raw=raw)
        return found[0] if found else None

    def iter_points(self, filter: Filter | None = None, *, page_size: int = 512,
                    with_payload: bool | Sequence[str] = True, vectors: VectorSelector = False,
                    raw: VectorSelector = False) -> Iterator[PointRecord]:
        """All points matching ``filter``, paging with :meth:`scroll`."""
        offset: str | None = None
        while True:
            page, offset = self.scroll(filter, limit=page_size, offset=offset, with_payload=with_payload,
                                       vectors=vectors, raw=raw)
            yield from page
            if offset is None:
                return

    # ---------------------------------------------------------------- lifecycle
    def flush(self) -> None:
        """Make pending writes durable."""

    def optimize(self) -> None:
        """Build engine indexes (HNSW) where the engine does not do it by itself."""

    @abc.abstractmethod
    def _close(self) -> None: ...

    def close(self) -> None:
        """Flush, close the engine and release the write lock."""
        if self._closed:
            return
        self._closed = True
        try:
            self._close()
        finally:
            if self._lock is not None:
                self._lock.release()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # pragma: no cover - best effort at interpreter exit
        try:
            if not self._closed:
                self.close()
        except Exception:
            pass

    # ------------------------------------------------------------------ helpers
    def check_writable(self) -> None:
        """Raise :class:`ReadOnlyStoreError` unless the store is open for writing."""
        if self._closed:
            raise ReadOnlyStoreError(f"store at {self.location} is closed")
        if self.read_only:
            raise ReadOnlyStoreError(f"store at {self.location} is open read-only")

    def _validated(self, points: Sequence[PointRecord]) -> list[PointRecord]:
        fams = self.families()
        out = []
        for p in points:
            tid = normalize_track_id(p.track_id)
            for group, vecs in (("vectors", p.vectors), ("raw", p.raw)):
                for name, vec in vecs.items():
                    spec = fams.get(name)
                    if spec is None:
                        raise UnknownFamilyError(name, tuple(fams))
                    if group == "raw" and not spec.standardize:
                        raise ValueError(f"family {name!r} keeps no raw vectors (standardize=False)")
                    arr = np.asarray(vec, dtype=np.float32).reshape(-1)
                    if arr.shape[0] != spec.dim:
                        raise DimensionMismatchError(name, spec.dim, arr.shape[0], tid)
                    if not np.all(np.isfinite(arr)):
                        raise ValueError(f"{group} vector {name!r} of track {tid} has NaN or infinite values")
            out.append(PointRecord(tid, dict(p.payload), dict(p.vectors), dict(p.raw)))
        return out

    def _vector_names(self, vectors: VectorSelector, raw: VectorSelector) -> list[str]:
        """Engine vector names for a family selection (``True`` = all families)."""
        fams = self.families()
        names: list[str] = []
        if vectors:
            for f in (fams if vectors is True else vectors):
                self.family(f)
                names.append(f)
        if raw:
            for f in (fams if raw is True else raw):
                if self.family(f).standardize:
                    names.append(raw_name(f))
        return names


def named_vectors(point: PointRecord) -> dict[str, np.ndarray]:
    """Engine named vectors of a point: ``{family: std, family__raw: raw}``."""
    out = {name: np.asarray(v, dtype=np.float32).reshape(-1) for name, v in point.vectors.items()}
    for name, v in point.raw.items():
        out[raw_name(name)] = np.asarray(v, dtype=np.float32).reshape(-1)
    return out


def split_vectors(named: Mapping[str, Any] | None) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Inverse of :func:`named_vectors`: (standardised by family, raw by family)."""
    vecs: dict[str, np.ndarray] = {}
    raws: dict[str, np.ndarray] = {}
    for name, v in (named or {}).items():
        arr = np.asarray(v, dtype=np.float32)
        if name.endswith(RAW_SUFFIX):
            raws[name[: -len(RAW_SUFFIX)]] = arr
        else:
            vecs[name] = arr
    return vecs, raws
