"""Z-score statistics of a vector family, computed from the corpus and versioned in the data dir.

Layout: ``<data_dir>/stats/<family>/v000003.npz`` (one file per version, never rewritten) and
``<data_dir>/stats/<family>/current.json`` naming the current version. Both are written to a
temporary file and renamed, so a crash leaves either the old or the new current version.
"""
from __future__ import annotations

import io
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from heihachi_index.index.families import family_weights

STATS_FORMAT = 1
# A dimension whose spread is below this (relative to its magnitude) is treated as constant.
STD_EPS = 1e-9


@dataclass(frozen=True)
class Stats:
    """Per-dimension mean and standard deviation of one family.

    Attributes
    ----------
    family : str
    version : int
        Increases by one each time the statistics move; recorded per point as ``stats_version``.
    mean, std : ndarray
        float64 vectors; ``std`` is the scale a dimension is divided by: its standard deviation
        (guarded: constant dimensions have 1) divided by its family weight
        (:func:`~heihachi_index.index.families.family_weights`).
    count : int
        Number of vectors the statistics were computed from.
    created_at : float
        Unix seconds.
    """

    family: str
    version: int
    mean: np.ndarray
    std: np.ndarray
    count: int
    created_at: float

    @property
    def dim(self) -> int:
        return int(self.mean.shape[0])

    def apply(self, raw: np.ndarray) -> np.ndarray:
        """Standardise raw vectors (1-d or 2-d) to float32."""
        raw = np.asarray(raw, dtype=np.float64)
        if raw.shape[-1] != self.dim:
            raise ValueError(f"family {self.family!r} statistics have dimension {self.dim}, got {raw.shape[-1]}")
        return ((raw - self.mean) / self.std).astype(np.float32)

    def moved(self, other: "Stats", tol: float) -> bool:
        """Whether ``other`` differs from these statistics by more than ``tol`` (in units of std)."""
        if other.dim != self.dim:
            return True
        shift = np.max(np.abs(other.mean - self.mean) / self.std)
        spread = np.max(np.abs(other.std - self.std) / self.std)
        return bool(max(shift, spread) > tol)

    def with_version(self, version: int) -> "Stats":
        return Stats(self.family, int(version), self.mean, self.std, self.count, self.created_at)


def guard_std(std: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Replace (near-)zero standard deviations by 1 so constant dimensions standardise to 0."""
    std = np.asarray(std, dtype=np.float64).copy()
    bad = ~np.isfinite(std) | (std <= STD_EPS * np.maximum(1.0, np.abs(mean)))
    std[bad] = 1.0
    return std


def compute_stats(family: str, raw: np.ndarray, version: int) -> Stats:
    """Statistics of raw vectors (rows), in float64.

    Rows should come in a fixed order (e.g. sorted by track id) so that the result does not depend
    on ingest order down to the last bit.
    """
    raw = np.asarray(raw, dtype=np.float64)
    if raw.ndim != 2 or raw.shape[0] == 0:
        raise ValueError(f"family {family!r}: need a non-empty 2-d array of raw vectors, got shape {raw.shape}")
    mean = raw.mean(axis=0)
    std = guard_std(raw.std(axis=0), mean) / family_weights(family, raw.shape[1])
    return Stats(family, int(version), mean, std, int(raw.shape[0]), time.time())


def identity_stats(family: str, dim: int, version: int) -> Stats:
    """Mean 0, unit spread: used until there are two vectors to compute statistics from."""
    return Stats(family, int(version), np.zeros(dim), 1.0 / family_weights(family, dim), 0, time.time())


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class StatsRepository:
    """Versioned statistics files under ``<data_dir>/stats``."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.root = Path(data_dir) / "stats"
        self._cache: dict[str, Stats | None] = {}

    def _dir(self, family: str) -> Path:
        return self.root / family

    def versions(self, family: str) -> list[int]:
        d = self._dir(family)
        if not d.exists():
            return []
        return sorted(int(p.stem[1:]) for p in d.glob("v*.npz") if p.stem[1:].isdigit())

    def load(self, family: str, version: int) -> Stats:
        path = self._dir(family) / f"v{version:06d}.npz"
        if not path.exists():
            raise FileNotFoundError(f"statistics version {version} of family {family!r} not found at {path}")
        with np.load(path) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != STATS_FORMAT:
                raise ValueError(f"{path}: unsupported statistics format {meta.get('format')!r}")
            return Stats(family, int(meta["version"]), data["mean"].astype(np.float64),
                         data["std"].astype(np.float64), int(meta["count"]), float(meta["created_at"]))

    def current(self, family: str) -> Stats | None:
        """Current statistics of ``family`` (``None`` before the first ingest)."""
        if family not in self._cache:
            pointer = self._dir(family) / "current.json"
            if not pointer.exists():
                return None
            self._cache[family] = self.load(family, int(json.loads(pointer.read_text())["version"]))
        return self._cache[family]

    def save(self, stats: Stats) -> Path:
        """Write a new version and make it current."""
        d = self._dir(stats.family)
        d.mkdir(parents=True, exist_ok=True)
        path = d / f"v{stats.version:06d}.npz"
        meta = {"format": STATS_FORMAT, "family": stats.family, "version": stats.version, "count": stats.count,
                "created_at": stats.created_at}
        buf = io.BytesIO()
        np.savez(buf, mean=stats.mean, std=stats.std, meta=np.array(json.dumps(meta)))
        _atomic_write(path, buf.getvalue())
        _atomic_write(d / "current.json", json.dumps({"version": stats.version, "format": STATS_FORMAT}).encode())
        self._cache[stats.family] = stats
        return path

    def invalidate(self) -> None:
        self._cache.clear()
