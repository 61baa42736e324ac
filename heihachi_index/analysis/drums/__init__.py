"""Drum hit detection and classification.

>>> from heihachi_index.analysis.drums import detect_hits, hits_summary
>>> hits = detect_hits(y, sr)  # doctest: +SKIP
>>> hits_summary(hits, duration=len(y) / sr)["counts"]["kick"]  # doctest: +SKIP

Modules: :mod:`~.onsets` (multi-band percussive onsets), :mod:`~.classify` (per-onset features and the
numpy classifier), :mod:`~.hits` (:func:`detect_hits`), :mod:`~.data` (labelled kits, split by kit),
:mod:`~.train` (training the shipped weights), :mod:`~.metrics` (matching to ground truth).
"""
from __future__ import annotations

from heihachi_index.analysis.drums.classify import DrumClassifier, DrumModelError, load_classifier
from heihachi_index.analysis.drums.hits import detect_hits, hits_summary
from heihachi_index.analysis.drums.onsets import DrumInputError

__all__ = ["DrumClassifier", "DrumInputError", "DrumModelError", "detect_hits", "hits_summary", "load_classifier"]
