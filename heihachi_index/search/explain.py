"""Which feature groups made two tracks alike: per-group shares of the cosine similarity."""
from __future__ import annotations

from functools import lru_cache
from typing import Mapping

import numpy as np

from heihachi_index.features.layout import DIM, GROUPS, group_indices


@lru_cache(maxsize=1)
def _group_index() -> dict[str, np.ndarray]:
    return {g: np.array(group_indices(g), dtype=np.int64) for g in GROUPS}


def explain(query: np.ndarray, candidate: np.ndarray,
            groups: Mapping[str, np.ndarray] | None = None) -> dict[str, float]:
    """Contribution of each feature group to ``cos(query, candidate)``.

    For group ``g``: ``sum_{i in g} a_i * b_i / (|a| |b|)`` on the standardised vectors, so the
    contributions sum to the cosine similarity (groups cover every dimension once).

    Parameters
    ----------
    query, candidate : ndarray
        Standardised vectors of the handcrafted layout (any norm).
    groups : mapping, optional
        Group -> indices; default ``layout.GROUPS``.
    """
    a = np.asarray(query, dtype=np.float64).reshape(-1)
    b = np.asarray(candidate, dtype=np.float64).reshape(-1)
    if a.shape != b.shape:
        raise ValueError(f"vectors differ in length: {a.shape[0]} vs {b.shape[0]}")
    if groups is None:
        if a.shape[0] != DIM:
            raise ValueError(f"explanations need {DIM}-d handcrafted vectors, got {a.shape[0]}")
        groups = _group_index()
    denom = np.linalg.norm(a) * np.linalg.norm(b)
    if denom == 0:
        return {g: 0.0 for g in groups}
    terms = a * b / denom
    return {g: float(terms[idx].sum()) for g, idx in groups.items()}
