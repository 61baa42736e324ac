"""Track slots and the payload fields that filters use, in memory, for the FAISS search path.

A slot is a small integer per track id, stable for the life of the process (never reused).
:meth:`Catalog.mask` evaluates a neutral :class:`~heihachi_index.index.conditions.Filter` over all
slots with numpy, with the same semantics as ``Filter.matches`` and the Qdrant translation.
"""
from __future__ import annotations

import math
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from heihachi_index.index.conditions import MISSING, AnyOf, Condition, Filter, MatchAny, Range, lookup
from heihachi_index.index.payload import FILTER_FIELDS


class Catalog:
    """Slots of the tracks in the index and the values of their filter fields.

    Parameters
    ----------
    fields : sequence of str
        Payload fields kept (dotted paths allowed).
    """

    def __init__(self, fields: Sequence[str] = FILTER_FIELDS) -> None:
        self.fields = tuple(fields)
        self._ids: list[str] = []
        self._slot_of: dict[str, int] = {}
        self._alive = np.zeros(0, dtype=bool)
        self._values: dict[str, list[Any]] = {f: [] for f in self.fields}
        self._numeric: dict[str, tuple[np.ndarray | None, np.ndarray]] = {}
        self._keyword: dict[str, dict[Any, np.ndarray]] = {}
        self.generation = 0  # bumped by every change: caches built from the catalog compare it

    # ---------------------------------------------------------------- updates
    def __len__(self) -> int:
        return int(self._alive.sum())

    @property
    def capacity(self) -> int:
        """Number of slots ever allocated (the length of masks)."""
        return len(self._ids)

    def slot(self, track_id: str) -> int | None:
        s = self._slot_of.get(track_id)
        return s if s is not None and self._alive[s] else None

    def track_id(self, slot: int) -> str:
        return self._ids[int(slot)]

    def track_ids(self, slots: Iterable[int]) -> list[str]:
        return [self._ids[int(s)] for s in slots]

    def upsert(self, track_id: str, payload: Mapping[str, Any]) -> int:
        """Add or update a track; returns its slot."""
        slot = self._slot_of.get(track_id)
        if slot is None:
            slot = len(self._ids)
            self._ids.append(track_id)
            self._slot_of[track_id] = slot
            if slot >= len(self._alive):
                grown = np.zeros(max(1024, 2 * len(self._alive)), dtype=bool)
                grown[: len(self._alive)] = self._alive
                self._alive = grown
            for f in self.fields:
                self._values[f].append(None)
        self._alive[slot] = True
        for f in self.fields:
            value = lookup(payload, f)
            self._values[f][slot] = None if value is MISSING else value
        self._numeric.clear()
        self._keyword.clear()
        self.generation += 1
        return slot

    def remove(self, track_id: str) -> int | None:
        """Forget a track; returns its former slot."""
        slot = self._slot_of.get(track_id)
        if slot is None or not self._alive[slot]:
            return None
        self._alive[slot] = False
        for f in self.fields:
            self._values[f][slot] = None
        self._numeric.clear()
        self._keyword.clear()
        self.generation += 1
        return slot

    # ------------------------------------------------------------------ masks
    def alive(self) -> np.ndarray:
        return self._alive[: self.capacity].copy()

    def mask(self, flt: Filter | None) -> np.ndarray:
        """Boolean mask over slots: live tracks matching ``flt``."""
        out = self.alive()
        if flt is None:
            return out
        for cond in flt.must:
            out &= self._condition_mask(cond)
        for tid in flt.exclude_ids:
            s = self._slot_of.get(tid)
            if s is not None:
                out[s] = False
        return out

    def _condition_mask(self, cond: Condition) -> np.ndarray:
        if isinstance(cond, AnyOf):
            out = np.zeros(self.capacity, dtype=bool)
            for c in cond.conditions:
                out |= self._condition_mask(c)
            return out
        if cond.key not in self._values:
            raise KeyError(f"payload field {cond.key!r} is not kept for in-memory filtering "
                           f"(kept: {', '.join(self.fields)})")
        out = np.zeros(self.capacity, dtype=bool)
        if isinstance(cond, Range):
            slots, values = self._numeric_column(cond.key)
            ok = np.ones(len(values), dtype=bool)
            if cond.gte is not None:
                ok &= values >= cond.gte  # NaN (missing) compares False
            if cond.lte is not None:
                ok &= values <= cond.lte
            if slots is None:
                return ok
            out[slots[ok]] = True
        elif isinstance(cond, MatchAny):
            index = self._keyword_column(cond.key)
            for v in cond.values:
                hit = index.get((isinstance(v, str), v))
                if hit is not None:
                    out[hit] = True
        else:
            raise TypeError(f"unsupported condition {cond!r}")
        return out

    def _flat_values(self, key: str) -> Iterable[tuple[int, Any]]:
        for slot, value in enumerate(self._values[key]):
            if value is None:
                continue
            for v in (value if isinstance(value, (list, tuple)) else (value,)):
                yield slot, v

    def _numeric_column(self, key: str) -> tuple[np.ndarray | None, np.ndarray]:
        """Numeric values of ``key``: ``(None, dense)`` with NaN for missing when every slot has at
        most one value (the fast, common case), else flattened ``(slots, values)`` pairs."""
        if key not in self._numeric:
            pairs = [(s, float(v)) for s, v in self._flat_values(key)
                     if isinstance(v, (int, float)) and not isinstance(v, bool) and not math.isnan(v)]
            slots = np.array([p[0] for p in pairs], dtype=np.int64)
            values = np.array([p[1] for p in pairs], dtype=np.float64)
            if len(np.unique(slots)) == len(slots):
                dense = np.full(self.capacity, np.nan)
                dense[slots] = values
                self._numeric[key] = (None, dense)
            else:
                self._numeric[key] = (slots, values)
        return self._numeric[key]

    def _keyword_column(self, key: str) -> dict[Any, np.ndarray]:
        """Inverted index (is_str, value) -> slots for string and integer values of ``key``."""
        if key not in self._keyword:
            index: dict[Any, list[int]] = {}
            for s, v in self._flat_values(key):
                if isinstance(v, bool) or not isinstance(v, (str, int)):
                    continue
                index.setdefault((isinstance(v, str), v), []).append(s)
            self._keyword[key] = {k: np.array(v, dtype=np.int64) for k, v in index.items()}
        return self._keyword[key]
