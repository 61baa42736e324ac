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


def reliability(confidence: np.ndarray, correct: np.ndarray, bins: int = 5) -> tuple[np.ndarray, float]:
    """Calibration of confidences: per equal-width bin of ``confidence`` (count, mean confidence, share
    correct) as an array (bins, 3), and the expected calibration error (the count-weighted mean gap between
    confidence and share correct; 0 for a calibrated model)."""
    c = np.asarray(confidence, dtype=float)
    ok = np.asarray(correct, dtype=float)
    k = np.clip((c * bins).astype(int), 0, bins - 1)
    table = np.zeros((bins, 3))
    for b in range(bins):
        sel = k == b
        if sel.any():
            table[b] = (sel.sum(), c[sel].mean(), ok[sel].mean())
    n = table[:, 0].sum()
    ece = float(np.sum(table[:, 0] * np.abs(table[:, 1] - table[:, 2])) / n) if n else 0.0
    return table, ece
