"""Emotion scores of a track (or a segment) from its 641-d handcrafted vector and a few payload facts.

Eleven scores in [0, 1] (:data:`EMOTIONS`): the two dimensions of the circumplex model, arousal and valence
(Russell 1980), and nine named qualities. Each is a logistic map of a weighted sum of standardised *facts*:

=============  ==================================================================================
fact           from
=============  ==================================================================================
loudness       20 log10 of the mean frame RMS (dBFS)
crest          peak-to-RMS ratio in dB (low = compressed, clipped, distorted)
tempo          log2 of the payload tempo (BPM)
onset_rate     onsets per second
pulse          tempo confidence (pulse clarity)
tilt           sustained-level spectral tilt: 25th-percentile mel level 1.6-4 kHz minus 400-1000 Hz (dB)
centroid       log10 of the mean spectral centroid
flatness       log10 of the mean spectral flatness
contrast       mean spectral contrast of the 200-1600 Hz octaves (dB; low = noisy, distorted)
bass           power share of 60-250 Hz
sub_bass       power share of 20-60 Hz
mode           signed mode clarity (major > 0 > minor) of the chroma key profile
key_strength   key-profile correlation (tonal clarity, low = ambiguous or dissonant)
drum_rate      drum hits per second (``payload["drums"]["per_second"]`` summed, else onsets/s)
hats           75th-percentile mel level above 7.5 kHz (hi-hats, cymbals; dB below the track maximum)
=============  ==================================================================================

Weights follow the music-emotion literature: arousal rises with loudness, tempo, onset rate and brightness
(Gabrielsson & Lindstroem 2010; Eerola & Vuoskoski 2013); valence with major mode, tonal clarity and
rhythmic regularity, and falls with roughness/distortion (Hevner 1936; Juslin & Laukka 2004; Eerola, Lartillot &
Toiviainen 2009, whose pulse-clarity and mode features inspired ``pulse`` and ``mode``). Energy is the physical
intensity (loudness, compression, event density); tension combines minor mode, dissonance and distortion;
aggression is loud, compressed, distorted, minor and fast; atmosphere is sustained, tonal and sparse.

Calibration (:func:`fit_calibration`): each fact is standardised as ``(x - median) / (0.5 * (p90 - p10))``
over the generator corpus, and each weighted sum ``r`` is mapped through ``1 / (1 + exp(-(r - c) / s))``
with ``c`` its median and ``s = (p95 - p5) / (2 * ln 9)``, so the corpus' 5th and 95th percentiles land
near 0.1 and 0.9. The constants below were fitted with ``python benchmarks/eval_text.py --refit-emotion``
(``--per-style 24``: dev seeds, 8 styles x 24 tracks x 30 s with varied controls).

Limits: the scores describe sound, not lyrics or cultural context; loudness is absolute (a track mastered
quietly reads calmer).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from heihachi_index.features.layout import DIM, SLICES

EMOTIONS: tuple[str, ...] = ("arousal", "valence", "energy", "brightness", "tension", "warmth", "groove",
                             "aggression", "atmosphere", "melancholy", "euphoria")
FACTS: tuple[str, ...] = ("loudness", "crest", "tempo", "onset_rate", "pulse", "tilt", "centroid", "flatness",
                          "contrast", "bass", "sub_bass", "mode", "key_strength", "drum_rate", "hats")

# Signed weights of the standardised facts in each score's sum (see the module docstring).
WEIGHTS: dict[str, dict[str, float]] = {
    "arousal": {"loudness": 0.2, "crest": -0.1, "tempo": 0.45, "onset_rate": 0.15, "tilt": 0.1, "centroid": 0.1},
    "valence": {"mode": 0.55, "key_strength": 0.15, "pulse": 0.15, "tilt": 0.1, "flatness": -0.1, "crest": 0.1},
    "energy": {"loudness": 0.3, "crest": -0.2, "onset_rate": 0.2, "drum_rate": 0.15, "hats": 0.15, "bass": 0.1},
    "brightness": {"tilt": 0.65, "centroid": 0.35},
    "tension": {"mode": -0.35, "crest": -0.25, "contrast": -0.15, "key_strength": -0.15, "onset_rate": 0.1},
    "warmth": {"bass": 0.3, "sub_bass": 0.15, "tilt": -0.25, "crest": 0.15, "flatness": -0.15, "mode": 0.1},
    "groove": {"pulse": 0.35, "drum_rate": 0.2, "bass": 0.15, "onset_rate": 0.15, "hats": 0.15},
    "aggression": {"crest": -0.3, "loudness": 0.2, "contrast": -0.15, "mode": -0.15, "tempo": 0.1, "flatness": 0.1},
    "atmosphere": {"onset_rate": -0.25, "hats": -0.25, "drum_rate": -0.15, "key_strength": 0.15, "crest": 0.1,
                   "pulse": -0.1},
    "melancholy": {"mode": -0.5, "tempo": -0.15, "tilt": -0.15, "crest": 0.15, "onset_rate": -0.05},
    "euphoria": {"mode": 0.4, "tilt": 0.2, "tempo": 0.15, "onset_rate": 0.1, "crest": 0.1, "hats": 0.05},
}

# Fitted by fit_calibration on the dev corpus: fact -> (median, half the 10-90 percentile range).
FACT_SCALE: dict[str, tuple[float, float]] = {
    "loudness": (-14.677, 3.6006), "crest": (11.9855, 3.0327), "tempo": (7.1061, 0.5347),
    "onset_rate": (4.6167, 1.8833), "pulse": (0.5038, 0.2195), "tilt": (-7.8134, 4.748),
    "centroid": (3.2047, 0.1843), "flatness": (-2.346, 0.6871), "contrast": (23.3277, 2.9678),
    "bass": (0.3419, 0.3134), "sub_bass": (0.4809, 0.3551), "mode": (-0.3427, 0.8292),
    "key_strength": (0.8354, 0.1627), "drum_rate": (4.6167, 1.8833), "hats": (-57.9094, 13.2296),
}
# Fitted by fit_calibration: score -> (centre, scale) of the final logistic map.
SCORE_SCALE: dict[str, tuple[float, float]] = {
    "arousal": (0.0725, 0.3834), "valence": (-0.0687, 0.3476), "energy": (0.0024, 0.4672),
    "brightness": (-0.0791, 0.4879), "tension": (0.0131, 0.3585), "warmth": (0.11, 0.2011),
    "groove": (0.0023, 0.2686), "aggression": (-0.0772, 0.3769), "atmosphere": (-0.0045, 0.3743),
    "melancholy": (-0.0554, 0.2896), "euphoria": (-0.0153, 0.2789),
}

_LN9 = float(np.log(9.0))


def _vectors(vectors: np.ndarray) -> np.ndarray:
    v = np.asarray(vectors, dtype=np.float64)
    if v.ndim == 1:
        v = v[None, :]
    if v.ndim != 2 or v.shape[1] != DIM:
        raise ValueError(f"expected raw handcrafted vectors of shape (n, {DIM}), got {np.shape(vectors)}")
    if not np.all(np.isfinite(v)):
        raise ValueError("handcrafted vectors contain NaN or infinite values")
    return v


def _tempo(v: np.ndarray, payloads: Sequence[Mapping]) -> np.ndarray:
    tempo = np.array([float(p.get("tempo") or 0.0) for p in payloads])
    tempo = np.where(tempo > 0, tempo, v[:, SLICES["tempo"].start])
    if np.any(tempo <= 0):
        raise ValueError("a track has no tempo (payload 'tempo' and the vector's tempo are both 0)")
    return tempo


def _drum_rate(v: np.ndarray, payloads: Sequence[Mapping]) -> np.ndarray:
    onsets = v[:, SLICES["onset_rate"].start]
    rate = onsets.copy()
    for i, p in enumerate(payloads):
        per_second = (p.get("drums") or {}).get("per_second")
        if per_second:
            rate[i] = float(sum(per_second.values()))
    return rate


def facts(vectors: np.ndarray, payloads: Sequence[Mapping]) -> dict[str, np.ndarray]:
    """The raw facts (see the module docstring) of ``n`` vectors, each an array of shape ``(n,)``.

    Parameters
    ----------
    vectors : np.ndarray
        Raw (not standardised) handcrafted vectors, ``(n, 641)`` or ``(641,)``.
    payloads : sequence of mappings
        One per vector; ``tempo`` is used when positive (else the vector's), ``drums`` when present.
    """
    v = _vectors(vectors)
    if len(payloads) != v.shape[0]:
        raise ValueError(f"{v.shape[0]} vectors but {len(payloads)} payloads")
    col = lambda name: v[:, SLICES[name].start]  # noqa: E731
    p25 = v[:, SLICES["mel_p25"]]
    p75 = v[:, SLICES["mel_p75"]]
    contrast = v[:, SLICES["contrast_mean"]]
    return {
        "loudness": 20.0 * np.log10(np.maximum(col("rms"), 1e-6)),
        "crest": col("crest_db"),
        "tempo": np.log2(_tempo(v, payloads)),
        "onset_rate": col("onset_rate"),
        "pulse": col("tempo_confidence"),
        # mel bins 56-90 span 1.6-4 kHz, 16-40 span 420-1050 Hz, 112-128 span 7.4-11 kHz (128 bands to 11 kHz)
        "tilt": p25[:, 56:90].mean(axis=1) - p25[:, 16:40].mean(axis=1),
        "centroid": np.log10(np.maximum(col("centroid"), 1.0)),
        "flatness": np.log10(np.maximum(col("flatness"), 1e-6)),
        "contrast": contrast[:, 1:4].mean(axis=1),
        "bass": col("bass_ratio"),
        "sub_bass": col("sub_bass_ratio"),
        "mode": col("mode_clarity"),
        "key_strength": col("key_strength"),
        "drum_rate": _drum_rate(v, payloads),
        "hats": p75[:, 112:].mean(axis=1),
    }


def standardize(raw: Mapping[str, np.ndarray], scale: Mapping[str, tuple[float, float]] | None = None
                ) -> dict[str, np.ndarray]:
    """Facts as ``(x - centre) / scale`` with the fitted constants (:data:`FACT_SCALE`)."""
    scale = FACT_SCALE if scale is None else scale
    return {k: (raw[k] - scale[k][0]) / scale[k][1] for k in raw}


def _sums(z: Mapping[str, np.ndarray]) -> np.ndarray:
    n = len(next(iter(z.values())))
    out = np.zeros((n, len(EMOTIONS)))
    for j, name in enumerate(EMOTIONS):
        for fact, w in WEIGHTS[name].items():
            out[:, j] += w * z[fact]
    return out


def _squash(sums: np.ndarray, scale: Mapping[str, tuple[float, float]]) -> np.ndarray:
    c = np.array([scale[e][0] for e in EMOTIONS])
    s = np.array([scale[e][1] for e in EMOTIONS])
    return 1.0 / (1.0 + np.exp(-np.clip((sums - c) / s, -40.0, 40.0)))


def emotion_matrix(vectors: np.ndarray, payloads: Sequence[Mapping]) -> np.ndarray:
    """Scores of ``n`` tracks as an ``(n, 11)`` array in :data:`EMOTIONS` order, each in [0, 1]."""
    return _squash(_sums(standardize(facts(vectors, payloads))), SCORE_SCALE)


def emotion_scores(vector: np.ndarray, payload: Mapping) -> dict[str, float]:
    """The eleven emotion scores of one track.

    Parameters
    ----------
    vector : np.ndarray
        Raw 641-d handcrafted vector (``features.extract(...).vector``).
    payload : mapping
        Track facts: ``tempo`` (else the vector's), optional ``drums`` (drum analysis).

    Returns
    -------
    dict of str to float
        :data:`EMOTIONS` -> score in [0, 1].
    """
    v = np.asarray(vector)
    if v.shape != (DIM,):
        raise ValueError(f"expected one raw handcrafted vector of shape ({DIM},), got {v.shape}")
    row = emotion_matrix(v, [payload])[0]
    return {name: float(x) for name, x in zip(EMOTIONS, row)}


def fit_calibration(vectors: np.ndarray, payloads: Sequence[Mapping]
                    ) -> tuple[dict[str, tuple[float, float]], dict[str, tuple[float, float]]]:
    """Fit :data:`FACT_SCALE` and :data:`SCORE_SCALE` on a corpus (see the module docstring).

    Returns
    -------
    (fact_scale, score_scale) : dicts of ``(centre, scale)``
    """
    raw = facts(vectors, payloads)
    if len(next(iter(raw.values()))) < 20:
        raise ValueError("calibration needs at least 20 tracks")
    fact_scale = {}
    for k, x in raw.items():
        p10, p50, p90 = np.percentile(x, [10, 50, 90])
        fact_scale[k] = (float(p50), float(max(0.5 * (p90 - p10), 1e-6)))
    sums = _sums(standardize(raw, fact_scale))
    score_scale = {}
    for j, name in enumerate(EMOTIONS):
        p5, p50, p95 = np.percentile(sums[:, j], [5, 50, 95])
        score_scale[name] = (float(p50), float(max((p95 - p5) / (2.0 * _LN9), 1e-6)))
    return fact_scale, score_scale
