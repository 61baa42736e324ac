"""The score of a track: bar grid, chords per bar, and the notes of bass, keys, stabs, arps, lead and
vocals, all in samples at a given rate."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from heihachi_index.synth.harmony import Chord, place, scale_pitches, voicing
from heihachi_index.synth.instruments import ChordHit, Note
from heihachi_index.synth.patterns import Groove, steps
from heihachi_index.synth.structure import PARTS, Section
from heihachi_index.synth.styles import StyleSpec


@dataclass(frozen=True)
class Grid:
    """Tempo grid in 16th steps; odd 16ths are delayed by ``swing`` of a step."""

    tempo: float
    swing: float = 0.0

    @property
    def step_seconds(self) -> float:
        return 15.0 / self.tempo

    @property
    def bar_seconds(self) -> float:
        return 240.0 / self.tempo

    def time(self, bar: int, step: float) -> float:
        t = (bar * 16 + step) * self.step_seconds
        if self.swing and float(step).is_integer() and int(step) % 2 == 1:
            t += self.swing * self.step_seconds
        return t

    def sample(self, bar: int, step: float, sr: int) -> int:
        return int(round(self.time(bar, step) * sr))

    def span(self, bar: int, step: float, length: float, sr: int, gap: float = 0.0) -> tuple[int, int]:
        """(start, length) in samples of a note of ``length`` steps, shortened by ``gap`` seconds."""
        start = self.sample(bar, step, sr)
        end = self.sample(bar, step + length, sr)
        return start, max(1, end - start - int(gap * sr))


@dataclass(frozen=True)
class BarInfo:
    """A bar of the track: its index, section role, index and length in the section, and chord."""

    bar: int
    role: str
    index: int
    length: int
    next_role: str | None
    chord: Chord


def bar_plan(sections: list[Section], progression: list[Chord], bars_per_chord: int) -> list[BarInfo]:
    """Every bar with its section and chord; each section restarts the progression on the tonic chord."""
    out = []
    for k, sec in enumerate(sections):
        nxt = sections[k + 1].name if k + 1 < len(sections) else None
        for i in range(sec.bars):
            chord = progression[(i // bars_per_chord) % len(progression)]
            out.append(BarInfo(sec.start + i, sec.name, i, sec.bars, nxt, chord))
    return out


def _spans(bars: list[BarInfo], active: Callable[[BarInfo], float]) -> list[tuple[int, int, Chord, float]]:
    """Runs of consecutive active bars sharing a chord: (first bar, bar count, chord, level)."""
    runs: list[tuple[int, int, Chord, float]] = []
    for b in bars:
        level = active(b)
        if not level:
            continue
        if runs and runs[-1][0] + runs[-1][1] == b.bar and runs[-1][2] == b.chord and runs[-1][3] == level:
            first, count, chord, lv = runs[-1]
            runs[-1] = (first, count + 1, chord, lv)
        else:
            runs.append((b.bar, 1, b.chord, level))
    return runs


def pad_chords(bars: list[BarInfo], grid: Grid, sr: int, *, low_root: bool) -> list[ChordHit]:
    hits = []
    for first, count, chord, level in _spans(bars, lambda b: PARTS[b.role].pad):
        midis = voicing(chord, 55) + ([place(chord.root, 43)] if low_root else [])
        start, length = grid.span(first, 0, 16 * count, sr)
        hits.append(ChordHit(start, length, tuple(midis), level))
    return hits


# Bass rhythms: (step, length in steps, interval above the root in semitones).
_BASS_RHYTHMS: dict[str, tuple[tuple[tuple[int, int, int], ...], ...]] = {
    "dnb_sub": (((0, 10, 0), (10, 6, 0)), ((0, 6, 0), (6, 4, 0), (10, 6, 0))),
    "dnb_reese": (((0, 16, 0),), ((0, 8, 0), (8, 6, 0), (14, 2, 12)), ((0, 3, 0), (3, 7, 0), (10, 6, 0)),
                  ((0, 10, 0), (10, 4, 0), (14, 2, 7))),
    "half": (((0, 8, 0), (8, 8, 0)), ((0, 6, 0), (6, 2, 0), (8, 8, 0)), ((0, 12, 0), (12, 4, 12))),
    "techno": (((2, 2, 0), (6, 2, 0), (10, 2, 0), (14, 2, 0)),
               tuple((s, 1, 0) for s in range(16) if s % 4)),
    "house": (((2, 2, 0), (6, 2, 12), (10, 2, 0), (14, 2, 7)), ((3, 2, 0), (6, 2, 0), (10, 3, 0), (14, 2, 12))),
    "drone": (((0, 16, 0),),),
}


def bass_notes(style: StyleSpec, bass_type: str, bars: list[BarInfo], grid: Grid, groove: Groove | None,
               density: float, sr: int, rng: np.random.Generator) -> list[Note]:
    """The bass line: chord roots (octave E1-D#2) in a style rhythm, in sections where bass plays.

    Wobble notes carry their LFO rate (1-4 cycles per beat) in ``Note.rate``.
    """
    if bass_type == "none":
        return []
    name = style.name
    if name in ("neurofunk", "liquid", "jungle"):
        family = "dnb_reese" if bass_type == "reese" else "dnb_sub"
    elif name in ("dubstep", "hiphop"):
        family = "half"
    else:
        family = {"techno": "techno", "house": "house", "ambient": "drone"}[name]
    options = _BASS_RHYTHMS[family]
    kick_steps = [i for i, v in enumerate(steps(groove.kick)) if v > 0] if groove else [0]
    beat_hz = grid.tempo / 60.0
    notes = []
    for b in bars:
        if not PARTS[b.role].bass:
            continue
        if name == "hiphop":
            # Boom bap: the bass doubles the kick, each note held to the next kick.
            ends = kick_steps[1:] + [16]
            rhythm = tuple((s, min(e - s, 8), 0) for s, e in zip(kick_steps, ends))
        elif family == "techno":
            rhythm = options[1] if density > 0.7 else options[0]
        else:
            rhythm = options[int(rng.integers(len(options)))] if b.index % 2 == 0 or not notes else rhythm
        root = place(b.chord.root, 28)
        for step, length, interval in rhythm:
            start, dur = grid.span(b.bar, step, length, sr, gap=0.004)
            rate = float(rng.choice([1.0, 2.0, 3.0, 4.0])) * beat_hz if bass_type == "wobble" else 0.0
            vel = 1.0 if step == 0 else 0.85
            notes.append(Note(start, dur, root + interval, vel * (0.6 if name == "ambient" else 1.0), rate))
    return notes


_COMP: dict[str, tuple[tuple[int, int, float], ...]] = {
    "liquid": ((0, 6, 0.9), (6, 4, 0.6), (10, 6, 0.75)),
    "house": ((3, 2, 0.8), (6, 2, 0.7), (10, 2, 0.8), (14, 2, 0.6)),
    "hiphop": ((0, 8, 0.9), (8, 6, 0.7), (14, 2, 0.5)),
}


def keys_chords(style: StyleSpec, bars: list[BarInfo], grid: Grid, sr: int) -> list[ChordHit]:
    """Electric-piano comping in the style's rhythm, in the intro and in sections with melodic parts."""
    rhythm = _COMP.get(style.name, _COMP["liquid"])
    hits = []
    for b in bars:
        if PARTS[b.role].melodic or b.role == "intro":
            midis = tuple(voicing(b.chord, 57))
            for step, length, vel in rhythm:
                start, dur = grid.span(b.bar, step, length, sr, gap=0.01)
                hits.append(ChordHit(start, dur, midis, vel))
    return hits


def stab_chords(style: StyleSpec, bars: list[BarInfo], grid: Grid, density: float, sr: int,
                rng: np.random.Generator) -> list[ChordHit]:
    """Short chord stabs: off-beat dub-techno chords, or sparse neuro/jungle hits on drop bars."""
    hits = []
    for b in bars:
        if b.role not in ("drop", "buildup"):
            continue
        if style.name == "techno":
            rhythm = [(3, 2), (10, 2)] + ([(6, 1)] if density > 0.6 else [])
        elif style.name == "jungle":
            rhythm = [(0, 8)] if b.index % 2 == 0 else []
        else:
            rhythm = [(int(rng.choice([6, 14])), 2)] if b.index % 2 == 1 or density > 0.8 else []
        midis = tuple(voicing(b.chord, 60))
        for step, length in rhythm:
            start, dur = grid.span(b.bar, step, length, sr)
            hits.append(ChordHit(start, dur, midis, 0.8))
    return hits


def arp_notes(style: StyleSpec, bars: list[BarInfo], grid: Grid, density: float, sr: int,
              rng: np.random.Generator) -> list[Note]:
    """Arpeggio through the chord tones over two octaves from C4, on 8ths (16ths for dense tracks of
    styles whose ``arp_step`` is 1). Ambient arps play in every section so the tempo is always audible."""
    step = 1 if style.arp_step == 1 and density > 0.5 else 2
    shape = "updown" if rng.random() < 0.5 else "up"
    notes = []
    for b in bars:
        if not (style.name == "ambient" or PARTS[b.role].melodic):
            continue
        tones = sorted(place(pc, 60) for pc in b.chord.tones)
        seq = tones + [t + 12 for t in tones]
        if shape == "updown":
            seq = seq + seq[-2:0:-1]
        for k, s in enumerate(range(0, 16, step)):
            start, dur = grid.span(b.bar, s, step, sr)
            vel = 0.9 if s % 4 == 0 else 0.65
            notes.append(Note(start, dur, seq[(b.index * (16 // step) + k) % len(seq)], vel))
    return notes


def lead_notes(bars: list[BarInfo], grid: Grid, tonic: str, mode: str, sr: int,
               rng: np.random.Generator) -> list[Note]:
    """A quarter-note lead melody in breakdowns and build-ups: chord tones on beats 1 and 3, scale
    steps between."""
    scale = scale_pitches(tonic, mode)
    notes = []
    for b in bars:
        if b.role not in ("breakdown", "buildup"):
            continue
        chord_tones = [place(pc, 67) for pc in b.chord.tones]
        for beat in range(4):
            if beat % 2 == 0:
                midi = chord_tones[int(rng.integers(3))]
            else:
                midi = place(scale[int(rng.integers(len(scale)))], 67)
            start, dur = grid.span(b.bar, beat * 4, 3, sr)
            notes.append(Note(start, dur, midi, 0.8))
    return notes


_PHRASES: tuple[tuple[tuple[int, int], ...], ...] = (
    ((0, 4), (4, 4), (8, 8), (16, 4), (20, 2), (22, 2), (24, 8)),
    ((2, 2), (4, 6), (10, 6), (16, 6), (22, 2), (24, 6)),
    ((0, 8), (8, 8), (16, 12)),
    ((0, 2), (2, 2), (4, 4), (8, 4), (12, 4), (16, 10)),
)
_VOWEL_WEIGHTS = np.array([0.35, 0.15, 0.15, 0.25, 0.1])


def vocal_notes(bars: list[BarInfo], grid: Grid, tonic: str, mode: str, density: float, sr: int,
                rng: np.random.Generator) -> list[Note]:
    """A sung-like melody in two-bar phrases over drops and breakdowns: chord tones on strong beats, a
    scale walk in between, range C4-D#5; ``Note.rate`` holds the vowel index."""
    scale = sorted({place(pc, 60) for pc in scale_pitches(tonic, mode)} |
                   {place(pc, 72) for pc in scale_pitches(tonic, mode)})
    by_bar = {b.bar: b for b in bars}
    notes = []
    phrase = 0
    for b in bars:
        if not PARTS[b.role].vocals or b.index % 2 or b.bar + 1 not in by_bar:
            continue
        phrase += 1
        if density < 0.5 and phrase % 2 == 0:
            continue
        rhythm = _PHRASES[int(rng.integers(len(_PHRASES)))]
        pos = int(rng.integers(len(scale) // 3, 2 * len(scale) // 3))
        midi = -1
        for step, length in rhythm:
            bar_info = by_bar[b.bar + step // 16]
            if step % 8 == 0:
                # A chord tone near the line, preferably a new one so the melody moves.
                tones = [t for t in scale if t % 12 in bar_info.chord.tones and abs(t - scale[pos]) <= 5]
                fresh = [t for t in tones if t != midi] or tones or [scale[pos]]
                midi = fresh[int(rng.integers(len(fresh)))]
                pos = scale.index(midi)
            else:
                pos = int(np.clip(pos + rng.choice([-2, -1, 1, 2]), 0, len(scale) - 1))
                midi = scale[pos]
            start, dur = grid.span(b.bar, step, length, sr, gap=0.03)
            vowel = float(rng.choice(5, p=_VOWEL_WEIGHTS))
            notes.append(Note(start, dur, midi, 0.85, vowel))
    return notes
