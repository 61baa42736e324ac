"""Tuning deviation (fractions of a CQT bin), as ``librosa.estimate_tuning`` but from a shared spectrogram.

``piptrack`` is evaluated only on the 150-4000 Hz bins it reports (plus one neighbour each side for
its local-maximum test) instead of the whole spectrum.
"""
from __future__ import annotations

import numpy as np


def estimate_tuning(S: np.ndarray, sr: int, n_fft: int, bins_per_octave: int = 36,
                    resolution: float = 0.01, fmin: float = 150.0, fmax: float = 4000.0,
                    threshold: float = 0.1) -> float:
    """Estimate tuning from a (frames, bins) magnitude spectrogram.

    Returns
    -------
    float
        Deviation in fractions of a bin, in [-0.5, 0.5).
    """
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    band = np.flatnonzero((fmin <= freqs) & (freqs < min(fmax, sr / 2)))
    if band.size == 0 or S.shape[0] == 0:
        return 0.0
    lo, hi = band[0], band[-1] + 1
    X = S[:, lo - 1 : hi + 1].astype(np.float32, copy=False)  # neighbours for gradients and local maxima
    ref = threshold * S.max(axis=1, keepdims=True)
    prev, cur, nxt = X[:, :-2], X[:, 1:-1], X[:, 2:]
    gated = X * (X > ref)
    peaks = (gated[:, 1:-1] > gated[:, :-2]) & (gated[:, 1:-1] >= gated[:, 2:])
    a = nxt + prev - 2 * cur
    b = (nxt - prev) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(np.abs(b) >= np.abs(a), 0.0, -b / a)
    t_idx, f_idx = np.nonzero(peaks)
    if t_idx.size == 0:
        return 0.0
    shift_p = shift[t_idx, f_idx]
    pitch = (f_idx + lo + shift_p) * float(sr) / n_fft
    mag = cur[t_idx, f_idx] + 0.5 * b[t_idx, f_idx] * shift_p
    positive = pitch > 0
    if not positive.any():
        return 0.0
    keep = positive & (mag >= np.median(mag[positive]))
    freqs_kept = pitch[keep]
    residual = np.mod(bins_per_octave * np.log2(freqs_kept / (440.0 / 16)), 1.0)
    residual[residual >= 0.5] -= 1.0
    bins = np.linspace(-0.5, 0.5, int(np.ceil(1.0 / resolution)) + 1)
    counts, edges = np.histogram(residual, bins)
    return float(edges[np.argmax(counts)])
