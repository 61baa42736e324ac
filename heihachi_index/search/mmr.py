"""Maximal marginal relevance re-ranking (pure numpy)."""
from __future__ import annotations

import numpy as np

DEFAULT_LAMBDA = 0.7


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)


def mmr(query: np.ndarray, candidates: np.ndarray, k: int, lambda_: float = DEFAULT_LAMBDA) -> list[int]:
    """Greedy MMR selection.

    Picks, one at a time, the candidate maximising
    ``lambda * sim(q, d) - (1 - lambda) * max_{s in selected} sim(d, s)`` (cosine similarities).

    Parameters
    ----------
    query : ndarray, shape (d,)
    candidates : ndarray, shape (n, d)
        The candidate pool (e.g. the top ``10 * k`` by similarity).
    k : int
        Number to select.
    lambda_ : float
        Relevance weight in [0, 1]; 1 gives the plain top-k, lower values favour diversity.

    Returns
    -------
    list of int
        Indices into ``candidates``, in selection order.
    """
    if not 0.0 <= lambda_ <= 1.0:
        raise ValueError(f"MMR lambda must be in [0, 1], got {lambda_}")
    cands = _unit(np.atleast_2d(candidates))
    n = cands.shape[0]
    k = min(int(k), n)
    if k <= 0:
        return []
    # Elementwise products instead of matrix products: a small multithreaded BLAS call stalls
    # for milliseconds when another thread holds the second core, and only k rows are needed.
    relevance = (cands * _unit(query)).sum(axis=1)
    max_sim = np.zeros(n)
    chosen = np.zeros(n, dtype=bool)
    order: list[int] = []
    for step in range(k):
        score = lambda_ * relevance - (1.0 - lambda_) * max_sim if step else lambda_ * relevance
        score[chosen] = -np.inf
        best = int(np.argmax(score))
        order.append(best)
        chosen[best] = True
        sims = (cands * cands[best]).sum(axis=1)
        max_sim = sims if step == 0 else np.maximum(max_sim, sims)
    return order
