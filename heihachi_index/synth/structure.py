"""Song sections (intro, build-up, drop, breakdown, outro) on a bar grid, and what plays in each."""
from __future__ import annotations

import math
from dataclasses import dataclass

SECTION_NAMES: tuple[str, ...] = ("intro", "buildup", "drop", "breakdown", "outro")

# Section weights of the full form (two drops) and of shorter forms; lengths are rounded to phrases.
_FORMS: tuple[tuple[int, tuple[tuple[str, float], ...]], ...] = (
    (40, (("intro", 2), ("buildup", 1), ("drop", 4), ("breakdown", 2), ("buildup", 1), ("drop", 4),
          ("outro", 2))),
    (20, (("intro", 2), ("buildup", 1), ("drop", 4), ("breakdown", 2), ("outro", 1))),
    (12, (("intro", 2), ("buildup", 1), ("drop", 5), ("outro", 1))),
    (8, (("intro", 2), ("buildup", 1), ("drop", 5))),
    (5, (("intro", 1), ("drop", 4))),
)


@dataclass(frozen=True)
class Section:
    """A section spanning bars ``[start, end)``."""

    name: str
    start: int
    end: int

    @property
    def bars(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Parts:
    """What plays in a section: ``drums`` is "off", "reduced", "roll" or "full"; the rest are on/off."""

    drums: str
    bass: bool
    pad: float
    melodic: bool
    vocals: bool
    riser: bool


PARTS: dict[str, Parts] = {
    "intro": Parts("reduced", False, 0.8, False, False, False),
    "buildup": Parts("roll", False, 0.9, True, False, True),
    "drop": Parts("full", True, 0.55, True, True, False),
    "breakdown": Parts("off", False, 1.0, True, True, False),
    "outro": Parts("reduced", False, 0.6, False, False, False),
}


def n_bars(duration: float, bar_seconds: float) -> int:
    """Bars needed to cover ``duration`` (the last one may be cut short)."""
    return max(1, math.ceil(duration / bar_seconds - 1e-9))


def plan_sections(bars: int, structure: bool = True) -> list[Section]:
    """Lay sections over ``bars`` bars.

    Long tracks get intro, build-up, drop, breakdown, build-up, drop, outro; shorter ones drop the
    second half, then the breakdown, the outro and the build-up; four bars or fewer (or
    ``structure=False``) are one drop. Lengths are rounded to 4-bar phrases (2 bars in short tracks).
    """
    if not structure or bars < 5:
        return [Section("drop", 0, bars)]
    form = next(f for min_bars, f in _FORMS if bars >= min_bars)
    unit = 4 if bars >= 32 else 2 if bars >= 12 else 1
    total = sum(w for _, w in form)
    lengths = [max(1, unit * round(bars * w / total / unit)) for _, w in form]
    # Hand the rounding error to the drops (largest first) without letting any section vanish.
    drops = sorted((i for i, (name, _) in enumerate(form) if name == "drop"), key=lambda i: -lengths[i])
    k = 0
    while sum(lengths) != bars:
        i = drops[k % len(drops)]
        step = 1 if sum(lengths) < bars else -1
        if lengths[i] + step >= 1:
            lengths[i] += step
        k += 1
    sections, start = [], 0
    for (name, _), length in zip(form, lengths):
        sections.append(Section(name, start, start + length))
        start += length
    return sections


def section_of_bar(sections: list[Section]) -> list[int]:
    """Index of the section each bar belongs to."""
    return [i for i, s in enumerate(sections) for _ in range(s.bars)]
