"""Drum hits of a signal: onsets, multi-label classification and velocities."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from heihachi_index.analysis.drums.classify import OUTPUTS, DrumClassifier, hit_features, load_classifier
from heihachi_index.analysis.drums.onsets import SR, check_audio, detect_onsets, percussive_bands, to_analysis_rate
from heihachi_index.analysis.types import DRUM_CLASSES, OTHER, DrumHit

# Velocity: level relative to the class's loud hits, through the inverse of the usual velocity-to-gain curve
# (gain = 0.15 + 0.85 v^1.5, about -10 dB at v = 0.33).
LOUD_PERCENTILE = 95.0


def velocities(level_db: np.ndarray) -> np.ndarray:
    """Velocities in [0, 1] of hits of one class from their levels in dB (the loud ones get ~1)."""
    if level_db.size == 0:
        return level_db
    ref = np.percentile(level_db, LOUD_PERCENTILE)
    gain = 10.0 ** ((level_db - ref) / 20.0)
    return np.clip((np.clip(gain, 0.15, 1.0) - 0.15) / 0.85, 0.0, 1.0) ** (2.0 / 3.0)


def detect_hits(y: np.ndarray, sr: int, *, model: DrumClassifier | str | Path | None = None) -> list[DrumHit]:
    """Drum hits of mono audio: one :class:`DrumHit` per onset and active class, sorted by time.

    Parameters
    ----------
    y : np.ndarray
        Mono float audio, shape (n,), any sample rate (analysed at 22.05 kHz).
    sr : int
        Sample rate of ``y``.
    model : DrumClassifier or path, optional
        Classifier to use; default the shipped weights (loaded once per process).

    Returns
    -------
    list of DrumHit
        Layered sounds give several hits with the same time. Onsets that the classifier finds to be no
        drum sound (a synth stab, a bass note) are dropped.

    Raises
    ------
    DrumInputError
        If ``y`` is not 1-D, empty, or holds NaN/inf, or ``sr`` is not a positive integer.
    DrumModelError
        If the classifier's weights are missing.
    """
    y = check_audio(y, sr)
    clf = model if isinstance(model, DrumClassifier) else load_classifier(model)
    x = to_analysis_rate(y, int(sr))
    perc = percussive_bands(x)
    onsets = detect_onsets(x, clf.onset_delta, clf.onset_rel, perc=perc)
    if len(onsets.samples) == 0:
        return []
    feats = hit_features(x, onsets.samples, perc, onsets.strength)
    proba = clf.predict_proba(feats.x)
    active = clf.decide(proba)
    vel = np.zeros_like(proba)
    for k in range(len(OUTPUTS)):
        if active[:, k].any():
            vel[active[:, k], k] = velocities(feats.level_db[active[:, k], k])
    times = onsets.samples / SR
    hits = [DrumHit(float(times[i]), OUTPUTS[k], round(float(proba[i, k]), 4), round(float(vel[i, k]), 4))
            for i, k in zip(*np.nonzero(active))]
    return hits


def hits_summary(hits: list[DrumHit], duration: float) -> dict:
    """Counts and rates per class (the eight drum classes and ``"other"``), JSON-able.

    Returns
    -------
    dict
        ``{"counts": {label: int}, "per_second": {label: float}, "total": int}``.

    Raises
    ------
    ValueError
        If ``duration`` is not a positive finite number or a hit has an unknown label.
    """
    if not np.isfinite(duration) or duration <= 0:
        raise ValueError(f"duration must be a positive number of seconds, got {duration!r}")
    labels = (*DRUM_CLASSES, OTHER)
    counts = dict.fromkeys(labels, 0)
    for h in hits:
        if h.label not in counts:
            raise ValueError(f"unknown drum label {h.label!r}")
        counts[h.label] += 1
    return {"counts": counts, "per_second": {k: round(v / float(duration), 4) for k, v in counts.items()},
            "total": int(sum(counts.values()))}
