"""Matching of detected events to ground truth, for training targets and evaluation."""
from __future__ import annotations

import numpy as np


def unique_times(times: np.ndarray, tol: float = 0.005) -> np.ndarray:
    """Sorted times with those closer than ``tol`` to the previous kept one removed (layered hits -> one)."""
    t = np.sort(np.asarray(times, dtype=float))
    if t.size == 0:
        return t
    keep = [t[0]]
    for x in t[1:]:
        if x - keep[-1] > tol:
            keep.append(x)
    return np.asarray(keep)


def match(est: np.ndarray, ref: np.ndarray, tol: float) -> list[tuple[int, int]]:
    """One-to-one pairs ``(i_est, i_ref)`` with ``|est - ref| <= tol``, closest pairs first."""
    est = np.asarray(est, dtype=float)
    ref = np.asarray(ref, dtype=float)
    if est.size == 0 or ref.size == 0:
        return []
    order = np.argsort(ref)
    rs = ref[order]
    pairs = []
    for i, t in enumerate(est):
        lo, hi = np.searchsorted(rs, [t - tol, t + tol], side="left")
        hi = np.searchsorted(rs, t + tol, side="right")
        for j in range(lo, hi):
            pairs.append((abs(rs[j] - t), i, int(order[j])))
    pairs.sort()
    used_e: set[int] = set()
    used_r: set[int] = set()
    out = []
    for _, i, j in pairs:
        if i not in used_e and j not in used_r:
            used_e.add(i)
            used_r.add(j)
            out.append((i, j))
    return out


def prf(n_match: int, n_est: int, n_ref: int) -> tuple[float, float, float]:
    """Precision, recall and F-measure; empty estimates and references give 1.0."""
    p = n_match / n_est if n_est else float(n_ref == 0)
    r = n_match / n_ref if n_ref else float(n_est == 0)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def onset_prf(est: np.ndarray, ref: np.ndarray, tol: float = 0.03) -> tuple[float, float, float]:
    """Onset precision, recall, F-measure within +-``tol`` seconds."""
    return prf(len(match(est, ref, tol)), len(est), len(ref))
