"""Handcrafted features: the 641-d vector, tempo and key (see ``layout`` for the index layout)."""
from heihachi_index.features.extract import (
    PIPELINE_VERSION,
    SAMPLE_RATE,
    FeatureError,
    FeatureResult,
    extract,
)
from heihachi_index.features.layout import DIM, GROUPS, SLICES

__all__ = ["DIM", "GROUPS", "PIPELINE_VERSION", "SAMPLE_RATE", "SLICES", "FeatureError", "FeatureResult", "extract"]
