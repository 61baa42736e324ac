"""Drum pattern analysis (heihachi_index.analysis.patterns) and hit exports (heihachi_index.analysis.export)."""
from __future__ import annotations

import json

import mido
import numpy as np
import pytest

from heihachi_index.analysis.beat import BeatGrid, beat_grid
from heihachi_index.analysis.export import (
    GM_NOTES,
    ExportError,
    hits_from_csv,
    hits_from_json,
    hits_from_midi,
    hits_to_csv,
    hits_to_json,
    hits_to_midi,
)
from heihachi_index.analysis.patterns import (
    PatternError,
    analyze_patterns,
    bar_syncopation,
    lhl_syncopation,
)
from heihachi_index.analysis.types import DRUM_CLASSES, DrumHit
from heihachi_index.synth import AMEN_BREAK, generate
from heihachi_index.synth.patterns import steps

SR = 22050
TWO_STEP = {"kick": "9.........8.....", "snare": "....9.......9...", "hihat_closed": "6.5.6.5.6.5.6.5."}
FOUR_ON_FLOOR = {"kick": "9...9...9...9...", "clap": "....9.......9...", "hihat_open": "..7...7...7...7."}
HALF_TIME = {"kick": "9.........7.....", "snare": "........9.......", "hihat_closed": "6.5.6.5.6.5.6.5."}


def make_grid(tempo: float, n_bars: int, offset: float = 0.5) -> BeatGrid:
    period = 60.0 / tempo
    beats = offset + np.arange(4 * n_bars) * period
    starts = beats[::4]
    return BeatGrid(tempo=tempo, tempo_confidence=1.0, beats=beats, beat_confidence=1.0, downbeats=starts,
                    downbeat_confidence=1.0, bars=np.stack([starts, starts + 4 * period], axis=1),
                    tempo_curve=np.stack([starts, np.full(n_bars, tempo)], axis=1), meter=4,
                    beat_positions=np.arange(beats.size) % 4, duration=float(beats[-1] + period))


def hits_from_bars(bars: list[dict[str, str | list[float]]], grid: BeatGrid, swing: float = 0.0,
                   shift_ms: dict[str, float] | None = None) -> list[DrumHit]:
    """Hits of 16-step templates, one dict per bar, on a constant-tempo grid."""
    sixteenth = 60.0 / grid.tempo / 4
    out = []
    for b, bar in enumerate(bars):
        for label, pattern in bar.items():
            vel = steps(pattern) if isinstance(pattern, str) else pattern
            for s, v in enumerate(vel):
                if v > 0:
                    t = grid.bars[b, 0] + (s + (swing if s % 2 else 0.0)) * sixteenth
                    t += (shift_ms or {}).get(label, 0.0) / 1000.0
                    out.append(DrumHit(t, label, 1.0, v))
    return out


def amen_bars(n: int) -> list[dict[str, list[float]]]:
    return [{label: seq[16 * (b % 4): 16 * (b % 4) + 16] for label, seq in AMEN_BREAK.items()} for b in range(n)]


# ---------------------------------------------------------------------------------------------------
# Patterns on constructed grids.

def test_step_grid_density_and_two_step():
    grid = make_grid(172.0, 4)
    p = analyze_patterns(hits_from_bars([TWO_STEP] * 4, grid), grid)
    assert p.grid.shape == (4, len(DRUM_CLASSES), 16)
    k, s, h = (DRUM_CLASSES.index(x) for x in ("kick", "snare", "hihat_closed"))
    assert np.allclose(p.grid[:, k], steps(TWO_STEP["kick"]))
    assert np.allclose(p.grid[:, s], steps(TWO_STEP["snare"]))
    assert np.allclose(p.grid[:, h], steps(TWO_STEP["hihat_closed"]))
    assert p.density[:, k].tolist() == [2] * 4 and p.density[:, h].tolist() == [8] * 4
    assert p.bar_types == ["two_step"] * 4 and p.pattern == "two_step"
    assert p.mean_density == 12 and p.unplaced == 0 and p.fills == []
    # The same skeleton at a hip-hop tempo is a breakbeat.
    slow = make_grid(86.0, 4)
    assert analyze_patterns(hits_from_bars([TWO_STEP] * 4, slow), slow).pattern == "breakbeat"


@pytest.mark.parametrize("bar, expected", [(FOUR_ON_FLOOR, "four_on_the_floor"), (HALF_TIME, "half_time")])
def test_pattern_types(bar, expected):
    grid = make_grid(140.0, 4)
    p = analyze_patterns(hits_from_bars([bar] * 4, grid), grid)
    assert p.pattern == expected and set(p.bar_types) == {expected}


def test_amen_template_and_similarity():
    grid = make_grid(170.0, 8)
    p = analyze_patterns(hits_from_bars(amen_bars(8), grid), grid)
    assert p.pattern == "amen_like" and p.amen_similarity == pytest.approx(1.0)
    four = analyze_patterns(hits_from_bars([FOUR_ON_FLOOR] * 8, grid), grid)
    assert four.amen_similarity < 0.5


def test_swing_and_microtiming():
    grid = make_grid(95.0, 8)
    bar = {"kick": "9.........9.....", "snare": "....9.......9...", "hihat_closed": "6454645464546454"}
    hits = hits_from_bars([bar] * 8, grid, swing=0.22, shift_ms={"snare": 8.0})
    p = analyze_patterns(hits, grid)
    assert p.swing == pytest.approx(0.22, abs=0.01)
    assert p.swing_support == 64
    assert p.microtiming["snare"]["mean_ms"] - p.microtiming["kick"]["mean_ms"] == pytest.approx(8.0, abs=0.5)
    assert p.microtiming["kick"]["std_ms"] < 0.5
    # Straight 16ths measure no swing.
    assert analyze_patterns(hits_from_bars([bar] * 8, grid), grid).swing == pytest.approx(0.0, abs=0.01)


def test_syncopation():
    assert lhl_syncopation(np.array(steps("9...9...9...9...")) > 0) == 0
    assert lhl_syncopation(np.array(steps("....9.......9...")) > 0) == 3  # 1 before beat 3, 2 before the downbeat
    assert lhl_syncopation(np.zeros(16, dtype=bool)) == 0

    def sync(bar: dict) -> float:
        g = np.zeros((len(DRUM_CLASSES), 16))
        for label, pattern in bar.items():
            g[DRUM_CLASSES.index(label)] = steps(pattern) if isinstance(pattern, str) else pattern
        return bar_syncopation(g)

    amen = np.mean([sync(b) for b in amen_bars(4)])
    assert sync(FOUR_ON_FLOOR) < sync(TWO_STEP) < amen


def test_fills():
    grid = make_grid(172.0, 8)
    fill = {"kick": "9.........8.....", "snare": "....9...........", "tom": "........9.9.9.9."}
    roll = {"snare": "9999999999999999"}
    bars = [TWO_STEP, TWO_STEP, TWO_STEP, fill, TWO_STEP, TWO_STEP, roll, TWO_STEP]
    p = analyze_patterns(hits_from_bars(bars, grid), grid)
    assert p.fills == [3, 6]
    assert p.to_dict()["bars"][3]["fill"] is True


def test_no_hits_and_other_and_outside_hits():
    grid = make_grid(128.0, 4)
    p = analyze_patterns([], grid)
    assert p.pattern == "none" and p.summary() == {"pattern": "none", "amen_similarity": 0.0, "swing": 0.0,
                                                     "syncopation": 0.0, "density": 0.0}
    assert p.swing_support == 0 and p.density.sum() == 0 and p.microtiming == {}
    hits = [DrumHit(1.0, "other", 1.0, 1.0), DrumHit(0.1, "kick", 1.0, 1.0), DrumHit(100.0, "kick", 1.0, 1.0)]
    p = analyze_patterns(hits, grid)
    assert p.density.sum() == 0 and p.unplaced == 2
    with pytest.raises(PatternError, match="no bars"):
        empty = make_grid(128.0, 4)
        empty.bars = np.zeros((0, 2))
        analyze_patterns([], empty)
    with pytest.raises(PatternError, match="finite"):
        analyze_patterns([DrumHit(float("nan"), "kick")], grid)


def test_to_dict_and_summary_are_json():
    grid = make_grid(172.0, 4)
    p = analyze_patterns(hits_from_bars([TWO_STEP] * 4, grid), grid)
    d = json.loads(json.dumps(p.to_dict(), allow_nan=False))
    assert d["pattern"] == "two_step" and len(d["bars"]) == 4
    assert d["dominant"]["kick"] == pytest.approx(steps(TWO_STEP["kick"]), abs=1e-3)
    assert d["bars"][0]["steps"]["kick"][0] == pytest.approx(1.0)
    s = p.summary()
    assert set(s) == {"pattern", "amen_similarity", "swing", "syncopation", "density"}
    assert all(isinstance(v, float) for k, v in s.items() if k != "pattern")


# ---------------------------------------------------------------------------------------------------
# Patterns of generated tracks (grid from the audio, hits from the truth).

def _analyse(style: str, seed: int, seconds: float = 32.0, **kw):
    track = generate(style, seed, seconds, sr=SR, **kw)
    hits = [DrumHit(h["time"], h["label"], 1.0, h["velocity"]) for h in track.truth.hits]
    return track, analyze_patterns(hits, beat_grid(track.mono(), SR, hits=hits))


@pytest.fixture(scope="module")
def generated():
    return {style: _analyse(style, 1) for style in ("techno", "house", "neurofunk", "liquid", "jungle")}


@pytest.mark.parametrize("style, expected", [("techno", "four_on_the_floor"), ("house", "four_on_the_floor"),
                                             ("neurofunk", "two_step"), ("liquid", "two_step"),
                                             ("jungle", "amen_like")])
def test_generated_pattern_types(generated, style, expected):
    assert generated[style][1].pattern == expected


def test_generated_amen_and_syncopation(generated):
    jungle, techno, dnb = generated["jungle"][1], generated["techno"][1], generated["neurofunk"][1]
    assert jungle.amen_similarity >= 0.8 and techno.amen_similarity <= 0.4
    assert jungle.amen_similarity > dnb.amen_similarity > techno.amen_similarity
    assert techno.syncopation < dnb.syncopation < jungle.syncopation


def test_generated_swing_matches_truth():
    track, p = _analyse("hiphop", 1, 30.0, density=0.9)
    assert track.truth.swing > 0.1
    assert p.swing == pytest.approx(track.truth.swing, abs=0.03)
    assert p.swing_support > 20


# ---------------------------------------------------------------------------------------------------
# Exports.

HITS = [DrumHit(0.0, "kick", 0.9, 1.0), DrumHit(0.0, "hihat_closed", 0.8, 0.5), DrumHit(0.1744, "snare", 1.0, 0.31),
        DrumHit(0.35, "clap", 1.0, 0.7), DrumHit(0.5, "tom", 1.0, 0.9), DrumHit(0.61, "crash", 1.0, 0.8),
        DrumHit(0.7, "ride", 1.0, 0.6), DrumHit(0.75, "hihat_open", 1.0, 0.004), DrumHit(0.9, "other", 1.0, 0.5)]


def test_midi_round_trip(tmp_path):
    path = tmp_path / "drums.mid"
    tempo = 172.0
    hits_to_midi(HITS, path, tempo)
    mid = mido.MidiFile(path)
    assert mid.type == 0 and len(mid.tracks) == 1
    tick = 60.0 / tempo / mid.ticks_per_beat
    notes, now = [], 0.0
    for msg in mid:
        now += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            assert msg.channel == 9
            notes.append((now, msg.note, msg.velocity))
    expected = [h for h in HITS if h.label != "other"]
    assert len(notes) == len(expected)
    for (t, note, vel), h in zip(sorted(notes), sorted(expected, key=lambda h: (h.time, GM_NOTES[h.label]))):
        assert note == GM_NOTES[h.label]
        assert abs(t - h.time) <= tick
        assert vel == max(1, min(127, round(h.velocity * 127)))
    back = hits_from_midi(path)
    assert sorted(h.label for h in back) == sorted(h.label for h in expected)
    # "other" hits can be kept under a chosen note.
    hits_to_midi(HITS, path, tempo, other_note=56)
    assert any(h.label == "other" for h in hits_from_midi(path))


def test_csv_and_json_round_trip():
    ordered = sorted(HITS, key=lambda h: (h.time, h.label))
    assert hits_from_csv(hits_to_csv(HITS)) == ordered
    assert hits_to_csv([]).strip() == "time,label,confidence,velocity"
    assert hits_from_json(hits_to_json(HITS)) == ordered
    grid = make_grid(172.0, 2)
    doc = json.loads(hits_to_json(HITS, grid, analyze_patterns(HITS, grid)))
    assert {"hits", "grid", "patterns"} <= set(doc) and doc["grid"]["tempo"] == 172.0


def test_export_bad_input(tmp_path):
    with pytest.raises(ExportError, match="non-finite"):
        hits_to_csv([DrumHit(float("nan"), "kick")])
    with pytest.raises(ExportError, match="unknown drum label"):
        hits_to_json([DrumHit(0.1, "cowbell")])
    with pytest.raises(ExportError, match="before the start"):
        hits_to_midi([DrumHit(-1.0, "kick")], tmp_path / "x.mid", 120.0)
    with pytest.raises(ExportError, match="tempo"):
        hits_to_midi(HITS, tmp_path / "x.mid", 0.0)
    with pytest.raises(ExportError, match="columns"):
        hits_from_csv("a,b\n1,2\n")
    with pytest.raises(ExportError, match="JSON"):
        hits_from_json('{"nohits": []}')
