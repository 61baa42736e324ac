"""Emotion scores: range, calibration over the generator corpus, and controlled stimuli."""
from __future__ import annotations

import numpy as np
import pytest

from heihachi_index.analysis.emotion import EMOTIONS, emotion_matrix, emotion_scores, facts, fit_calibration
from heihachi_index.features import extract
from heihachi_index.synth import STYLES, generate

SR = 22050


def _features(style: str, seed: int, seconds: float = 12.0, gain: float = 1.0, **controls):
    track = generate(style, seed, seconds, SR, **controls)
    r = extract(track.mono() * np.float32(gain), SR)
    return r.vector, {"tempo": r.tempo, "tempo_confidence": r.tempo_confidence, "mode": r.mode}


@pytest.fixture(scope="module")
def corpus():
    """Three tracks per style with controls drawn from each style's ranges (seeds unlike the calibration's)."""
    rows = [_features(style, 40 + i, vocals=i == 1) for style in STYLES for i in range(3)]
    return np.stack([v for v, _ in rows]), [p for _, p in rows]


def test_names_and_range(corpus):
    vectors, payloads = corpus
    assert EMOTIONS == ("arousal", "valence", "energy", "brightness", "tension", "warmth", "groove", "aggression",
                        "atmosphere", "melancholy", "euphoria")
    m = emotion_matrix(vectors, payloads)
    assert m.shape == (len(payloads), 11)
    assert np.all((m >= 0) & (m <= 1))
    one = emotion_scores(vectors[0], payloads[0])
    assert list(one) == list(EMOTIONS)
    np.testing.assert_allclose([one[e] for e in EMOTIONS], m[0], atol=1e-12)


def test_calibrated_not_saturated(corpus):
    m = emotion_matrix(*corpus)
    p5, p95 = np.percentile(m, [5, 95], axis=0)
    for name, lo, hi in zip(EMOTIONS, p5, p95):
        assert hi - lo >= 0.5, f"{name}: 5-95 percentile spread {hi - lo:.2f}"
        assert lo > 0.01 and hi < 0.99, f"{name} saturates ({lo:.3f}-{hi:.3f})"


def test_fit_calibration_recovers_spread(corpus):
    vectors, payloads = corpus
    fact_scale, score_scale = fit_calibration(vectors, payloads)
    assert set(fact_scale) == set(facts(vectors, payloads)) and set(score_scale) == set(EMOTIONS)
    assert all(s > 0 for _, s in {**fact_scale, **score_scale}.values())


def _delta(style: str, base: dict, gain: float = 1.0, **change) -> dict[str, float]:
    a = emotion_scores(*_features(style, 3, 12.0, **base))
    b = emotion_scores(*_features(style, 3, 12.0, gain=gain, **{**base, **change}))
    return {e: b[e] - a[e] for e in EMOTIONS}


BASE = {"mode": "minor", "brightness": 0.5, "distortion": 0.3, "bass": "sub", "tempo": 124.0}


def test_faster_raises_arousal():
    d = _delta("house", BASE, tempo=150.0)
    assert d["arousal"] > 0.1
    assert abs(d["valence"]) < 0.1 and abs(d["brightness"]) < 0.15


def test_quieter_lowers_energy_only():
    d = _delta("techno", BASE, gain=0.25)  # -12 dB
    assert d["energy"] < -0.2 and d["arousal"] < -0.2 and d["aggression"] < -0.2
    for e in ("valence", "brightness", "tension", "warmth", "groove", "atmosphere", "melancholy", "euphoria"):
        assert abs(d[e]) < 0.05, (e, d[e])


def test_distortion_raises_aggression_and_tension():
    d = _delta("house", BASE, distortion=0.9)
    assert d["aggression"] > 0.1 and d["tension"] > 0.1
    assert d["valence"] < 0
    assert abs(d["groove"]) < 0.1


def test_brighter_raises_brightness():
    d = _delta("techno", BASE, brightness=0.9)
    assert d["brightness"] > 0.15
    assert abs(d["energy"]) < 0.05 and abs(d["arousal"]) < 0.1 and abs(d["aggression"]) < 0.05


def test_major_to_minor_moves_valence_not_energy():
    d = _delta("neurofunk", {**BASE, "mode": "major", "tempo": 172.0}, mode="minor")
    assert d["valence"] < -0.3 and d["melancholy"] > 0.3 and d["euphoria"] < -0.2 and d["tension"] > 0.1
    assert abs(d["energy"]) < 0.05 and abs(d["arousal"]) < 0.05


def test_drum_payload_replaces_onset_rate(corpus):
    vectors, payloads = corpus
    busy = {**payloads[0], "drums": {"per_second": {"kick": 8.0, "snare": 4.0, "hihat_closed": 16.0}}}
    none = {**payloads[0], "drums": {"per_second": {"kick": 0.0}}}
    assert emotion_scores(vectors[0], busy)["groove"] > emotion_scores(vectors[0], none)["groove"]


def test_bad_input():
    with pytest.raises(ValueError, match="shape"):
        emotion_scores(np.zeros(10), {"tempo": 120})
    bad = np.zeros(641)
    bad[3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        emotion_scores(bad, {"tempo": 120})
    with pytest.raises(ValueError, match="tempo"):
        emotion_scores(np.zeros(641), {"tempo": 0})
    with pytest.raises(ValueError, match="payloads"):
        emotion_matrix(np.zeros((2, 641)), [{"tempo": 120}])
