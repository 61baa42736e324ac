"""``WindowStore``: per-window vectors of each track and family on disk, for moment search.

Layout: ``<data_dir>/windows/<family>/<id[:2]>/<track_id>.npz`` holding ``vectors`` (float16,
``(n, dim)``), ``starts`` and ``durations`` (float32 seconds) and ``window_seconds``. Files are
written to a temporary name and renamed, so a crash never leaves half a file.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import numpy as np

from heihachi_index.index.families import validate_family_name
from heihachi_index.index.ids import normalize_track_id

if TYPE_CHECKING:  # torch is imported only where embeddings are made
    from heihachi_index.embed.base import Embedding


@dataclass
class WindowSet:
    """Stored windows of one track: ``vectors`` (n, dim) float32, ``starts``/``durations`` (n,) seconds."""

    vectors: np.ndarray
    starts: np.ndarray
    durations: np.ndarray
    window_seconds: float


class WindowStore:
    """Window vectors under ``<data_dir>/windows``."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.root = Path(data_dir).expanduser() / "windows"

    def path(self, family: str, track_id: str) -> Path:
        tid = normalize_track_id(track_id)
        return self.root / validate_family_name(family) / tid[:2] / f"{tid}.npz"

    def save(self, family: str, track_id: str, embedding: Embedding) -> Path:
        """Write (or replace) a track's windows."""
        vectors = np.asarray(embedding.windows, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != len(embedding.starts):
            raise ValueError(f"windows of shape {vectors.shape} do not match {len(embedding.starts)} starts")
        if not np.all(np.isfinite(vectors)):
            raise ValueError(f"window vectors of track {track_id} have NaN or infinite values")
        durations = embedding.durations if len(embedding.durations) == len(vectors) else \
            np.full(len(vectors), embedding.window_seconds)
        target = self.path(family, track_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            np.savez(fh, vectors=vectors.astype(np.float16), starts=np.asarray(embedding.starts, np.float32),
                     durations=np.asarray(durations, np.float32), window_seconds=np.float32(embedding.window_seconds))
        os.replace(tmp, target)
        return target

    def load(self, family: str, track_id: str) -> WindowSet | None:
        """A track's windows, or ``None`` when none are stored."""
        p = self.path(family, track_id)
        if not p.exists():
            return None
        with np.load(p) as data:
            return WindowSet(data["vectors"].astype(np.float32), data["starts"].astype(np.float64),
                             data["durations"].astype(np.float64), float(data["window_seconds"]))

    def has(self, family: str, track_id: str) -> bool:
        return self.path(family, track_id).exists()

    def families(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if p.is_dir()) if self.root.exists() else []

    def track_ids(self, family: str) -> Iterator[str]:
        base = self.root / validate_family_name(family)
        if base.exists():
            for p in sorted(base.glob("*/*.npz")):
                yield p.stem

    def delete(self, track_id: str) -> int:
        """Remove a track's windows in every family; returns how many files were removed."""
        removed = 0
        for family in self.families():
            p = self.path(family, track_id)
            if p.exists():
                p.unlink()
                removed += 1
        return removed

    def clear(self, family: str) -> None:
        """Remove all windows of a family."""
        shutil.rmtree(self.root / validate_family_name(family), ignore_errors=True)
