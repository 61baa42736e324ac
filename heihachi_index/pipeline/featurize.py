"""Featurisers for audio-file queries: the same decode and features as ingestion, in-process."""
from __future__ import annotations

from typing import Callable

import numpy as np

from heihachi_index.audio import load
from heihachi_index.config import Config
from heihachi_index.features import SAMPLE_RATE, extract


def handcrafted_featurizer(config: Config) -> Callable[[str], tuple[np.ndarray, str]]:
    """``path -> (raw 641-d vector, track id)`` for audio-file queries.

    The track id lets a search leave the file itself out when it is already in the index.

    Raises :class:`~heihachi_index.audio.AudioError` or
    :class:`~heihachi_index.features.FeatureError` for bad input.
    """

    def featurize(path: str) -> tuple[np.ndarray, str]:
        audio = load(path, sr=SAMPLE_RATE, config=config.audio)
        result = extract(audio.samples, audio.sr, tempo_min=config.features.tempo_min,
                         tempo_max=config.features.tempo_max)
        return result.vector, audio.track_id

    return featurize
