"""Hard constraints in a text query: tempo, key and duration.

:func:`parse_constraints` finds them with regular expressions and returns the character spans it
used, so that the rest of the query can be read for concepts. Tempo words (slow, fast) stay soft
concepts; only numbers make constraints.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from heihachi_index.camelot import PITCH_CLASSES, camelot, key_name, normalize_pitch, parse_key

# Relative width of "around N" and of a bare "N bpm" (a tempo estimate is good to ~1 %).
AROUND_TEMPO = 0.04
EXACT_TEMPO = 0.02
# Relative width of a duration given as one number ("5 minutes", "around 4 min").
AROUND_DURATION = 0.10
# Bare numbers read as a tempo only inside this range ("174" is a tempo, "2000" is not).
BARE_TEMPO_RANGE = (60.0, 220.0)
PLAUSIBLE_TEMPO = (20.0, 400.0)


@dataclass(frozen=True)
class TempoRange:
    """A tempo constraint in BPM.

    Attributes
    ----------
    low, high : float or None
        Inclusive bounds; ``None`` is open.
    center : float
        The tempo asked for (middle of a range, or the bound of an open range); results without
        concepts are ordered by closeness to it.
    half_double_time : bool
        Also match half and double the range (true for "174", "around 170", "160-175"; false for
        open bounds such as "over 170", where half time would match nearly everything).
    text : str
        The words that gave it.
    """

    low: float | None
    high: float | None
    center: float
    half_double_time: bool = True
    text: str = ""

    def intersect(self, other: "TempoRange") -> "TempoRange":
        """Both constraints at once ("over 160 and under 180")."""
        lows = [v for v in (self.low, other.low) if v is not None]
        highs = [v for v in (self.high, other.high) if v is not None]
        low, high = (max(lows) if lows else None), (min(highs) if highs else None)
        if low is not None and high is not None and low > high:
            raise ValueError(f"tempo constraints {self.text!r} and {other.text!r} exclude each other")
        center = (low + high) / 2 if low is not None and high is not None else (low if low is not None else high)
        return TempoRange(low, high, float(center), self.half_double_time and other.half_double_time,
                          f"{self.text}; {other.text}")


@dataclass(frozen=True)
class DurationRange:
    """A duration constraint in seconds (``None`` bounds are open)."""

    low: float | None
    high: float | None
    text: str = ""


@dataclass(frozen=True)
class Constraints:
    """Hard constraints of a query.

    Attributes
    ----------
    tempo : TempoRange, optional
    keys : tuple of str
        Exact keys asked for ("F minor"), any of them.
    compatible_key : str, optional
        A key whose DJ-compatible keys are wanted ("mixable with 4A").
    mode : {"major", "minor"}, optional
        Any key of that mode ("minor key").
    duration : DurationRange, optional
    """

    tempo: TempoRange | None = None
    keys: tuple[str, ...] = ()
    compatible_key: str | None = None
    mode: str | None = None
    duration: DurationRange | None = None

    @property
    def empty(self) -> bool:
        return (self.tempo is None and not self.keys and self.compatible_key is None and self.mode is None
                and self.duration is None)

    def camelot_keys(self) -> tuple[str, ...]:
        """Camelot codes allowed by ``keys`` and ``mode`` (empty when neither is set)."""
        codes = [camelot(*parse_key(k)) for k in self.keys]
        if self.mode is not None:
            mode_codes = {camelot(p, self.mode) for p in PITCH_CLASSES}
            codes = [c for c in codes if c in mode_codes] if codes else sorted(mode_codes, key=_camelot_order)
            if not codes:
                raise ValueError(f"keys {list(self.keys)} are not {self.mode} keys")
        return tuple(dict.fromkeys(codes))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.tempo is not None:
            t = self.tempo
            out["tempo"] = {"min": t.low, "max": t.high, "center": t.center, "half_double_time": t.half_double_time,
                            "text": t.text}
        if self.keys:
            out["keys"] = [{"key": k, "camelot": camelot(*parse_key(k))} for k in self.keys]
        if self.compatible_key is not None:
            out["compatible_key"] = {"key": self.compatible_key, "camelot": camelot(*parse_key(self.compatible_key))}
        if self.mode is not None:
            out["mode"] = self.mode
        if self.duration is not None:
            out["duration"] = {"min": self.duration.low, "max": self.duration.high, "text": self.duration.text}
        return out


def _camelot_order(code: str) -> tuple[int, str]:
    return int(code[:-1]), code[-1]


@dataclass
class _Found:
    """Constraints found so far and the spans they used."""

    spans: list[tuple[int, int]] = field(default_factory=list)
    tempo: TempoRange | None = None
    keys: list[str] = field(default_factory=list)
    compatible_key: str | None = None
    mode: str | None = None
    duration: DurationRange | None = None

    def free(self, start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in self.spans)

    def add_tempo(self, t: TempoRange) -> None:
        self.tempo = t if self.tempo is None else self.tempo.intersect(t)

    def add_duration(self, d: DurationRange) -> None:
        if self.duration is None:
            self.duration = d
            return
        lows = [v for v in (self.duration.low, d.low) if v is not None]
        highs = [v for v in (self.duration.high, d.high) if v is not None]
        low, high = (max(lows) if lows else None), (min(highs) if highs else None)
        if low is not None and high is not None and low > high:
            raise ValueError(f"duration constraints {self.duration.text!r} and {d.text!r} exclude each other")
        self.duration = DurationRange(low, high, f"{self.duration.text}; {d.text}")


# ------------------------------------------------------------------ duration
_DNUM = r"(\d+(?::\d{2})?(?:\.\d+)?)"
_MIN = r"(?:minutes?|mins?|m)"
_SEC = r"(?:seconds?|secs?|sec)"
_UNIT = rf"(?:\s*-?\s*(?P<unit>{_MIN}|{_SEC})(?![a-z]))"
_LESS = r"under|below|less than|shorter than|at most|max(?:imum)?|up to|no longer than|not longer than|within|<=?"
_MORE = r"over|above|more than|longer than|at least|min(?:imum)?|no shorter than|not shorter than|>=?"
_ABOUT = r"around|about|approximately|approx\.?|roughly|~|circa|ca\.|near|close to|somewhere around"
_DURATION_PATTERNS = (
    ("range", re.compile(rf"\bbetween\s+{_DNUM}\s*(?:and|to|-|–)\s*{_DNUM}{_UNIT}", re.I)),
    ("range", re.compile(rf"(?<![\w.:]){_DNUM}\s*(?:to|-|–)\s*{_DNUM}{_UNIT}", re.I)),
    ("high", re.compile(rf"(?:(?<![\w])(?:{_LESS})|<=?)\s*{_DNUM}(?:{_UNIT}|(?<=\d\d)(?=\s|$))", re.I)),
    ("low", re.compile(rf"(?:(?<![\w])(?:{_MORE})|>=?)\s*{_DNUM}(?:{_UNIT}|(?<=\d\d)(?=\s|$))", re.I)),
    ("about", re.compile(rf"(?:(?<![\w])(?:{_ABOUT})|~)\s*{_DNUM}{_UNIT}(?:\s+long)?", re.I)),
    ("about", re.compile(rf"(?<![\w.:]){_DNUM}{_UNIT}(?:\s+long)?", re.I)),
)


def _seconds(number: str, unit: str | None) -> float:
    if ":" in number:
        minutes, seconds = number.split(":")
        return 60.0 * float(minutes) + float(seconds)
    value = float(number)
    if unit is None or unit.lower().startswith("m"):
        return 60.0 * value
    return value


def _parse_durations(text: str, found: _Found) -> None:
    for kind, pattern in _DURATION_PATTERNS:
        for m in pattern.finditer(text):
            if not found.free(m.start(), m.end()):
                continue
            numbers = [g for g in m.groups() if g is not None and g[0].isdigit()]
            unit = m.groupdict().get("unit")
            if unit is None and not all(":" in n for n in numbers):
                continue  # "under 100" is a tempo; a duration needs a unit or mm:ss
            values = [_seconds(n, unit) for n in numbers]
            if kind == "range":
                low, high = sorted(values)
            elif kind == "high":
                low, high = None, values[0]
            elif kind == "low":
                low, high = values[0], None
            else:
                low, high = values[0] * (1 - AROUND_DURATION), values[0] * (1 + AROUND_DURATION)
            found.spans.append(m.span())
            found.add_duration(DurationRange(low, high, m.group(0).strip()))


# --------------------------------------------------------------------- tempo
_TNUM = r"(\d{2,3}(?:\.\d+)?)"
_BPM = r"(?P<bpm>\s*(?:bpm|beats per minute|b\.p\.m\.?)(?![a-z]))"
_TEMPO_PATTERNS = (
    ("range", re.compile(rf"\bbetween\s+{_TNUM}\s*(?:and|to|-|–)\s*{_TNUM}{_BPM}?", re.I)),
    ("range", re.compile(rf"(?<![\w.:]){_TNUM}\s*(?:to|-|–|—)\s*{_TNUM}(?![\w.:%]){_BPM}?", re.I)),
    ("low", re.compile(rf"(?:(?<![\w])(?:{_MORE}|faster than|greater than|higher than)|>=?)\s*{_TNUM}(?![\w.:%]){_BPM}?",
                       re.I)),
    ("high", re.compile(rf"(?:(?<![\w])(?:{_LESS}|slower than|lower than)|<=?)\s*{_TNUM}(?![\w.:%]){_BPM}?", re.I)),
    ("low", re.compile(rf"(?<![\w.:]){_TNUM}\s*(?:\+|{_BPM}?\s*(?:or|and)\s+(?:more|faster|above|over|up))", re.I)),
    ("high", re.compile(rf"(?<![\w.:]){_TNUM}{_BPM}?\s*(?:or|and)\s+(?:less|slower|below|under)\b", re.I)),
    ("about", re.compile(rf"(?:(?<![\w])(?:{_ABOUT})|~)\s*{_TNUM}(?![\w.:%]){_BPM}?", re.I)),
    ("exact", re.compile(rf"(?:\bat\s+)?(?<![\w.:]){_TNUM}{_BPM}", re.I)),
    ("bare", re.compile(rf"(?<![\w.:#]){_TNUM}(?![\w.:%#+])", re.I)),
)


def _parse_tempi(text: str, found: _Found) -> None:
    for kind, pattern in _TEMPO_PATTERNS:
        for m in pattern.finditer(text):
            if not found.free(m.start(), m.end()):
                continue
            values = [float(g) for g in m.groups()[:2] if g is not None and g[0].isdigit()]
            has_bpm = bool(m.groupdict().get("bpm"))
            lo_ok, hi_ok = BARE_TEMPO_RANGE if kind == "bare" else PLAUSIBLE_TEMPO
            if not all(lo_ok <= v <= hi_ok for v in values) and not has_bpm:
                continue
            if kind == "range":
                low, high = sorted(values)
                t = TempoRange(low, high, (low + high) / 2, True, m.group(0).strip())
            elif kind == "low":
                t = TempoRange(values[0], None, values[0], False, m.group(0).strip())
            elif kind == "high":
                t = TempoRange(None, values[0], values[0], False, m.group(0).strip())
            else:
                width = AROUND_TEMPO if kind == "about" else EXACT_TEMPO
                v = values[0]
                t = TempoRange(round(v * (1 - width), 2), round(v * (1 + width), 2), v, True, m.group(0).strip())
            found.spans.append(m.span())
            found.add_tempo(t)


# ----------------------------------------------------------------------- key
_ACC = r"(?:\s?(?:#|♯|♭|b(?![a-ln-z])|-?sharp|-?flat))"
_QUALITY = r"(?:\s?(?P<q>major|minor|maj|min|m)(?![a-z#]))"
_KEY = rf"(?P<tonic>[A-Ga-g])(?P<acc>{_ACC})?{_QUALITY}?"
_CAMELOT = r"(?P<cam>1[0-2]|[1-9])(?P<letter>[ABab])"
_MODE_ONLY = re.compile(r"\b(?:in\s+)?(?:(?:a|any)\s+)?(?P<mode>minor|major)[\s-]+(?:keys?|scales?|modes?|tonality)\b",
                        re.I)
_COMPATIBLE = re.compile(rf"\b(?:compatible|mixable|harmonic(?:ally compatible)?|mix(?:es)?|blends?)\s+(?:with|to|into)\s+"
                         rf"(?:(?P<prefix>key\s+of\s+|key\s+)?(?<![\w#]){_KEY}(?![\w#])|(?<![\w]){_CAMELOT}(?![\w]))", re.I)
_NAMED_KEY = re.compile(rf"(?P<prefix>\b(?:in|key\s+of|key)\s+)?(?<![\w#']){_KEY}(?![\w#'])", re.I)
_CAMELOT_KEY = re.compile(rf"(?<![\w.:]){_CAMELOT}(?![\w])")
_BARE_MODE = re.compile(r"\b(?P<mode>minor|major)\b", re.I)


def _key_from_match(m: re.Match[str]) -> str | None:
    """Canonical key name of a key-like match, or ``None`` when it is probably an ordinary word."""
    gd = m.groupdict()
    if gd.get("cam"):
        return key_name(*parse_key(gd["cam"] + gd["letter"]))
    tonic, acc, q, prefix = gd["tonic"], (gd.get("acc") or "").strip(), gd.get("q"), (gd.get("prefix") or "").lower()
    strong_prefix = prefix.startswith("key")
    if q is None and not prefix:
        return None
    if tonic.islower() and not (strong_prefix or acc in ("#", "♯") or (prefix and q in ("major", "minor", "maj", "min"))):
        return None  # "a minor detail", "am": articles and words, not keys
    if q is None and tonic.islower() and not strong_prefix:
        return None
    if q == "m" and tonic.islower() and acc not in ("#", "♯"):
        return None
    acc = acc.lstrip("-")
    acc = {"sharp": "#", "♯": "#", "flat": "b", "♭": "b"}.get(acc, acc)
    mode = "minor" if q in ("minor", "min", "m") else "major"
    return key_name(normalize_pitch(tonic.upper() + acc), mode)


def _parse_keys(text: str, found: _Found) -> None:
    for m in _MODE_ONLY.finditer(text):
        if found.free(*m.span()):
            found.spans.append(m.span())
            found.mode = m.group("mode").lower()
    for m in _COMPATIBLE.finditer(text):
        name = _key_from_match(m) if found.free(*m.span()) else None
        if name is not None:
            found.spans.append(m.span())
            found.compatible_key = name
    for pattern in (_CAMELOT_KEY, _NAMED_KEY):
        for m in pattern.finditer(text):
            name = _key_from_match(m) if found.free(*m.span()) else None
            if name is not None:
                found.spans.append(m.span())
                if name not in found.keys:
                    found.keys.append(name)
    for m in _BARE_MODE.finditer(text):
        if found.free(*m.span()):
            found.spans.append(m.span())
            found.mode = m.group("mode").lower()


def parse_constraints(text: str) -> tuple[Constraints, list[tuple[int, int]]]:
    """Tempo, key and duration constraints of a query.

    Understands, for example: ``174``, ``174 bpm``, ``around 170 bpm`` (±4 %), ``160-175``,
    ``160 to 175 bpm``, ``between 160 and 175``, ``over 170``, ``under 100``, ``170+``; ``in F minor``,
    ``F#m``, ``4A``, ``A major``, ``minor key``, ``mixable with 8A``; ``under 3 minutes``,
    ``longer than 5 min``, ``3-5 minutes``, ``under 4:30``.

    Returns
    -------
    constraints : Constraints
    spans : list of (int, int)
        Character spans of ``text`` the constraints were read from, in order.

    Raises
    ------
    ValueError
        Constraints that contradict each other ("over 180 under 170").
    """
    found = _Found()
    _parse_durations(text, found)
    _parse_tempi(text, found)
    _parse_keys(text, found)
    cons = Constraints(found.tempo, tuple(found.keys), found.compatible_key, found.mode, found.duration)
    cons.camelot_keys()  # contradictory keys and mode fail here, with the words that caused them
    return cons, sorted(found.spans)


def tempo_distance(tempo: float | np.ndarray, center: float, half_double_time: bool) -> float | np.ndarray:
    """Relative distance ``|log2(tempo / center)|`` (folded to the nearest of x0.5, x1, x2 when allowed).

    Works on scalars and arrays; missing tempi (NaN, zero) give ``inf``.
    """
    t = np.asarray(tempo, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.abs(np.log2(t / float(center)))
    if half_double_time:
        d = np.minimum(d, np.abs(d - 1.0))
    d = np.where(np.isfinite(d), d, math.inf)
    return d if d.ndim else float(d)
