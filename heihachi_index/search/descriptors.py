"""The 45 concept scores that text search ranks by: mood, sound, style, tempo and structure.

Every score is in [0, 1] and comes from the raw 641-d handcrafted vector, the payload facts (``tempo``,
optional ``drums``) and the emotion scores of :mod:`heihachi_index.analysis.emotion`. Three kinds of score:

- **rules** on emotion scores and standardised facts (moods, distortion, density, tempo bands, structure);
- **tempo windows**: a smooth window over the BPM (also matching the half or double tempo when the tempo
  estimate may have folded);
- **fitted detectors** for what a summary vector only shows as a spectral shape (bass type, drums, vocals,
  styles): an L2-regularised logistic regression on :data:`SOUND_FEATURES` (about 30 named, standardised
  summary features) fitted on the generator corpus with :func:`fit_detectors` (``python
  benchmarks/eval_text.py --refit-descriptors``, dev seeds only) and stored in :data:`DETECTORS`. Style
  scores multiply a detector by the style's tempo window, so a style never wins outside its tempo range.

When ``payload["drums"]`` is present, its ``pattern`` sharpens ``halftime``, ``breakbeat`` and the
four-on-the-floor styles and its hit rates replace the onset rate.

Structure concepts apply to the vector of a *segment* (moment search): ``drop`` = high energy with drums
and bass, ``breakdown`` = low energy, no drums, tonal; ``build_up`` = rising loudness and brightness
within the segment (the mean MFCC delta of coefficients 0 and 1) with drums or risers; ``intro`` /
``outro`` = thin (no bass, reduced drums) and rising / falling. A single vector cannot say where a
segment sits in the track, so intro and outro differ only by the direction of the loudness trend; on a
whole track these scores describe its overall shape and mean little.

Limits: detectors are fitted on synthetic music; their features were chosen to be meaningful on real
recordings (levels of bands relative to the loudest band, their spread over time) but their weights
have not been validated on real tracks.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

from heihachi_index.analysis import emotion
from heihachi_index.features.layout import SLICES

GROUPS: tuple[str, ...] = ("mood", "sound", "style", "tempo", "structure")

# --------------------------------------------------------------------------------------------- features

SOUND_FEATURES: tuple[str, ...] = emotion.FACTS + (
    "low_p75", "low_med", "lowmid_med", "lowmid_iqr", "mid_med", "mid_iqr", "mid_p25", "high_iqr",
    "mfcc_var", "chroma_var", "tonnetz_var", "contrast_var", "rms_cv", "formant", "delta0", "delta1",
)


def _sound_raw(v: np.ndarray) -> dict[str, np.ndarray]:
    """Descriptor facts beyond :func:`emotion.facts` (mel bands of 128 up to 11 kHz, dB below the maximum)."""
    p25, med, p75 = (v[:, SLICES[k]] for k in ("mel_p25", "mel_median", "mel_p75"))
    iqr = p75 - p25
    rms_mean, rms_std = v[:, SLICES["rms"].start], v[:, SLICES["rms"].start + 1]
    return {
        "low_p75": p75[:, 0:4].mean(axis=1),          # below 80 Hz
        "low_med": med[:, 2:6].mean(axis=1),          # 50-130 Hz
        "lowmid_med": med[:, 6:12].mean(axis=1),      # 150-310 Hz
        "lowmid_iqr": iqr[:, 6:12].mean(axis=1),
        "mid_med": med[:, 30:65].mean(axis=1),        # 790-2100 Hz
        "mid_iqr": iqr[:, 30:65].mean(axis=1),
        "mid_p25": p25[:, 30:65].mean(axis=1),
        "high_iqr": iqr[:, 100:].mean(axis=1),        # above 5.3 kHz
        "mfcc_var": v[:, SLICES["mfcc_std"]][:, 1:13].mean(axis=1),
        "chroma_var": v[:, SLICES["chroma_std"]].mean(axis=1),
        "tonnetz_var": v[:, SLICES["tonnetz_std"]].mean(axis=1),
        "contrast_var": v[:, SLICES["contrast_std"]].mean(axis=1),
        "rms_cv": rms_std / np.maximum(rms_mean, 1e-9),
        "formant": v[:, SLICES["mfcc_std"]][:, 13:20].mean(axis=1),
        "delta0": v[:, SLICES["mfcc_delta_mean"].start],
        "delta1": v[:, SLICES["mfcc_delta_mean"].start + 1],
    }


def sound_features(vectors: np.ndarray, payloads: Sequence[Mapping]) -> np.ndarray:
    """Raw :data:`SOUND_FEATURES` of ``n`` tracks, ``(n, len(SOUND_FEATURES))``."""
    raw = emotion.facts(vectors, payloads)
    raw.update(_sound_raw(np.atleast_2d(np.asarray(vectors, dtype=np.float64))))
    return np.stack([raw[k] for k in SOUND_FEATURES], axis=1)


# --------------------------------------------------------------------------------------------- detectors

@dataclass(frozen=True)
class Detector:
    """A logistic detector over the standardised :data:`SOUND_FEATURES`: ``sigmoid(bias + weights . z)``."""

    weights: tuple[float, ...]
    bias: float

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return _sigmoid(self.bias + z @ np.asarray(self.weights))


def fit_scale(x: np.ndarray) -> dict[str, tuple[float, float]]:
    """Centre (median) and scale (half the 10-90 percentile range) of each column of raw sound features."""
    p10, p50, p90 = np.percentile(x, [10, 50, 90], axis=0)
    return {k: (round(float(c), 5), round(float(max(0.5 * (h - l), 1e-6)), 5))
            for k, c, l, h in zip(SOUND_FEATURES, p50, p10, p90)}


def standardize(x: np.ndarray, scale: Mapping[str, tuple[float, float]] | None = None) -> np.ndarray:
    """Raw sound features ``(n, d)`` -> ``(x - centre) / scale`` with :data:`FEATURE_SCALE`."""
    scale = FEATURE_SCALE if scale is None else scale
    if not scale:
        raise RuntimeError("descriptor feature scales are not fitted (FEATURE_SCALE is empty)")
    c = np.array([scale[k][0] for k in SOUND_FEATURES])
    s = np.array([scale[k][1] for k in SOUND_FEATURES])
    return (x - c) / s


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -40.0, 40.0)))


def _logistic_fit(z: np.ndarray, y: np.ndarray, l2: float, iters: int = 50) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by Newton's method (the bias is not penalised)."""
    n, d = z.shape
    X = np.hstack([z, np.ones((n, 1))])
    w = np.zeros(d + 1)
    penalty = np.full(d + 1, l2)
    penalty[-1] = 0.0
    for _ in range(iters):
        p = _sigmoid(X @ w)
        grad = X.T @ (p - y) + penalty * w
        hess = (X * (p * (1 - p))[:, None]).T @ X + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return w[:-1], float(w[-1])


def fit_detectors(vectors: np.ndarray, payloads: Sequence[Mapping], labels: Mapping[str, np.ndarray],
                  l2: float = 3.0) -> tuple[dict[str, tuple[float, float]], dict[str, Detector]]:
    """Fit one detector per label on a corpus.

    Parameters
    ----------
    vectors, payloads
        Raw handcrafted vectors ``(n, 641)`` and their payloads.
    labels : mapping of str to bool array
        Detector name -> which tracks have the property (e.g. ``bass_type == "reese"``).
    l2 : float
        Ridge penalty on the standardised weights.

    Returns
    -------
    (feature_scale, detectors)
        The standardisation of :data:`SOUND_FEATURES` (:data:`FEATURE_SCALE`) and name -> :class:`Detector`.
    """
    x = sound_features(vectors, payloads)
    scale = fit_scale(x)
    z = standardize(x, scale)
    out = {}
    for name, y in labels.items():
        y = np.asarray(y, dtype=float)
        if y.shape != (x.shape[0],) or y.min() == y.max():
            raise ValueError(f"labels {name!r} must be a boolean array of length {x.shape[0]} with both classes")
        w, b = _logistic_fit(z, y, l2)
        out[name] = Detector(tuple(round(float(x), 4) for x in w), round(b, 4))
    return scale, out


DETECTOR_NAMES: tuple[str, ...] = ("bass", "sub", "reese", "wobble", "drums", "vocals", "dnb", "neurofunk",
                                   "liquid", "jungle", "dubstep", "techno", "house", "hiphop", "ambient")

# --------------------------------------------------------------------------------------------- concepts


@dataclass
class Context:
    """What the score functions read: standardised facts ``z``, emotion scores ``emo``, BPM, detectors."""

    z: dict[str, np.ndarray]
    emo: dict[str, np.ndarray]
    bpm: np.ndarray
    det: dict[str, np.ndarray]
    pattern: np.ndarray  # drum pattern per track ("" when unknown)


@dataclass(frozen=True)
class Concept:
    """A named, grouped concept with its score function (vectorised over a :class:`Context`)."""

    name: str
    group: str
    description: str
    score: Callable[[Context], np.ndarray]


def _s(x: np.ndarray) -> np.ndarray:
    return _sigmoid(1.5 * x)


def _window(bpm: np.ndarray, lo: float, hi: float, soft: float = 4.0) -> np.ndarray:
    """~1 inside [lo, hi] BPM, falling off over ``soft`` BPM outside."""
    return _sigmoid((bpm - lo) / soft * 2.0) * _sigmoid((hi - bpm) / soft * 2.0)


def _window_folded(bpm: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Tempo window also matching half or double the tempo (a folded estimate), at 0.7 weight."""
    return np.maximum.reduce([_window(bpm, lo, hi), 0.7 * _window(2 * bpm, lo, hi), 0.7 * _window(bpm / 2, lo, hi)])


def _pattern(c: Context, names: tuple[str, ...], fallback: np.ndarray) -> np.ndarray:
    known = c.pattern != ""
    hit = np.isin(c.pattern, names)
    return np.where(known, np.where(hit, np.maximum(fallback, 0.9), np.minimum(fallback, 0.2)), fallback)


def _distorted(c: Context) -> np.ndarray:
    return _s(0.6 * -c.z["crest"] + 0.4 * -c.z["contrast"] + 0.2 * c.z["flatness"])


def _dense(c: Context) -> np.ndarray:
    return _s(0.4 * c.z["drum_rate"] + 0.3 * c.z["onset_rate"] + 0.3 * c.z["hats"])


def _dnb_tempo(c: Context) -> np.ndarray:
    return _window_folded(c.bpm, 158, 182)


def _style(det: str, lo: float, hi: float) -> Callable[[Context], np.ndarray]:
    def score(c: Context) -> np.ndarray:
        return c.det[det] * _window_folded(c.bpm, lo, hi)
    return score


def _four_floor(det: str, lo: float, hi: float) -> Callable[[Context], np.ndarray]:
    base = _style(det, lo, hi)

    def score(c: Context) -> np.ndarray:
        return _pattern(c, ("four_on_the_floor",), base(c))
    return score


def _drop(c: Context) -> np.ndarray:
    return (c.emo["energy"] * c.det["drums"] * c.det["bass"]) ** (1 / 3)


def _breakdown(c: Context) -> np.ndarray:
    return ((1 - c.emo["energy"]) * (1 - c.det["drums"]) * c.emo["atmosphere"]) ** (1 / 3)


def _rising(c: Context) -> np.ndarray:
    # delta0 rises with loudness, delta1 falls as the spectrum brightens (more high-frequency energy)
    return _sigmoid((c.z["delta0"] - 0.5 * c.z["delta1"]) * 1.5)


def _thin(c: Context) -> np.ndarray:
    return (1 - c.det["bass"]) * (1 - 0.5 * c.emo["energy"])


_C: tuple[tuple[str, str, str, Callable[[Context], np.ndarray]], ...] = (
    # mood
    ("dark", "mood", "minor, dull, tense", lambda c: 0.5 * (1 - c.emo["valence"]) + 0.3 * (1 - c.emo["brightness"])
     + 0.2 * c.emo["tension"]),
    ("bright", "mood", "bright timbre, positive", lambda c: 0.8 * c.emo["brightness"] + 0.2 * c.emo["valence"]),
    ("aggressive", "mood", "loud, distorted, hard", lambda c: 0.7 * c.emo["aggression"] + 0.3 * _distorted(c)),
    ("calm", "mood", "low arousal, soft, few drums", lambda c: 0.4 * (1 - c.emo["arousal"])
     + 0.25 * (1 - c.emo["energy"]) + 0.15 * (1 - c.emo["aggression"]) + 0.2 * (1 - c.det["drums"])),
    ("euphoric", "mood", "major, bright, energetic", lambda c: 0.6 * c.emo["euphoria"] + 0.2 * c.emo["energy"]
     + 0.2 * c.emo["valence"]),
    ("melancholic", "mood", "minor, soft, sad", lambda c: 0.7 * c.emo["melancholy"] + 0.3 * (1 - c.emo["aggression"])),
    ("hypnotic", "mood", "steady pulse, little change", lambda c: 0.5 * c.emo["groove"] + 0.5 * _s(
        -0.5 * c.z["mfcc_var"] - 0.5 * c.z["chroma_var"])),
    ("tense", "mood", "tension", lambda c: c.emo["tension"]),
    ("uplifting", "mood", "positive, rising", lambda c: 0.6 * c.emo["valence"] + 0.2 * c.emo["energy"]
     + 0.2 * c.emo["brightness"]),
    ("chill", "mood", "relaxed, warm", lambda c: 0.4 * (1 - c.emo["energy"]) + 0.3 * c.emo["warmth"]
     + 0.3 * (1 - c.emo["aggression"])),
    ("energetic", "mood", "high energy", lambda c: 0.6 * c.emo["energy"] + 0.4 * c.emo["arousal"]),
    ("warm", "mood", "warm, round", lambda c: c.emo["warmth"]),
    # sound
    ("heavy_bass", "sound", "prominent bass", lambda c: c.det["bass"] * (0.6 + 0.4 * _s(c.z["low_p75"]))),
    ("sub_bass", "sound", "clean sub bass", lambda c: c.det["sub"]),
    ("reese", "sound", "detuned, phasing reese bass", lambda c: c.det["reese"]),
    ("wobble", "sound", "LFO-modulated wobble bass", lambda c: c.det["wobble"]),
    ("distorted", "sound", "saturated, clipped", _distorted),
    ("clean", "sound", "undistorted", lambda c: 1 - _distorted(c)),
    ("sparse", "sound", "few events", lambda c: 1 - _dense(c)),
    ("dense", "sound", "many events", _dense),
    ("punchy_drums", "sound", "drums with strong transients", lambda c: c.det["drums"] * _s(
        0.5 * c.z["crest"] + 0.5 * c.z["lowmid_iqr"])),
    ("rolling", "sound", "continuous fast drums and bass", lambda c: (_dnb_tempo(c) * c.det["drums"]
                                                                    * c.det["bass"]) ** (1 / 3)),
    ("minimal", "sound", "sparse, repetitive, with drums", lambda c: c.det["drums"] * (
        0.5 * (1 - _dense(c)) + 0.5 * _s(-0.5 * c.z["mfcc_var"] - 0.5 * c.z["chroma_var"]))),
    ("atmospheric", "sound", "sustained, spacious", lambda c: c.emo["atmosphere"]),
    ("vocal", "sound", "singing or vocal-like formants", lambda c: c.det["vocals"]),
    ("drums", "sound", "drums present", lambda c: c.det["drums"]),
    # style
    ("drum_and_bass", "style", "160-180 BPM breakbeats and bass", _style("dnb", 158, 182)),
    ("neurofunk", "style", "dark distorted drum and bass", _style("neurofunk", 162, 182)),
    ("liquid", "style", "melodic clean drum and bass", _style("liquid", 162, 180)),
    ("jungle", "style", "chopped breakbeats, 160-176 BPM", _style("jungle", 155, 180)),
    ("halftime", "style", "half-time drums", lambda c: _pattern(c, ("half_time",), np.maximum(
        _style("dubstep", 134, 146)(c), 0.6 * _style("hiphop", 68, 102)(c)))),
    ("dubstep", "style", "140 BPM half-time, wobble", _style("dubstep", 134, 146)),
    ("techno", "style", "four-on-the-floor, 125-140 BPM", _four_floor("techno", 122, 142)),
    ("house", "style", "four-on-the-floor, 115-130 BPM", _four_floor("house", 114, 131)),
    ("ambient", "style", "beatless, sustained", lambda c: c.det["ambient"] * (0.5 + 0.5 * (1 - c.det["drums"]))),
    ("breakbeat", "style", "broken beats", lambda c: _pattern(c, ("breakbeat", "amen_like"), np.maximum(
        _style("jungle", 155, 180)(c), 0.8 * _style("dnb", 158, 182)(c)))),
    ("hip_hop", "style", "boom-bap, 70-100 BPM", _style("hiphop", 66, 104)),
    # tempo
    ("slow", "tempo", "below ~100 BPM", lambda c: _sigmoid((100.0 - c.bpm) / 5.0)),
    ("mid_tempo", "tempo", "~110-145 BPM", lambda c: _window(c.bpm, 108, 147, 3.0)),
    ("fast", "tempo", "above ~150 BPM", lambda c: _sigmoid((c.bpm - 150.0) / 4.0) * (0.8 + 0.2 * c.emo["arousal"])),
    # structure
    ("intro", "structure", "thin, rising start", lambda c: (_thin(c) * (0.3 + 0.7 * _rising(c))) ** 0.5),
    ("build_up", "structure", "rising energy and brightness", lambda c: (_rising(c) * (
        0.5 + 0.5 * np.maximum(c.det["drums"], c.emo["brightness"]))) ** 0.5),
    ("drop", "structure", "full energy with drums and bass", _drop),
    ("breakdown", "structure", "low energy without drums", _breakdown),
    ("outro", "structure", "thin, falling end", lambda c: (_thin(c) * (0.3 + 0.7 * (1 - _rising(c)))) ** 0.5),
)

CONCEPTS: dict[str, Concept] = {name: Concept(name, group, desc, fn) for name, group, desc, fn in _C}


def context(vectors: np.ndarray, payloads: Sequence[Mapping]) -> Context:
    """Everything the concept scores read, for ``n`` raw vectors and their payloads."""
    v = np.atleast_2d(np.asarray(vectors, dtype=np.float64))
    x = sound_features(v, payloads)
    raw = dict(zip(SOUND_FEATURES, x.T))
    zm = standardize(x)
    z = dict(zip(SOUND_FEATURES, zm.T))
    emo_rows = []
    for i, p in enumerate(payloads):
        e = p.get("emotion")
        emo_rows.append([float(e[k]) for k in emotion.EMOTIONS] if e else None)
    missing = [i for i, r in enumerate(emo_rows) if r is None]
    if missing:
        computed = emotion.emotion_matrix(v[missing], [payloads[i] for i in missing])
        for i, row in zip(missing, computed):
            emo_rows[i] = list(row)
    emo_m = np.asarray(emo_rows, dtype=np.float64)
    if np.any((emo_m < 0) | (emo_m > 1)) or not np.all(np.isfinite(emo_m)):
        raise ValueError("payload 'emotion' scores must be finite and within [0, 1]")
    if not DETECTORS:
        raise RuntimeError("descriptor detectors are not fitted (DETECTORS is empty)")
    det = {name: d(zm) for name, d in DETECTORS.items()}
    pattern = np.array([str((p.get("drums") or {}).get("pattern") or "") for p in payloads])
    bpm = np.exp2(raw["tempo"])
    return Context(z, dict(zip(emotion.EMOTIONS, emo_m.T)), bpm, det, pattern)


def describe_many(vectors: np.ndarray, payloads: Sequence[Mapping]) -> np.ndarray:
    """Concept scores of ``n`` tracks (or segments), ``(n, 45)`` in :data:`CONCEPTS` order, in [0, 1]."""
    c = context(vectors, payloads)
    out = np.stack([np.broadcast_to(concept.score(c), c.bpm.shape) for concept in CONCEPTS.values()], axis=1)
    return np.clip(out, 0.0, 1.0)


def describe(vector: np.ndarray, payload: Mapping) -> dict[str, float]:
    """All 45 concept scores of one track.

    Parameters
    ----------
    vector : np.ndarray
        Raw 641-d handcrafted vector.
    payload : mapping
        ``tempo``; ``emotion`` (computed when absent); optional ``drums``.

    Returns
    -------
    dict of str to float
        Concept name -> score in [0, 1], in :data:`CONCEPTS` order.
    """
    v = np.asarray(vector)
    if v.ndim != 1:
        raise ValueError(f"expected one raw handcrafted vector, got shape {v.shape}")
    row = describe_many(v, [payload])[0]
    return {name: float(s) for name, s in zip(CONCEPTS, row)}


# ------------------------------------------------------------------ fitted constants (see fit_detectors)
FEATURE_SCALE: dict[str, tuple[float, float]] = {
    "loudness": (-14.677, 3.60058), "crest": (11.9855, 3.03274), "tempo": (7.10608, 0.53467),
    "onset_rate": (4.61667, 1.88333), "pulse": (0.50376, 0.21948), "tilt": (-7.81335, 4.74796),
    "centroid": (3.20467, 0.18435), "flatness": (-2.34603, 0.6871), "contrast": (23.3277, 2.96779),
    "bass": (0.34192, 0.31337), "sub_bass": (0.48088, 0.35513), "mode": (-0.34274, 0.82917),
    "key_strength": (0.8354, 0.16265), "drum_rate": (4.61667, 1.88333), "hats": (-57.9094, 13.2296),
    "low_p75": (-15.2134, 6.99298), "low_med": (-35.821, 9.95227), "lowmid_med": (-31.6941, 4.81298),
    "lowmid_iqr": (10.0039, 2.80621), "mid_med": (-50.8749, 5.19965), "mid_iqr": (12.5823, 2.16196),
    "mid_p25": (-57.9791, 4.86838), "high_iqr": (13.3497, 9.64167), "mfcc_var": (18.9235, 4.17376),
    "chroma_var": (0.19349, 0.06515), "tonnetz_var": (0.14503, 0.08543), "contrast_var": (6.52716, 1.10474),
    "rms_cv": (0.53926, 0.26681), "formant": (9.48779, 2.23887), "delta0": (0.02064, 0.09323),
    "delta1": (0.00859, 0.07507),
}
DETECTORS: dict[str, Detector] = {
    "bass": Detector(bias=3.6613, weights=(
        0.2875, -0.016, -0.1072, 0.1346, -0.0509, 0.2657, -0.5332, -0.4614, -0.2436, 0.0283, 0.2871, 0.1655,
        0.6935, 0.1346, -0.3469, 1.7075, -0.004, -0.1105, -0.252, 0.0221, 0.644, -0.2813, -0.3113, 0.4202, 0.6641,
        0.4396, 0.1743, -0.4268, 0.0063, 0.0518, 0.1124,)),
    "sub": Detector(bias=1.0657, weights=(
        0.3368, 0.1553, 0.4682, 0.1402, 0.0749, 0.5978, -0.3034, -0.5004, 0.4554, 0.2262, 0.1636, 0.2746, 0.3318,
        0.1402, 0.1182, 1.0657, -0.8832, -0.9763, -0.3168, -1.1555, -0.2471, -0.7656, 0.0679, 0.0615, 0.896,
        0.4621, 0.0191, -1.261, 0.1952, -0.0372, -0.6296,)),
    "reese": Detector(bias=-2.2287, weights=(
        -0.1661, 0.0698, -0.0538, -0.4597, 0.1153, -0.6125, 0.503, 0.3366, -0.5501, 0.0219, 0.1174, -0.1749,
        0.4222, -0.4597, 0.4594, 0.4869, 0.1627, 0.4608, 0.6463, 0.8648, 0.1861, 0.4557, -0.3218, -0.0946, -0.3496,
        0.0298, 0.5277, 0.387, 0.0648, 0.1164, -0.0295,)),
    "wobble": Detector(bias=-2.9082, weights=(
        -0.0718, -0.0144, -0.4072, 0.4398, -0.4998, 0.0299, -0.224, 0.1215, -0.5853, -0.1657, 0.1068, 0.1913,
        -0.3205, 0.4398, -0.4167, 0.4821, 0.6737, 0.5417, -0.6209, 0.6651, 0.7859, 0.3009, 0.3255, 0.4903, -0.0572,
        -0.3766, -0.4528, 0.4682, -0.2831, -0.2079, 0.5907,)),
    "drums": Detector(bias=3.919, weights=(
        -0.086, 0.1224, 0.2101, 0.2749, 0.0237, -0.107, 0.6337, 0.7049, -0.3357, 0.0245, 0.2426, 0.1242, -0.325,
        0.2749, 0.6989, 0.1653, 0.2226, -0.382, 0.0214, -0.4354, -0.0495, -0.447, 0.5477, 0.0058, -0.0996, -0.319,
        0.2744, -0.0142, -0.1941, -0.461, 0.0795,)),
    "vocals": Detector(bias=-0.7323, weights=(
        0.1116, 0.4468, -0.0261, -0.062, 0.1312, -0.3922, -0.077, 0.0689, 0.1979, -0.3805, -0.0465, 0.0692, 0.2504,
        -0.062, 0.1143, 0.1493, -0.0321, -0.5306, -0.1991, 0.1496, 0.0563, 0.1622, 0.387, -0.1229, 0.2381, -0.4816,
        -1.024, -0.3009, 0.8772, 0.0329, 0.0704,)),
    "dnb": Detector(bias=-0.5026, weights=(
        -0.4308, 0.4755, 1.7882, -0.1551, -0.9857, -0.2663, 0.2847, 0.1445, -0.5823, 0.0438, -0.1355, 0.0128,
        0.8596, -0.1551, 0.1188, 0.1721, -0.8655, 0.0965, 0.4932, 0.328, -0.2776, 0.3579, 0.1455, 0.2891, 0.1563,
        -0.1751, 0.4948, 0.3555, 0.0931, 0.4012, -0.6056,)),
    "neurofunk": Detector(bias=-3.1681, weights=(
        0.4301, -0.5797, 1.1343, -0.6052, -0.4014, -0.2423, 0.5153, 0.4088, -0.2236, -0.1089, 0.2086, -0.3584,
        0.2044, -0.6052, 0.4815, 0.2243, -0.0326, 0.1877, 0.1817, 0.2829, 0.0782, 0.1336, -0.3226, 0.2935, 0.0995,
        -0.0609, 0.5799, 0.1434, 0.399, 0.9532, 0.1439,)),
    "liquid": Detector(bias=-3.0248, weights=(
        -0.377, 0.5114, 0.9392, 0.6452, -0.1082, -0.6631, 0.1568, -0.0606, -0.0056, -0.1691, -0.1671, 0.2878,
        0.6768, 0.6452, 0.2361, 0.0067, -0.4844, 0.3752, -0.1429, 0.4557, 0.4775, 0.4401, 0.2994, 0.4894, 0.2612,
        0.0735, 0.032, -0.1492, 0.1546, -0.5365, -0.8055,)),
    "jungle": Detector(bias=-3.6214, weights=(
        -0.6957, 0.7655, 0.3233, -0.2934, -0.7475, 0.5485, -0.163, 0.1224, -0.6499, 0.4102, -0.1215, 0.1393,
        0.2251, -0.2934, -0.5227, 0.4074, -0.3906, -0.4666, 0.2031, -0.3629, -0.4823, -0.273, 0.266, -0.269,
        0.3195, -0.0499, 0.2712, 0.5717, -0.3275, 0.2912, 0.3772,)),
    "dubstep": Detector(bias=-3.4811, weights=(
        0.388, -0.4987, -0.6082, 0.6386, -0.1646, 0.478, -0.0303, -0.0522, 0.22, -0.1296, 0.0389, -0.3174, 0.0547,
        0.6386, -0.3874, 0.0608, 0.544, -0.0287, -0.4082, -0.1002, 0.2628, -0.0387, -0.0767, 0.7025, 0.2883,
        0.1836, -0.6777, 0.4301, -0.0693, 0.3945, 1.2966,)),
    "techno": Detector(bias=-4.8232, weights=(
        0.3169, -0.295, -0.0387, 0.7014, 0.4198, 0.0204, -0.7498, -0.7506, 0.1944, 0.2638, -0.0649, -0.0545,
        -0.1139, 0.7014, -0.1815, 0.4371, -0.1143, 0.0073, -0.2793, -0.3217, -0.1791, -0.307, 0.0327, -0.4443,
        -0.4848, -0.6511, -0.0757, -0.4161, 0.0454, 0.0982, 0.0585,)),
    "house": Detector(bias=-3.9763, weights=(
        -0.0576, 0.2645, -0.6749, -0.4339, -0.0854, 0.1636, 0.8268, 0.0139, -0.2636, 0.2866, 0.0155, 0.5729,
        -0.9127, -0.4339, 0.4385, 0.0986, -0.4711, -0.4511, 0.0725, 0.3128, 0.743, 0.1914, -0.245, -0.5254,
        -0.3996, -0.5794, 0.1495, -0.3748, -0.5852, 0.1075, -0.3377,)),
    "hiphop": Detector(bias=-2.8561, weights=(
        -0.0392, 0.1761, -0.5104, -0.3411, -0.3648, 0.3702, -0.182, 0.2424, 0.5171, -0.2745, 0.1948, 0.0057,
        -0.1527, -0.3411, -0.0941, 0.2317, 0.5999, 0.8964, -0.7429, -0.561, -0.105, -0.6112, 0.4849, 0.2451,
        0.4053, 0.0867, -0.1549, -0.2379, 0.056, -1.16, -0.6116,)),
    "ambient": Detector(bias=-4.4114, weights=(
        -0.1506, 0.0122, -0.4791, -0.2978, 1.1815, -0.298, -0.1851, 0.0615, 0.3366, -0.0228, -0.1485, 0.161,
        0.2167, -0.2978, -0.2097, -0.3766, 0.2107, -0.3408, 0.2732, 0.1619, -0.4565, 0.2915, -0.1527, 0.0379,
        0.2277, 1.0072, 0.2619, 0.0806, 0.5715, -0.0473, -0.0082,)),
}
