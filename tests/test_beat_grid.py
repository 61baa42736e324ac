"""Beat grid (heihachi_index.analysis.beat) on generated tracks with known beats and downbeats."""
from __future__ import annotations

import json

import numpy as np
import pytest

from heihachi_index.analysis.beat import BeatGrid, BeatTrackingError, beat_grid
from heihachi_index.analysis.types import DrumHit
from heihachi_index.synth import generate

SR = 22050


def f_measure(ref: np.ndarray, est: np.ndarray, window: float = 0.07, skip: float = 5.0) -> float:
    """Beat F-measure (+-70 ms, one-to-one, beats in the first ``skip`` seconds ignored)."""
    ref, est = np.asarray(ref)[np.asarray(ref) >= skip], np.asarray(est)[np.asarray(est) >= skip]
    if ref.size == 0 or est.size == 0:
        return float(ref.size == est.size)
    d = np.abs(ref[:, None] - est[None, :])
    i, j = np.nonzero(d <= window)
    used_r, used_e, hits = set(), set(), 0
    for a, b in sorted(zip(i, j), key=lambda p: d[p]):
        if a not in used_r and b not in used_e:
            used_r.add(a), used_e.add(b)
            hits += 1
    return 2 * hits / (ref.size + est.size)


def truth_hits(track) -> list[DrumHit]:
    return [DrumHit(h["time"], h["label"], 1.0, h["velocity"]) for h in track.truth.hits]


CASES = {"dnb": ("neurofunk", 3, 172.0), "halftime": ("dubstep", 2, 140.0), "house": ("house", 1, 124.0)}


@pytest.fixture(scope="module")
def tracks():
    return {name: generate(style, seed, 40.0, sr=SR, tempo=tempo) for name, (style, seed, tempo) in CASES.items()}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("use_hits", [False, True])
def test_tempo_beats_downbeats(tracks, name, use_hits):
    track = tracks[name]
    truth = track.truth
    g = beat_grid(track.mono(), SR, hits=truth_hits(track) if use_hits else None)
    assert abs(g.tempo / truth.tempo - 1) <= 0.02, (g.tempo, truth.tempo)
    assert f_measure(truth.beats, g.beats) >= 0.9
    assert f_measure(truth.downbeats, g.downbeats) >= 0.9
    # The grid is precise, not just within the +-70 ms window.
    ref = np.array(truth.beats)
    assert np.median(np.min(np.abs(g.beats[:, None] - ref[None, :]), axis=1)) < 0.005


def test_dnb_is_not_reported_at_half_tempo(tracks):
    g = beat_grid(tracks["dnb"].mono(), SR)
    assert 168 < g.tempo < 176
    assert np.median(np.diff(g.beats)) == pytest.approx(60 / 172, rel=0.02)


def test_grid_structure(tracks):
    g = beat_grid(tracks["house"].mono(), SR, hits=truth_hits(tracks["house"]))
    assert isinstance(g, BeatGrid) and g.meter == 4
    assert np.all(np.diff(g.beats) > 0) and g.beats[0] >= 0 and g.beats[-1] < g.duration
    assert np.isin(g.downbeats, g.beats).all()
    assert g.beat_positions.shape == g.beats.shape
    # Positions count 0, 1, 2, 3 through the bar.
    assert np.all((np.diff(g.beat_positions) % 4) == 1)
    assert g.bars.shape[1] == 2 and np.all(g.bars[:, 1] > g.bars[:, 0])
    assert np.allclose(g.bars[1:, 0], g.bars[:-1, 1])
    assert g.tempo_curve.shape == (g.bars.shape[0], 2)
    assert 0 <= g.tempo_confidence <= 1 and 0 <= g.beat_confidence <= 1 and 0 <= g.downbeat_confidence <= 1
    d = json.loads(json.dumps(g.to_dict(), allow_nan=False))
    assert d["tempo"] == pytest.approx(g.tempo, abs=1e-3)
    assert len(d["beats"]) == g.beats.size and len(d["bars"]) == g.bars.shape[0]
    # time_at / position_at are inverses.
    t = np.array([1.234, 10.5, 20.0])
    assert np.allclose(g.time_at(g.position_at(t)), t)


def _varispeed(y: np.ndarray, rate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    src = np.concatenate([[0.0], np.cumsum(rate[:-1])])
    src = src[src <= y.size - 1]
    return np.interp(src, np.arange(y.size), y).astype(np.float32), src


def test_tempo_curve_follows_a_drift():
    # A DJ's pitch fader moving from 168 to 176 BPM over 40 s.
    start, end, seconds = 168.0, 176.0, 40.0
    track = generate("neurofunk", 5, seconds * end / start + 1, sr=SR, tempo=start, structure=False)
    n = int(seconds * SR)
    rate = np.linspace(1.0, end / start, n)
    y, src = _varispeed(track.mono(), rate)
    t_out = np.arange(y.size) / SR
    beats = np.interp(np.array(track.truth.beats) * SR, src, t_out, right=np.nan)
    beats = beats[np.isfinite(beats)]
    g = beat_grid(y, SR)
    t, bpm = g.tempo_curve[:, 0], g.tempo_curve[:, 1]
    true = start * np.interp(t * SR, np.arange(rate.size), rate)
    inner = (t > 3) & (t < seconds - 3)
    assert np.max(np.abs(bpm[inner] / true[inner] - 1)) < 0.02
    assert np.corrcoef(bpm[inner], true[inner])[0, 1] > 0.9
    assert bpm[inner][-1] - bpm[inner][0] > 5
    assert f_measure(beats, g.beats) >= 0.9


def test_bad_input():
    with pytest.raises(BeatTrackingError, match="empty"):
        beat_grid(np.zeros(0, dtype=np.float32), SR)
    y = np.random.default_rng(0).standard_normal(SR * 5).astype(np.float32)
    bad = y.copy()
    bad[100] = np.nan
    with pytest.raises(BeatTrackingError, match="NaN"):
        beat_grid(bad, SR)
    with pytest.raises(BeatTrackingError, match="mono"):
        beat_grid(np.stack([y, y], axis=1), SR)
    with pytest.raises(BeatTrackingError, match="too short"):
        beat_grid(y[: SR // 2], SR)
    with pytest.raises(BeatTrackingError, match="silent"):
        beat_grid(np.zeros(SR * 5, dtype=np.float32), SR)
    with pytest.raises(BeatTrackingError, match="tempo_min"):
        beat_grid(y, SR, tempo_min=150, tempo_max=100)


def test_detector_like_hits_do_not_pull_the_grid_off_the_kicks(tracks):
    # A detector gives every class velocities up to 1: a loud 16th-note hat line (here on the odd 16ths)
    # and a snare only in one fill must not move the beats off a four-on-the-floor kick.
    track = tracks["house"]
    beats = np.asarray(track.truth.beats)
    sixteenth = float(np.median(np.diff(beats))) / 4
    hits = [DrumHit(float(b), "kick", 0.95, 1.0) for b in beats]
    hits += [DrumHit(float(b + k * sixteenth), "hihat_closed", 0.95, 1.0) for b in beats for k in (1, 3)]
    fill = beats[len(beats) // 2]
    hits += [DrumHit(float(fill + k * sixteenth), "snare", 0.95, 1.0) for k in (1, 3, 5, 6, 7)]
    hits.sort(key=lambda h: h.time)
    g = beat_grid(track.mono(), track.sr, hits=hits)
    assert f_measure(beats, g.beats) >= 0.95
    assert f_measure(np.asarray(track.truth.downbeats), g.downbeats) >= 0.9
