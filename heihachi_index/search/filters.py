"""DJ-oriented search filters, translated to the store-neutral :class:`~heihachi_index.index.Filter`."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from heihachi_index.camelot import camelot, compatible_camelot, parse_key
from heihachi_index.index.conditions import AnyOf, Condition, Filter, MatchAny, Range


def _range(name: str, value: tuple[float, float] | None) -> tuple[float, float] | None:
    if value is None:
        return None
    lo, hi = (float(v) for v in value)
    if lo > hi:
        raise ValueError(f"{name} range must be (low, high), got ({lo}, {hi})")
    if lo < 0:
        raise ValueError(f"{name} range must not be negative, got ({lo}, {hi})")
    return lo, hi


def camelot_code(key: str) -> str:
    """Camelot code of a key name (``"F minor"``, ``"Fm"``) or a code (``"4a"``)."""
    tonic, mode = parse_key(key)
    return camelot(tonic, mode)


@dataclass(frozen=True)
class SearchFilters:
    """Filters of :func:`~heihachi_index.search.similar` (all optional, combined with AND).

    Attributes
    ----------
    tempo : (float, float), optional
        BPM range, inclusive.
    half_double_time : bool
        Also match half and double the tempo range (170-178 also matches 85-89 and 340-356).
    key : str, optional
        A key or Camelot code; matches it and its DJ-compatible keys (same, ±1, relative).
    keys : sequence of str, optional
        Exact keys or Camelot codes (any of).
    duration : (float, float), optional
        Duration range in seconds, inclusive.
    tags : sequence of str, optional
        Any of these tags.
    genre : str or sequence of str, optional
        Any of these genres.
    """

    tempo: tuple[float, float] | None = None
    half_double_time: bool = True
    key: str | None = None
    keys: Sequence[str] | None = None
    duration: tuple[float, float] | None = None
    tags: Sequence[str] | None = None
    genre: str | Sequence[str] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "tempo", _range("tempo", self.tempo))
        object.__setattr__(self, "duration", _range("duration", self.duration))
        for name in ("keys", "tags"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, (value,))
            elif value is not None:
                object.__setattr__(self, name, tuple(value))
        if isinstance(self.genre, (list, tuple)):
            object.__setattr__(self, "genre", tuple(self.genre))

    def tempo_conditions(self) -> Condition | None:
        if self.tempo is None:
            return None
        lo, hi = self.tempo
        ranges = [Range("tempo", gte=lo, lte=hi)]
        if self.half_double_time:
            ranges += [Range("tempo", gte=lo / 2, lte=hi / 2), Range("tempo", gte=lo * 2, lte=hi * 2)]
        return ranges[0] if len(ranges) == 1 else AnyOf(tuple(ranges))

    def camelot_codes(self) -> tuple[str, ...] | None:
        """Camelot codes allowed by ``key`` and ``keys`` (``None`` when neither is set)."""
        allowed: set[str] | None = None
        if self.key is not None:
            allowed = set(compatible_camelot(camelot_code(self.key)))
        if self.keys is not None:
            exact = {camelot_code(k) for k in self.keys}
            allowed = exact if allowed is None else allowed & exact
        return None if allowed is None else tuple(sorted(allowed))

    def to_filter(self) -> Filter | None:
        """The neutral filter (``None`` when no field is set).

        Raises
        ------
        ValueError
            If a key cannot be parsed, or ``key`` and ``keys`` allow no key at all.
        """
        must: list[Condition] = []
        tempo = self.tempo_conditions()
        if tempo is not None:
            must.append(tempo)
        codes = self.camelot_codes()
        if codes is not None:
            if not codes:
                raise ValueError(f"key {self.key!r} and keys {list(self.keys or ())} have no key in common")
            must.append(MatchAny("camelot", codes))
        if self.duration is not None:
            must.append(Range("duration", gte=self.duration[0], lte=self.duration[1]))
        if self.tags:
            must.append(MatchAny("tags", tuple(self.tags)))
        if self.genre:
            genres = (self.genre,) if isinstance(self.genre, str) else tuple(self.genre)
            must.append(MatchAny("genre", genres))
        return Filter(tuple(must)) if must else None
