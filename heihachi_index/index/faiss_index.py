"""In-memory FAISS index of one vector family, kept beside the store.

Rows hold L2-normalised standardised vectors, searched by inner product (= cosine). Each row
carries an int64 *slot* (the track's position in :class:`~heihachi_index.index.catalog.Catalog`);
FAISS labels are row numbers and ``slots[row]`` maps them back (an id array rather than
``IndexIDMap2``, because HNSW cannot remove ids). Deletes and replacements tombstone rows, which
searches skip through an ``IDSelectorBitmap``; the index is compacted when a quarter of it is
dead. Below ``AnnParams.threshold`` live vectors the index is exact (``IndexFlatIP``); from there
on it is ``IndexHNSWFlat``, whose flat storage still serves exact and highly selective searches.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

import faiss
import numpy as np

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnnParams:
    """When and how to use HNSW.

    Attributes
    ----------
    threshold : int
        Live vectors from which searches use HNSW instead of exact search. A one-query exact
        search costs about 0.14 ms per 1000 vectors of 641-d on one core, so exact search stays
        under ~0.7 ms below the default, and HNSW (~0.2 ms, recall@10 >= 0.95) takes over.
    m, ef_construction, ef_search : int
        HNSW graph degree, build beam and search beam.
    exact_below : int
        A filtered search that leaves fewer rows than this runs exactly: there a flat scan with an
        id selector is about 1 ms at 100k, while HNSW loses recall on very selective filters.
        Above it, filtered HNSW widens its beam by up to 8x as the filter gets more selective.
    """

    threshold: int = 5_000
    m: int = 32
    ef_construction: int = 80
    ef_search: int = 128
    exact_below: int = 2_000


def gpu_available() -> bool:
    """Whether this FAISS build has GPU support and sees a GPU (faiss-gpu with CUDA)."""
    try:
        return hasattr(faiss, "StandardGpuResources") and faiss.get_num_gpus() > 0
    except Exception:  # faiss-cpu builds may lack or stub the GPU entry points
        return False


@contextmanager
def single_thread() -> Iterator[None]:
    """Run FAISS on one OpenMP thread in this block.

    A one-query flat search split over OpenMP threads is several times *slower* than on one
    thread (12 ms vs 1.4 ms for 10k x 641 on 2 cores); HNSW search does not use OpenMP per query.
    The OpenMP thread count is per calling thread, so concurrent builds elsewhere are unaffected.
    """
    prev = faiss.omp_get_max_threads()
    if prev == 1:
        yield
        return
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(prev)


def normalize_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm (zero rows stay zero), float32."""
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.where(norms > 0, norms, 1.0)).astype(np.float32)


class FamilyIndex:
    """Exact/HNSW FAISS index over the normalised vectors of one family.

    Parameters
    ----------
    dim : int
        Vector dimension.
    params : AnnParams
        Exact/ANN switch and HNSW parameters.
    gpu : bool, optional
        Place the exact index on the GPU for unfiltered searches; default: when available.
    """

    def __init__(self, dim: int, params: AnnParams = AnnParams(), *, gpu: bool | None = None) -> None:
        self.dim = int(dim)
        self.params = params
        self.gpu = gpu_available() if gpu is None else (gpu and gpu_available())
        self._slots = np.zeros(0, dtype=np.int64)
        self._alive = np.zeros(0, dtype=bool)
        self._n = 0
        self._row_of: dict[int, int] = {}
        self._identity = True
        self._index: Any = faiss.IndexFlatIP(self.dim)
        self._gpu_index: Any = None
        self._alive_bits: np.ndarray | None = None

    # ------------------------------------------------------------------ state
    @property
    def size(self) -> int:
        """Number of live vectors."""
        return len(self._row_of)

    @property
    def kind(self) -> str:
        """``"flat"`` (exact) or ``"hnsw"``."""
        return "hnsw" if isinstance(self._index, faiss.IndexHNSW) else "flat"

    @property
    def dead(self) -> int:
        return self._n - self.size

    def __len__(self) -> int:
        return self.size

    def __contains__(self, slot: int) -> bool:
        return int(slot) in self._row_of

    @property
    def slots(self) -> np.ndarray:
        """Slots of the live vectors, in row order."""
        return self._slots[: self._n][self._alive[: self._n]].copy()

    # ------------------------------------------------------------------ build
    def _new_index(self, kind: str) -> Any:
        if kind == "flat":
            return faiss.IndexFlatIP(self.dim)
        index = faiss.IndexHNSWFlat(self.dim, self.params.m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = self.params.ef_construction
        index.hnsw.efSearch = self.params.ef_search
        return index

    def _reset(self, slots: np.ndarray, vectors: np.ndarray, kind: str) -> None:
        index = self._new_index(kind)
        if len(slots):
            index.add(vectors)
        self._index = index
        n = len(slots)
        self._slots = np.array(slots, dtype=np.int64)
        self._alive = np.ones(n, dtype=bool)
        self._n = n
        self._row_of = {int(s): i for i, s in enumerate(self._slots)}
        # slots[row] == row (the usual case after a build from the store): masks need no gather
        self._identity = bool(np.array_equal(self._slots, np.arange(n)))
        self._alive_bits = None
        self._gpu_index = None
        if self.gpu and kind == "flat":
            self._gpu_index = faiss.index_cpu_to_gpu(faiss.StandardGpuResources(), 0, index)

    def build(self, slots: np.ndarray, vectors: np.ndarray) -> "FamilyIndex":
        """Replace the contents with ``vectors`` (rows) at ``slots``, choosing exact or HNSW by size."""
        slots = np.asarray(slots, dtype=np.int64).reshape(-1)
        vectors = normalize_rows(vectors) if len(slots) else np.zeros((0, self.dim), np.float32)
        self._check_dim(vectors)
        if len(np.unique(slots)) != len(slots):
            raise ValueError("duplicate slots in FamilyIndex.build")
        self._reset(slots, vectors, "hnsw" if len(slots) >= self.params.threshold else "flat")
        return self

    def _check_dim(self, vectors: np.ndarray) -> None:
        if vectors.shape[1] != self.dim:
            raise ValueError(f"FamilyIndex has dimension {self.dim}, got vectors of dimension {vectors.shape[1]}")

    def _live(self) -> tuple[np.ndarray, np.ndarray]:
        rows = np.flatnonzero(self._alive[: self._n])
        return self._slots[rows], self._reconstruct(rows)

    def compact(self, kind: str | None = None) -> None:
        """Drop tombstoned rows (and switch kind when asked)."""
        slots, vectors = self._live()
        self._reset(slots, vectors, kind or self.kind)

    # ---------------------------------------------------------------- updates
    def add(self, slots: np.ndarray, vectors: np.ndarray) -> None:
        """Add or replace the vectors at ``slots``."""
        slots = np.asarray(slots, dtype=np.int64).reshape(-1)
        if not len(slots):
            return
        vectors = normalize_rows(vectors)
        self._check_dim(vectors)
        if len(np.unique(slots)) != len(slots):
            raise ValueError("duplicate slots in FamilyIndex.add")
        self.remove(slots)
        need = self._n + len(slots)
        if need > len(self._slots):
            cap = max(need, 2 * len(self._slots), 1024)
            self._slots = np.resize(self._slots, cap)
            grown = np.zeros(cap, dtype=bool)
            grown[: self._n] = self._alive[: self._n]
            self._alive = grown
        self._index.add(vectors)
        if self._gpu_index is not None:
            self._gpu_index.add(vectors)
        self._identity = self._identity and bool(np.array_equal(slots, np.arange(self._n, need)))
        self._slots[self._n: need] = slots
        self._alive[self._n: need] = True
        for i, s in enumerate(slots):
            self._row_of[int(s)] = self._n + i
        self._n = need
        self._alive_bits = None
        if self.kind == "flat" and self.size >= self.params.threshold:
            log.info("FAISS: %d vectors, switching to HNSW", self.size)
            self.compact("hnsw")
        else:
            self._maybe_compact()

    def remove(self, slots: np.ndarray) -> int:
        """Tombstone the vectors at ``slots``; returns how many were present."""
        removed = 0
        for s in np.asarray(slots, dtype=np.int64).reshape(-1):
            row = self._row_of.pop(int(s), None)
            if row is not None:
                self._alive[row] = False
                removed += 1
        if removed:
            self._alive_bits = None
            if self._gpu_index is not None:
                self._gpu_index = None  # GPU copy serves only tombstone-free indexes; rebuilt on compaction
            self._maybe_compact()
        return removed

    def _maybe_compact(self) -> None:
        if self.dead > max(1000, self._n // 4):
            self.compact("hnsw" if self.size >= self.params.threshold else "flat")

    # ------------------------------------------------------------------ reads
    def _reconstruct(self, rows: np.ndarray) -> np.ndarray:
        if not len(rows):
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._index.reconstruct_batch(np.asarray(rows, dtype=np.int64))

    def vectors(self, slots: np.ndarray) -> np.ndarray:
        """Stored (normalised) vectors at ``slots``.

        Raises
        ------
        KeyError
            If a slot has no vector.
        """
        rows = [self._row_of[int(s)] for s in np.asarray(slots, dtype=np.int64).reshape(-1)]
        return self._reconstruct(np.array(rows, dtype=np.int64))

    def _flat(self) -> Any:
        return faiss.downcast_index(self._index.storage) if self.kind == "hnsw" else self._index

    def search(self, query: np.ndarray, k: int, *, allowed: np.ndarray | None = None,
               exact: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` slots by cosine similarity.

        Parameters
        ----------
        query : ndarray
            Query vector (any norm).
        k : int
            Number of results.
        allowed : ndarray of bool, optional
            Mask over slots (e.g. a filter); slots beyond its length are not allowed.
        exact : bool, optional
            Force exact (``True``) or the index's own mode (``None``/``False``).

        Returns
        -------
        slots, scores : ndarray
            Best first.
        """
        q = normalize_rows(query)
        self._check_dim(q)
        n = self._n
        row_mask: np.ndarray | None = None
        if allowed is not None:
            allowed = np.asarray(allowed, dtype=bool)
            if self._identity and len(allowed) >= n:
                row_mask = allowed[:n] & self._alive[:n]
            else:
                slots = self._slots[:n]
                row_mask = np.zeros(n, dtype=bool)
                inside = slots < len(allowed)
                row_mask[inside] = allowed[slots[inside]]
                row_mask &= self._alive[:n]
            selected = int(np.count_nonzero(row_mask))
        else:
            selected = self.size
        k = min(int(k), selected)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        with single_thread():
            return self._search(q, k, row_mask, selected, exact)

    def _search(self, q: np.ndarray, k: int, row_mask: np.ndarray | None, selected: int,
                exact: bool | None) -> tuple[np.ndarray, np.ndarray]:
        bits = self._bits(row_mask)
        use_exact = bool(exact) or self.kind == "flat" or (row_mask is not None and selected < self.params.exact_below)
        if use_exact:
            if bits is None and self._gpu_index is not None and k <= 2048:  # GPU k-selection limit
                scores, rows = self._gpu_index.search(q, k)
            else:
                params = faiss.SearchParameters(sel=bits[1]) if bits is not None else None
                scores, rows = self._flat().search(q, k, params=params)
        else:
            frac = selected / max(self.size, 1)
            params = faiss.SearchParametersHNSW()
            # Measured at 100k: a 5% filter needs ~4x the beam for recall 0.99, 16% and up need none.
            widen = float(np.clip(0.2 / max(frac, 1e-9), 1.0, 8.0))
            params.efSearch = int(max(self.params.ef_search, 2 * k) * widen)
            if bits is not None:
                params.sel = bits[1]
            scores, rows = self._index.search(q, k, params=params)
        rows, scores = rows[0], scores[0]
        keep = rows >= 0
        return self._slots[rows[keep]], scores[keep]

    def _bits(self, row_mask: np.ndarray | None) -> tuple[np.ndarray, Any] | None:
        """(bitmap, IDSelectorBitmap) for a row mask; the alive mask when rows are dead; else None."""
        if row_mask is None:
            if self.dead == 0:
                return None
            if self._alive_bits is None:
                self._alive_bits = np.packbits(self._alive[: self._n], bitorder="little")
            packed = self._alive_bits
        else:
            packed = np.packbits(row_mask, bitorder="little")
        # The bitmap array must outlive the selector: both are returned together.
        return packed, faiss.IDSelectorBitmap(len(packed), faiss.swig_ptr(packed))
