"""Concept descriptors: vocabulary, ranges, consistency and what they say about controlled tracks and segments."""
from __future__ import annotations

import numpy as np
import pytest

from heihachi_index.analysis.emotion import EMOTIONS, emotion_scores
from heihachi_index.features import extract
from heihachi_index.search.descriptors import (
    CONCEPTS, DETECTOR_NAMES, DETECTORS, FEATURE_SCALE, GROUPS, SOUND_FEATURES, describe, describe_many,
)
from heihachi_index.synth import generate

SR = 22050
VOCABULARY = {
    "mood": "dark bright aggressive calm euphoric melancholic hypnotic tense uplifting chill energetic warm",
    "sound": "heavy_bass sub_bass reese wobble distorted clean sparse dense punchy_drums rolling minimal atmospheric "
             "vocal drums",
    "style": "drum_and_bass neurofunk liquid jungle halftime dubstep techno house ambient breakbeat hip_hop",
    "tempo": "slow mid_tempo fast",
    "structure": "intro build_up drop breakdown outro",
}


def _features(y: np.ndarray) -> tuple[np.ndarray, dict]:
    r = extract(y, SR)
    return r.vector, {"tempo": r.tempo, "tempo_confidence": r.tempo_confidence, "mode": r.mode}


@pytest.fixture(scope="module")
def tracks():
    specs = {
        "neurofunk": dict(style="neurofunk", seed=5, tempo=174.0, bass="reese", distortion=0.85, mode="minor"),
        "liquid": dict(style="liquid", seed=5, tempo=172.0, bass="sub", distortion=0.05, mode="major"),
        "dubstep": dict(style="dubstep", seed=5, bass="wobble", distortion=0.8),
        "house": dict(style="house", seed=5, tempo=124.0, mode="major", distortion=0.05),
        "hiphop": dict(style="hiphop", seed=5, tempo=88.0),
        "ambient": dict(style="ambient", seed=5, bass="none"),
    }
    out = {}
    for name, kw in specs.items():
        track = generate(kw.pop("style"), kw.pop("seed"), 15.0, SR, structure=False, **kw)
        out[name] = _features(track.mono())
    return out


def test_vocabulary():
    assert len(CONCEPTS) == 45
    for group, names in VOCABULARY.items():
        assert [c.name for c in CONCEPTS.values() if c.group == group] == names.split()
    assert set(GROUPS) == set(VOCABULARY)
    assert all(c.description for c in CONCEPTS.values())
    assert tuple(DETECTORS) == DETECTOR_NAMES and tuple(FEATURE_SCALE) == SOUND_FEATURES
    assert all(len(d.weights) == len(SOUND_FEATURES) for d in DETECTORS.values())


def test_range_and_batch_agree(tracks):
    vectors = np.stack([v for v, _ in tracks.values()])
    payloads = [p for _, p in tracks.values()]
    m = describe_many(vectors, payloads)
    assert m.shape == (len(payloads), 45) and np.all((m >= 0) & (m <= 1))
    one = describe(vectors[0], payloads[0])
    assert list(one) == list(CONCEPTS)
    np.testing.assert_allclose(list(one.values()), m[0], atol=1e-12)
    # a stored "emotion" is used as given; without it the same scores are computed
    with_emotion = {**payloads[0], "emotion": emotion_scores(vectors[0], payloads[0])}
    np.testing.assert_allclose(list(describe(vectors[0], with_emotion).values()), m[0], atol=1e-9)


def test_stored_emotion_is_read():
    v, p = np.zeros(641), {"tempo": 120.0}
    v[108] = 0.1  # rms
    low = describe(v, {**p, "emotion": dict.fromkeys(EMOTIONS, 0.05)})
    high = describe(v, {**p, "emotion": dict.fromkeys(EMOTIONS, 0.95)})
    assert high["energetic"] > low["energetic"] + 0.5 and high["calm"] < low["calm"]


def _best(tracks, concept: str) -> str:
    return max(tracks, key=lambda name: describe(*tracks[name])[concept])


@pytest.mark.parametrize("concept, expected", [
    ("neurofunk", "neurofunk"), ("liquid", "liquid"), ("dubstep", "dubstep"), ("wobble", "dubstep"),
    ("reese", "neurofunk"), ("house", "house"), ("hip_hop", "hiphop"), ("ambient", "ambient"),
    ("distorted", "neurofunk"), ("atmospheric", "ambient"), ("slow", "hiphop"),
])
def test_controlled_tracks_rank_first(tracks, concept, expected):
    assert _best(tracks, concept) == expected


def test_tempo_bands(tracks):
    nf, hh, house = (describe(*tracks[k]) for k in ("neurofunk", "hiphop", "house"))
    assert nf["fast"] > 0.9 and hh["slow"] > 0.9 and house["mid_tempo"] > 0.9
    assert nf["slow"] < 0.1 and hh["fast"] < 0.1


def test_drums_and_bass_detected(tracks):
    amb, nf = describe(*tracks["ambient"]), describe(*tracks["neurofunk"])
    assert amb["drums"] < 0.3 < 0.7 < nf["drums"]
    assert amb["heavy_bass"] < nf["heavy_bass"]


def test_drum_pattern_payload(tracks):
    v, p = tracks["house"]
    assert describe(v, {**p, "drums": {"pattern": "four_on_the_floor"}})["house"] >= 0.9
    assert describe(v, {**p, "drums": {"pattern": "breakbeat"}})["house"] <= 0.2


def test_structure_on_segments():
    """Section segments of one track: the drop reads as a drop, the breakdown as a breakdown."""
    track = generate("neurofunk", 8, 48.0, SR, tempo=172.0, bass="reese")
    y = track.mono()
    by_name = {}
    for s in track.truth.sections:
        by_name.setdefault(s["name"], s)
    seg = {name: _features(y[int(s["start"] * SR): int(s["end"] * SR)]) for name, s in by_name.items()
           if name in ("drop", "breakdown")}
    drop, brk = describe(*seg["drop"]), describe(*seg["breakdown"])
    assert drop["drop"] > brk["drop"] + 0.3
    assert brk["breakdown"] > drop["breakdown"] + 0.3


def test_bad_input():
    with pytest.raises(ValueError, match="one raw"):
        describe(np.zeros((2, 641)), {"tempo": 120})
    with pytest.raises(ValueError, match="within"):
        describe(np.zeros(641), {"tempo": 120, "emotion": dict.fromkeys(EMOTIONS, 2.0)})
    with pytest.raises(ValueError, match="shape"):
        describe_many(np.zeros((1, 10)), [{"tempo": 120}])
