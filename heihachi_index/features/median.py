"""Running medians along the last axis, compiled with numba (the HPSS hot spot)."""
from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _running_median_rows(X: np.ndarray, width: int, out: np.ndarray) -> None:
    half = width // 2
    n = X.shape[1]
    buf = np.empty(width, X.dtype)
    ext = np.empty(n + 2 * half, X.dtype)
    for r in range(X.shape[0]):
        x = X[r]
        # SciPy 'reflect' boundary: (d c b a | a b c d | d c b a)
        for i in range(half):
            ext[half - 1 - i] = x[min(i, n - 1)]
            ext[half + n + i] = x[max(n - 1 - i, 0)]
        for i in range(n):
            ext[half + i] = x[i]
        for i in range(width):
            buf[i] = ext[i]
        buf.sort()
        out[r, 0] = buf[half]
        for j in range(1, n):
            old = ext[j - 1]
            new = ext[j + width - 1]
            # Branch-free ranks (vectorisable for small windows) instead of a binary search.
            p_old = 0
            p_new = 0
            for i in range(width):
                p_old += buf[i] < old
                p_new += buf[i] < new
            if p_new > p_old:
                for i in range(p_old, p_new - 1):
                    buf[i] = buf[i + 1]
                buf[p_new - 1] = new
            else:
                for i in range(p_old, p_new, -1):
                    buf[i] = buf[i - 1]
                buf[p_new] = new
            out[r, j] = buf[half]


def running_median(X: np.ndarray, width: int) -> np.ndarray:
    """Median over a centred window of odd ``width`` along the last axis of a 2-D array.

    Boundaries are mirrored as ``scipy.ndimage.median_filter(..., mode='reflect')``, whose result
    this equals exactly.
    """
    X = np.ascontiguousarray(X)
    out = np.empty_like(X)
    if X.size:
        _running_median_rows(X, int(width), out)
    return out
