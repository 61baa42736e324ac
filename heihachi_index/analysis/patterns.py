"""Drum patterns on a beat grid: 16-step bar grids, density, syncopation, swing, microtiming, fills,
pattern type and similarity to the Amen break.

Every hit is placed on the 16th-note step nearest to it in its bar (steps are the beats of the grid
divided in four, so the grid's tempo curve carries over). The deviation from that step is what swing
and microtiming are measured from.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from heihachi_index.analysis.beat import BeatGrid, bar_starts
from heihachi_index.analysis.types import DRUM_CLASSES, DrumHit
from heihachi_index.synth.patterns import AMEN_BREAK

STEPS = 16
STEPS_PER_BEAT = 4
METER_SLICES = STEPS // STEPS_PER_BEAT
PATTERN_TYPES: tuple[str, ...] = ("four_on_the_floor", "two_step", "half_time", "breakbeat", "amen_like", "none")
# Longuet-Higgins & Lee metrical weights of the 16 steps of a 4/4 bar.
LHL_WEIGHTS = np.array([0, -4, -3, -4, -2, -4, -3, -4, -1, -4, -3, -4, -2, -4, -3, -4], dtype=np.float64)
# Voices of the polyphonic syncopation and their weights: the kick, the backbone (kick, snare and clap
# together: a snare followed by no kick on the next strong beat syncopates, as in two-step), cymbals.
SYNC_VOICES: tuple[tuple[tuple[str, ...], float], ...] = (
    (("kick",), 1.0),
    (("kick", "snare", "clap"), 1.0),
    (("hihat_closed", "hihat_open", "ride"), 0.125),
)
# A bar is "amen_like" from this similarity to its best-matching bar of the break; a track when the mean
# over its drum bars reaches AMEN_TRACK_THRESHOLD.
AMEN_BAR_THRESHOLD = 0.8
AMEN_TRACK_THRESHOLD = 0.8
# Two-step and boom bap share a skeleton; at hip-hop tempi (below this) it is called a breakbeat.
TWO_STEP_MIN_BPM = 120.0
STRONG = 0.5  # velocity from which a hit counts for the pattern type (ghost notes do not)
_INDEX = {label: i for i, label in enumerate(DRUM_CLASSES)}


class PatternError(ValueError):
    """Inputs the pattern analysis cannot use (a grid without bars, malformed hits)."""


def _amen_slices() -> np.ndarray:
    """(16, 8): kick and snare velocities of each quarter-bar slice of the Amen break."""
    kick = np.asarray(AMEN_BREAK["kick"]).reshape(16, STEPS_PER_BEAT)
    snare = np.asarray(AMEN_BREAK["snare"]).reshape(16, STEPS_PER_BEAT)
    return np.concatenate([kick, snare], axis=1)


_AMEN_SLICES = _amen_slices()


@dataclass
class PatternAnalysis:
    """Drum patterns of a track, bar by bar (see :func:`analyze_patterns`).

    ``grid`` is (bars, len(DRUM_CLASSES), 16) velocities (0 = no hit; the loudest hit on a step);
    ``density`` is (bars, len(DRUM_CLASSES)) hit counts; ``swing`` is the delay of odd 16ths as a
    fraction of a 16th (as :attr:`GroundTruth.swing`) from ``swing_support`` odd-16th hits;
    ``microtiming`` maps each instrument to the mean and standard deviation (ms) of its hits' offsets
    from the (swung) grid.
    """

    bar_times: np.ndarray
    grid: np.ndarray
    density: np.ndarray
    bar_types: list[str]
    bar_syncopation: np.ndarray
    bar_amen_similarity: np.ndarray
    fills: list[int]
    swing: float
    swing_support: int
    microtiming: dict[str, dict[str, float]]
    pattern: str
    amen_similarity: float
    syncopation: float
    mean_density: float
    unplaced: int = 0
    dominant: np.ndarray = field(default_factory=lambda: np.zeros((len(DRUM_CLASSES), STEPS)))

    @property
    def n_bars(self) -> int:
        return int(self.grid.shape[0])

    def summary(self) -> dict[str, Any]:
        """The few numbers for the index payload."""
        return {
            "pattern": self.pattern,
            "amen_similarity": round(float(self.amen_similarity), 3),
            "swing": round(float(self.swing), 3),
            "syncopation": round(float(self.syncopation), 3),
            "density": round(float(self.mean_density), 3),
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything, JSON-able: per bar its times, type, counts, syncopation, Amen similarity, fill flag
        and the 16-step velocities of the instruments that play in it."""
        fills = set(self.fills)
        bars = []
        for b in range(self.n_bars):
            steps = {label: np.round(self.grid[b, i], 3).tolist() for i, label in enumerate(DRUM_CLASSES)
                     if self.density[b, i] > 0}
            bars.append({
                "start": round(float(self.bar_times[b, 0]), 4),
                "end": round(float(self.bar_times[b, 1]), 4),
                "type": self.bar_types[b],
                "density": {label: int(self.density[b, i]) for i, label in enumerate(DRUM_CLASSES)
                            if self.density[b, i] > 0},
                "syncopation": round(float(self.bar_syncopation[b]), 3),
                "amen_similarity": round(float(self.bar_amen_similarity[b]), 3),
                "fill": b in fills,
                "steps": steps,
            })
        return {
            **self.summary(),
            "swing_support": int(self.swing_support),
            "microtiming": {k: {kk: round(float(vv), 3) for kk, vv in v.items()} for k, v in self.microtiming.items()},
            "fills": [int(b) for b in self.fills],
            "unplaced": int(self.unplaced),
            "dominant": {label: np.round(self.dominant[i], 3).tolist() for i, label in enumerate(DRUM_CLASSES)
                         if np.any(self.dominant[i] > 0)},
            "bars": bars,
        }


# ---------------------------------------------------------------------------------------------------

def lhl_syncopation(onsets: np.ndarray) -> float:
    """Longuet-Higgins & Lee syncopation of a cyclic 16-step onset pattern (bool array of 16).

    Each onset is held until the next one; when a metrically stronger step falls inside that span
    (a rest where the meter expects a note), the onset syncopates by the difference of the weights.
    """
    on = np.flatnonzero(onsets)
    if on.size == 0:
        return 0.0
    total = 0.0
    for i, n in enumerate(on):
        nxt = on[i + 1] if i + 1 < on.size else on[0] + STEPS
        span = np.arange(n + 1, nxt) % STEPS
        if span.size:
            strongest = LHL_WEIGHTS[span].max()
            if strongest > LHL_WEIGHTS[n]:
                total += strongest - LHL_WEIGHTS[n]
    return float(total)


def bar_syncopation(bar: np.ndarray) -> float:
    """Polyphonic syncopation of one bar (``(len(DRUM_CLASSES), 16)`` velocities): the weighted sum of
    :func:`lhl_syncopation` over :data:`SYNC_VOICES`."""
    total = 0.0
    for labels, weight in SYNC_VOICES:
        voice = np.zeros(STEPS, dtype=bool)
        for label in labels:
            voice |= bar[_INDEX[label]] > 0
        total += weight * lhl_syncopation(voice)
    return total


def amen_similarity(bar: np.ndarray) -> float:
    """Similarity in [0, 1] of a bar to the Amen break, chopped or not.

    Each beat-long slice of the bar's kick and snare (+ clap) velocities is matched to the most similar
    of the break's 16 slices (jungle re-sequences them) by the weighted Jaccard index (sum of minima over
    sum of maxima); the bar scores the mean over its four slices. A bar without both a kick and a snare
    scores 0, and so does an empty slice.
    """
    kick = bar[_INDEX["kick"]]
    snare = np.maximum(bar[_INDEX["snare"]], bar[_INDEX["clap"]])
    if not (kick.any() and snare.any()):
        return 0.0
    x = np.concatenate([kick.reshape(METER_SLICES, STEPS_PER_BEAT), snare.reshape(METER_SLICES, STEPS_PER_BEAT)],
                       axis=1)  # (4, 8)
    num = np.minimum(x[:, None, :], _AMEN_SLICES[None, :, :]).sum(axis=2)
    den = np.maximum(x[:, None, :], _AMEN_SLICES[None, :, :]).sum(axis=2)
    sim = np.where(x.any(axis=1)[:, None], num / np.maximum(den, 1e-12), 0.0)
    return float(sim.max(axis=1).mean())


def bar_type(bar: np.ndarray, amen: float, tempo: float) -> str:
    """Pattern type of one bar from its strong (non-ghost) kick and snare/clap steps."""
    kick = set(np.flatnonzero(bar[_INDEX["kick"]] >= STRONG).tolist())
    snare = set(np.flatnonzero(np.maximum(bar[_INDEX["snare"]], bar[_INDEX["clap"]]) >= STRONG).tolist())
    if not kick or (not snare and not {0, 4, 8, 12} <= kick):
        return "none"
    if amen >= AMEN_BAR_THRESHOLD:
        return "amen_like"
    if {0, 4, 8, 12} <= kick:
        return "four_on_the_floor"
    if 8 in snare and not snare & {4, 12}:
        return "half_time"
    if {4, 12} <= snare and 0 in kick and not kick & {4, 8, 12} and len(kick) <= 3:
        return "two_step" if tempo >= TWO_STEP_MIN_BPM else "breakbeat"
    return "breakbeat"


# ---------------------------------------------------------------------------------------------------

def _check_hits(hits: Sequence[DrumHit]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    times = np.array([h.time for h in hits], dtype=np.float64)
    vel = np.array([h.velocity for h in hits], dtype=np.float64)
    if times.size and not (np.all(np.isfinite(times)) and np.all(np.isfinite(vel))):
        raise PatternError("hit times and velocities must be finite")
    labels = np.array([_INDEX.get(h.label, -1) for h in hits], dtype=np.int64)
    return times, vel, labels


def analyze_patterns(hits: Sequence[DrumHit], grid: BeatGrid) -> PatternAnalysis:
    """Analyse the drum hits of a track on its beat grid.

    Parameters
    ----------
    hits : sequence of DrumHit
        Hits of any label; those labelled ``"other"`` count for nothing, hits before the first bar or
        after the last one are counted in ``unplaced``. No hits gives every bar empty and the pattern
        ``"none"``.
    grid : BeatGrid
        From :func:`heihachi_index.analysis.beat.beat_grid`; it must have at least one bar.

    Returns
    -------
    PatternAnalysis
    """
    if grid.bars.shape[0] == 0 or grid.beats.size < 2:
        raise PatternError("the beat grid has no bars")
    times, vel, labels = _check_hits(hits)
    if grid.beat_positions.size != grid.beats.size:
        raise PatternError("the beat grid has no bar position for every beat")
    down_idx = bar_starts(grid.beat_positions, grid.meter)
    n_bars = grid.bars.shape[0]
    if down_idx.size != n_bars:
        raise PatternError(f"the beat grid has {n_bars} bars but {down_idx.size} bar starts")
    bar_len = np.append(np.diff(down_idx), grid.meter).astype(np.float64)  # beats per bar
    n_lab = len(DRUM_CLASSES)
    G = np.zeros((n_bars, n_lab, STEPS))
    counts = np.zeros((n_bars, n_lab), dtype=np.int64)

    known = labels >= 0
    pos = grid.position_at(times) if times.size else np.zeros(0)
    # Half a step of slack, so that a hit just before a downbeat lands on that bar's first step.
    b = np.searchsorted(down_idx, pos + 0.5 / STEPS_PER_BEAT, side="right") - 1
    bc = np.clip(b, 0, n_bars - 1)
    rel = (pos - down_idx[bc]) * STEPS_PER_BEAT
    step = np.round(rel).astype(np.int64)
    dev = rel - step
    inside = (b >= 0) & (step >= 0) & (step < np.minimum(STEPS, bar_len[bc] * STEPS_PER_BEAT))
    placed = inside & known
    unplaced = int(np.count_nonzero(known & ~inside))
    pb, pl, ps, pv = b[placed], labels[placed], step[placed], vel[placed]
    np.maximum.at(G, (pb, pl, ps), pv)
    np.add.at(counts, (pb, pl), 1)

    # Swing: odd-16th delay relative to the even 16ths, in 16ths (medians resist flams and jitter).
    d = dev[placed]
    odd = ps % 2 == 1
    swing_support = int(odd.sum())
    swing = float(np.median(d[odd]) - (np.median(d[~odd]) if (~odd).any() else 0.0)) if swing_support else 0.0
    # Microtiming: offsets from the swung grid in ms, per instrument.
    beat_s = np.diff(grid.beats)
    k = np.clip(np.floor(pos[placed]).astype(np.int64), 0, beat_s.size - 1)
    step_ms = beat_s[k] / STEPS_PER_BEAT * 1000.0
    off_ms = (d - np.where(odd, swing, 0.0)) * step_ms
    micro = {}
    for i, label in enumerate(DRUM_CLASSES):
        sel = pl == i
        if sel.any():
            micro[label] = {"mean_ms": float(off_ms[sel].mean()), "std_ms": float(off_ms[sel].std()),
                            "n": float(sel.sum())}

    amen = np.array([amen_similarity(G[i]) for i in range(n_bars)])
    types = [bar_type(G[i], amen[i], grid.tempo) for i in range(n_bars)]
    sync = np.array([bar_syncopation(G[i]) for i in range(n_bars)])
    drum_bars = np.array([t != "none" for t in types])
    active = counts.sum(axis=1) > 0
    dominant = _dominant(G[drum_bars]) if drum_bars.any() else np.zeros((n_lab, STEPS))
    fills = _fills(G, counts, drum_bars, dominant)
    if drum_bars.any():
        amen_track = float(amen[drum_bars].mean())
        present = [t for t in types if t != "none"]
        pattern = "amen_like" if amen_track >= AMEN_TRACK_THRESHOLD else \
            max(PATTERN_TYPES[:-1], key=lambda t: (present.count(t), -PATTERN_TYPES.index(t)))
        sync_track = float(sync[drum_bars].mean())
    else:
        amen_track, pattern, sync_track = 0.0, "none", 0.0
    mean_density = float(counts[active].sum(axis=1).mean()) if active.any() else 0.0
    return PatternAnalysis(bar_times=grid.bars.copy(), grid=G, density=counts, bar_types=types, bar_syncopation=sync,
                           bar_amen_similarity=amen, fills=fills, swing=swing, swing_support=swing_support,
                           microtiming=micro, pattern=pattern, amen_similarity=amen_track, syncopation=sync_track,
                           mean_density=mean_density, unplaced=unplaced, dominant=dominant)


def _dominant(G: np.ndarray) -> np.ndarray:
    """The dominant bar: per instrument and step where something plays in at least half of the bars,
    its mean velocity there; 0 elsewhere."""
    played = (G > 0).sum(axis=0)
    on = played >= 0.5 * G.shape[0]
    return np.where(on, G.sum(axis=0) / np.maximum(played, 1), 0.0)


def _fills(G: np.ndarray, counts: np.ndarray, drum_bars: np.ndarray, dominant: np.ndarray) -> list[int]:
    """Bars that break from the dominant pattern with a burst of toms or snares: two or more toms,
    or at least twice the usual snare+tom count (and at least 6) with a pattern far from the dominant one."""
    tom = counts[:, _INDEX["tom"]]
    roll = counts[:, _INDEX["snare"]] + tom
    usual = float(np.median(roll[drum_bars])) if drum_bars.any() else 0.0
    on = G > 0
    dom = dominant > 0
    distance = (on != dom[None]).sum(axis=(1, 2))
    typical = float(np.median(distance[drum_bars])) if drum_bars.any() else 0.0
    fill = (tom >= 2) | ((roll >= max(6.0, 2 * usual)) & (distance > typical))
    return [int(i) for i in np.flatnonzero(fill)]
