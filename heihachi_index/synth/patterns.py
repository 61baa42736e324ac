"""Drum patterns per style as 16-step templates, and the bar-by-bar drum part of a track.

Templates are strings, one character per 16th step: ``.`` is silence and a digit ``d`` a hit of
velocity ``d / 9``. Steps are counted from the bar start: 0 = beat 1, 4 = beat 2, 8 = beat 3,
12 = beat 4, and 10 is the "and" of 3.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from heihachi_index.synth.styles import StyleSpec

LABELS: tuple[str, ...] = ("kick", "snare", "clap", "hihat_closed", "hihat_open", "tom", "crash", "ride")


def steps(pattern: str) -> list[float]:
    """Velocities (0 = no hit) of a template string such as ``"9...9...9...9..."``."""
    return [0.0 if c == "." else int(c) / 9.0 for c in pattern.replace(" ", "")]


def _bars(*patterns: str) -> list[float]:
    return [v for p in patterns for v in steps(p)]


# The four bars of the Amen break (The Winstons, "Amen, Brother", 1969) on a 16th grid: bars 1-2 are a
# funk groove (kick 1, "and" of 1, double kick on the "and" of 3; snare 2 and 4 with pickups before 3
# and before the next bar), bars 3-4 delay the snare on beat 4 by an eighth, bar 4 moves the kick off
# the downbeat and puts a crash on the "and" of 3 in place of the ride.
AMEN_BREAK: dict[str, list[float]] = {
    "kick": _bars("9.8.......79....", "9.8.......79....", "9.8.......9.....", "..89......9....."),
    "snare": _bars("....9..5.5..9..7", "....9..5.5..9..7", "....9..5.5....9.", ".5..9..5.5....9."),
    "ride": _bars("6.6.6.6.6.6.6.6.", "6.6.6.6.6.6.6.6.", "6.6.6.6.6.6.6.6.", "6.6.6.6.6...6.6."),
    "crash": _bars("................", "................", "................", "..........9....."),
}

#: The Amen rhythm as a two-bar (32-step) template per instrument: bar 1 of the break (the funk bar)
#: followed by bar 4 (the syncopated bar with the crash). ``AMEN_BREAK`` has all four bars.
AMEN_PATTERN: dict[str, list[float]] = {
    label: seq[:16] + seq[48:64] for label, seq in AMEN_BREAK.items()
}

# Drum & bass two-step: kick on 1 and the "and" of 3, snare on 2 and 4.
TWO_STEP_KICKS = ("9.........8.....", "9.........79....", "9.........8..6..", "9.....6...8.....")
HALF_TIME_KICKS = ("9...............", "9.........7.....", "9......7........", "9.............7.")
BOOM_BAP_KICKS = ("9......7..9.....", "9.........9..7..", "9..7......9.....", "9.........97....")
FOUR_ON_FLOOR = "9...9...9...9..."
BACKBEAT = "....9.......9..."
HALF_TIME_SNARE = "........9......."
OFFBEAT_8THS = "..7...7...7...7."
HATS_8THS = "6.5.6.5.6.5.6.5."
HATS_16THS = "6454645464546454"
ODD_16THS = ".3.3.3.3.3.3.3.3"


@dataclass(frozen=True)
class DrumHit:
    """A drum hit on the grid: ``step`` in 16ths from the bar start (fractions allowed for rolls).

    ``variant`` picks among a label's instruments (toms: 0 high, 1 mid, 2 low); -1 = the default.
    """

    step: float
    label: str
    velocity: float
    variant: int = -1


@dataclass(frozen=True)
class BarContext:
    """Where a bar sits: its section, its index in that section, and what comes next."""

    role: str
    index: int
    length: int
    bar: int
    next_role: str | None = None

    @property
    def phrase_end(self) -> bool:
        return self.bar % 4 == 3


@dataclass(frozen=True)
class Groove:
    """Per-track pattern choices, drawn once so a track keeps a consistent groove."""

    kick: str
    hats_16ths: bool
    ghost_rate: float
    open_hat: bool
    clap: bool
    ride: bool
    chop_rate: float


def choose_groove(style: StyleSpec, density: float, rng: np.random.Generator) -> Groove:
    name = style.name
    kicks = {"dubstep": HALF_TIME_KICKS, "hiphop": BOOM_BAP_KICKS, "ambient": HALF_TIME_KICKS[:1]}.get(
        name, TWO_STEP_KICKS)
    kick = FOUR_ON_FLOOR if style.four_on_floor else kicks[int(rng.integers(len(kicks)))]
    return Groove(
        kick=kick,
        hats_16ths=bool(rng.random() < density),
        ghost_rate=float(np.clip(density - 0.25, 0.0, 1.0) * 0.6),
        open_hat=bool(rng.random() < 0.3 + 0.5 * density),
        clap=name == "house" or (name in ("techno", "dubstep") and bool(rng.random() < 0.5)),
        ride=name == "jungle" or (name in ("liquid", "techno") and bool(rng.random() < density - 0.2)),
        chop_rate=float(0.15 + 0.5 * density) if name == "jungle" else 0.0,
    )


def _add(hits: list[DrumHit], label: str, pattern: str | list[float], scale: float = 1.0) -> None:
    vel = steps(pattern) if isinstance(pattern, str) else pattern
    hits.extend(DrumHit(float(i), label, v * scale) for i, v in enumerate(vel) if v > 0)


def _amen_bar(ctx: BarContext, groove: Groove, rng: np.random.Generator) -> list[DrumHit]:
    """One bar of a chopped Amen: the break's bar for this position, with some quarter-bar slices
    replaced by slices taken from elsewhere in the break (never the first slice, which keeps the
    downbeat)."""
    bar = ctx.bar % 4
    slices = [bar * 4 + q for q in range(4)]
    for q in range(1, 4):
        if rng.random() < groove.chop_rate:
            slices[q] = int(rng.integers(16))
    hits: list[DrumHit] = []
    for q, src in enumerate(slices):
        for label, seq in AMEN_BREAK.items():
            for k in range(4):
                v = seq[src * 4 + k]
                if v > 0 and (label != "crash" or ctx.phrase_end):
                    hits.append(DrumHit(float(q * 4 + k), label, v))
    # A crash slice moved off the phrase end leaves a hole in the ride; fill it.
    taken = {h.step for h in hits if h.label in ("ride", "crash")}
    hits.extend(DrumHit(float(s), "ride", 6 / 9) for s in range(0, 16, 2) if float(s) not in taken)
    return hits


def _groove_bar(style: StyleSpec, ctx: BarContext, groove: Groove, rng: np.random.Generator) -> list[DrumHit]:
    name = style.name
    hits: list[DrumHit] = []
    if name == "jungle":
        return _amen_bar(ctx, groove, rng)
    _add(hits, "kick", groove.kick)
    if name in ("dubstep", "ambient"):
        _add(hits, "snare", HALF_TIME_SNARE)
    elif name == "techno":
        if groove.clap:
            _add(hits, "clap", BACKBEAT, 0.85)
    elif name == "house":
        _add(hits, "clap", BACKBEAT)
    else:
        _add(hits, "snare", BACKBEAT)
    if name == "dubstep" and groove.clap:
        _add(hits, "clap", HALF_TIME_SNARE, 0.7)

    # Cymbals.
    soft = 0.8 if name in ("liquid", "ambient") else 1.0
    if style.four_on_floor:
        _add(hits, "ride" if groove.ride else "hihat_open", OFFBEAT_8THS, 0.8 if groove.ride else 1.0)
        if groove.hats_16ths:
            _add(hits, "hihat_closed", ODD_16THS, 1.3)
        elif name == "house":
            _add(hits, "hihat_closed", "....5.......5...")
    else:
        hats = HATS_16THS if groove.hats_16ths else HATS_8THS
        _add(hits, "hihat_closed", hats, soft)
        if name == "liquid" and groove.ride:
            _add(hits, "ride", "6...6...6...6...", 0.9)
        if groove.open_hat and name != "ambient" and (ctx.bar % 2 == 1):
            # An open hat replaces the closed one on that step (the next closed hat chokes it).
            step = 14 if name in ("hiphop", "dubstep") else 6
            hits[:] = [h for h in hits if not (h.label == "hihat_closed" and h.step == step)]
            hits.append(DrumHit(float(step), "hihat_open", 0.7))

    # A closed hat right after an open one closes it with an accent, so it is heard over the ring.
    opens = {h.step for h in hits if h.label == "hihat_open"}
    hits[:] = [DrumHit(h.step, h.label, max(h.velocity, 0.75), h.variant)
               if h.label == "hihat_closed" and (h.step - 1 in opens or h.step - 2 in opens) else h for h in hits]
    # Ghost snares around the backbeat.
    if name in ("neurofunk", "liquid", "hiphop"):
        for s in (7, 9, 15):
            if rng.random() < groove.ghost_rate:
                hits.append(DrumHit(float(s), "snare", float(rng.uniform(0.28, 0.4))))
    # Phrase-end variation: an extra kick or snare pickup in the last bar of four.
    if ctx.phrase_end and not style.four_on_floor and rng.random() < 0.6:
        if rng.random() < 0.5:
            hits.append(DrumHit(14.0, "snare", 0.6))
        else:
            hits.append(DrumHit(13.0, "kick", 0.7))
    return hits


def _tom_fill(hits: list[DrumHit]) -> list[DrumHit]:
    kept = [h for h in hits if h.step < 8 or h.label in ("kick", "crash")]
    fill = [DrumHit(8.0, "tom", 0.85, 0), DrumHit(10.0, "tom", 0.8, 0),
            DrumHit(12.0, "tom", 0.85, 1), DrumHit(14.0, "tom", 0.9, 2)]
    return kept + fill


def _snare_roll(ctx: BarContext) -> list[DrumHit]:
    """A build-up snare roll: quarters, then 8ths, then 16ths, getting louder."""
    hits = []
    for half in range(2):
        progress = (ctx.index + 0.5 * half + 0.25) / max(ctx.length, 1)
        sub = 4.0 if progress < 0.34 else 2.0 if progress < 0.67 else 1.0
        t = 8.0 * half
        while t < 8.0 * (half + 1) - 1e-9:
            p = (ctx.index + t / 16.0) / max(ctx.length, 1)
            hits.append(DrumHit(t, "snare", float(0.35 + 0.6 * p)))
            t += sub
    return hits


_REDUCED = ("kick", "hihat_closed", "hihat_open", "ride")


def bar_hits(style: StyleSpec, ctx: BarContext, groove: Groove, density: float,
             rng: np.random.Generator) -> list[DrumHit]:
    """The drum hits of one bar given its section role.

    intro/outro: reduced kit (kick and cymbals; the first half of a long intro has no kick unless the
    style is four-on-the-floor); buildup: snare roll (plus quarter kicks in four-on-the-floor styles);
    drop: the full groove with a crash on the first bar and every eighth bar (dense tracks), and a tom
    fill before a breakdown or outro when the style uses them; breakdown: nothing.
    """
    role = ctx.role
    if role == "breakdown":
        return []
    if role == "buildup":
        hits = _snare_roll(ctx)
        if style.four_on_floor:
            _add(hits, "kick", FOUR_ON_FLOOR, 0.9)
        return _dedupe(hits)
    hits = _groove_bar(style, ctx, groove, rng)
    if role in ("intro", "outro"):
        hits = [h for h in hits if h.label in _REDUCED]
        if role == "intro" and ctx.length >= 4 and ctx.index < ctx.length // 2 and not style.four_on_floor:
            hits = [h for h in hits if h.label != "kick"]
        return _dedupe(hits)
    if role == "drop":
        crash_now = ctx.index == 0 or (density > 0.5 and ctx.index % 8 == 0)
        if crash_now and not any(h.label == "crash" and h.step == 0 for h in hits):
            # The hand that crashes leaves the hats for the first beat.
            hits = [h for h in hits if not (h.step < 4 and h.label in ("hihat_closed", "hihat_open", "ride"))]
            hits.append(DrumHit(0.0, "crash", 0.9))
        if (style.tom_fills and ctx.index == ctx.length - 1 and ctx.next_role in ("breakdown", "outro")
                and rng.random() < 0.4 + 0.6 * density):
            hits = _tom_fill(hits)
    return _dedupe(hits)


def _dedupe(hits: list[DrumHit]) -> list[DrumHit]:
    """One hit per (step, label), the loudest, sorted by time: a sound is never triggered twice at once."""
    best: dict[tuple[float, str], DrumHit] = {}
    for h in hits:
        key = (h.step, h.label)
        if key not in best or h.velocity > best[key].velocity:
            best[key] = h
    return sorted(best.values(), key=lambda h: (h.step, LABELS.index(h.label)))
