"""Featurisers for audio-file queries: the same decode and features as ingestion, in-process."""
from __future__ import annotations

from typing import Callable

import numpy as np

from heihachi_index.audio import load
from heihachi_index.config import Config
from heihachi_index.features import SAMPLE_RATE, extract


def handcrafted_featurizer(config: Config) -> Callable[[str], np.ndarray]:
    """``path -> raw 641-d vector`` for files that are not in the index.

    Raises :class:`~heihachi_index.audio.AudioError` or
    :class:`~heihachi_index.features.FeatureError` for bad input.
    """

    def featurize(path: str) -> np.ndarray:
        audio = load(path, sr=SAMPLE_RATE, config=config.audio)
        return extract(audio.samples, audio.sr, tempo_min=config.features.tempo_min,
                       tempo_max=config.features.tempo_max).vector

    return featurize
