"""Harmonic/percussive separation by median filtering (Fitzgerald 2010), as ``librosa.effects.harmonic``.

The median filters dominate the reference's run time. We compute them with a compiled running median
(exactly SciPy's 'reflect' median filter), and only on the bins a consumer needs (``max_bin``): the harmonic part feeds the
chroma CQT, whose filters end near 4.4 kHz, so the harmonic spectrum above ~5.5 kHz is never looked at.
"""
from __future__ import annotations

import numpy as np

from heihachi_index.features.median import running_median


def harmonic_mask(S: np.ndarray, kernel_size: int = 31, power: float = 2.0, max_bin: int | None = None) -> np.ndarray:
    """Soft harmonic mask ``H**p / (H**p + P**p)`` of a (frames, bins) magnitude spectrogram.

    Parameters
    ----------
    S : np.ndarray
        Magnitudes, shape (frames, bins).
    kernel_size : int
        Median filter width in frames (harmonic) and bins (percussive).
    power : float
        Soft-mask exponent.
    max_bin : int, optional
        Only bins ``[0, max_bin)`` are computed.

    Returns
    -------
    np.ndarray
        float32 mask, shape (frames, top) with ``top = min(bins, max_bin)``; bins above are not kept.
    """
    n_frames, n_bins = S.shape
    top = n_bins if max_bin is None else min(n_bins, max_bin)
    half = kernel_size // 2
    # Percussive filter runs across frequency: give it the bins it needs beyond ``top`` as context.
    context = min(n_bins, top + half)
    harm = running_median(S[:, :top].T, kernel_size).T
    perc = running_median(S[:, :context], kernel_size)[:, :top]
    # librosa.util.softmask with split_zeros=True (margin 1): 0.5 where both filters are 0.
    z = np.maximum(harm, perc)
    bad = z < np.finfo(np.float32).tiny
    z[bad] = 1.0
    mh = (harm / z) ** power
    mp = (perc / z) ** power
    return np.where(bad, 0.5, mh / np.where(bad, 1.0, mh + mp)).astype(np.float32)
