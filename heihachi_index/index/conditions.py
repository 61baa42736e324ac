"""Store-neutral filters.

One small filter model is translated to Qdrant filters by each store adapter and evaluated in
memory (``Filter.matches`` / :class:`heihachi_index.index.catalog.Catalog`) on the FAISS path, so
both search paths apply the same semantics. Semantics follow Qdrant: a condition on an array
field matches when any element matches; a missing field never matches; ranges are inclusive.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Union

from heihachi_index.index.ids import normalize_track_id

MISSING = object()  # what lookup() returns for an absent field


@dataclass(frozen=True)
class Range:
    """``gte <= payload[key] <= lte`` on a numeric field (either bound may be omitted)."""

    key: str
    gte: float | None = None
    lte: float | None = None

    def __post_init__(self) -> None:
        if self.gte is None and self.lte is None:
            raise ValueError(f"range on {self.key!r} needs gte or lte")
        if self.gte is not None and self.lte is not None and self.gte > self.lte:
            raise ValueError(f"range on {self.key!r}: gte {self.gte} > lte {self.lte}")

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            return False
        return (self.gte is None or value >= self.gte) and (self.lte is None or value <= self.lte)


@dataclass(frozen=True)
class MatchAny:
    """``payload[key]`` equals one of ``values`` (keyword or integer match)."""

    key: str
    values: tuple[str | int, ...]

    def __post_init__(self) -> None:
        values = tuple(self.values)
        if not values:
            raise ValueError(f"match on {self.key!r} needs at least one value")
        if not (all(isinstance(v, str) for v in values)
                or all(isinstance(v, int) and not isinstance(v, bool) for v in values)):
            raise ValueError(f"match on {self.key!r}: values must be all strings or all integers")
        object.__setattr__(self, "values", values)

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool):
            return False
        return isinstance(value, (str, int)) and value in self.values


@dataclass(frozen=True)
class AnyOf:
    """At least one of ``conditions`` holds (Qdrant ``should``)."""

    conditions: tuple["Condition", ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "conditions", tuple(self.conditions))
        if not self.conditions:
            raise ValueError("AnyOf needs at least one condition")


Condition = Union[Range, MatchAny, AnyOf]


def lookup(payload: Mapping[str, Any], key: str) -> Any:
    """Value at a dotted ``key`` of a payload, or a sentinel when absent."""
    node: Any = payload
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return MISSING
        node = node[part]
    return node


def condition_matches(cond: Condition, payload: Mapping[str, Any]) -> bool:
    if isinstance(cond, AnyOf):
        return any(condition_matches(c, payload) for c in cond.conditions)
    value = lookup(payload, cond.key)
    if value is MISSING or value is None:
        return False
    values = value if isinstance(value, (list, tuple)) else (value,)
    return any(cond.accepts(v) for v in values)


@dataclass(frozen=True)
class Filter:
    """All of ``must`` hold and the point is not one of ``exclude_ids``."""

    must: tuple[Condition, ...] = ()
    exclude_ids: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        object.__setattr__(self, "must", tuple(self.must))
        object.__setattr__(self, "exclude_ids", frozenset(normalize_track_id(t) for t in self.exclude_ids))

    @property
    def is_empty(self) -> bool:
        return not self.must and not self.exclude_ids

    def excluding(self, track_ids: Iterable[str]) -> "Filter":
        """This filter, also excluding ``track_ids``."""
        return Filter(self.must, self.exclude_ids | {normalize_track_id(t) for t in track_ids})

    def matches(self, payload: Mapping[str, Any], track_id: str | None = None) -> bool:
        """Evaluate the filter on one payload (reference semantics for both search paths)."""
        if track_id is not None and self.exclude_ids and normalize_track_id(track_id) in self.exclude_ids:
            return False
        return all(condition_matches(c, payload) for c in self.must)


def combine(*filters: Filter | None) -> Filter | None:
    """Conjunction of filters; ``None`` when all are empty."""
    must: list[Condition] = []
    excluded: set[str] = set()
    for f in filters:
        if f is not None:
            must.extend(f.must)
            excluded |= f.exclude_ids
    out = Filter(tuple(must), frozenset(excluded))
    return None if out.is_empty else out
