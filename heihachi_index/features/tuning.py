"""Tuning deviation (fractions of a CQT bin), as ``librosa.estimate_tuning`` but from a shared spectrogram.

``piptrack`` is evaluated in one compiled pass, only on the 150-4000 Hz bins it reports (plus one
neighbour each side for its local-maximum test) instead of the whole spectrum.
"""
from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _pitch_peaks(S: np.ndarray, lo: int, hi: int, threshold: float, sr: float, n_fft: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Parabolically interpolated spectral peaks (pitch Hz, magnitude) of every frame, as piptrack."""
    n_frames, n_bins = S.shape
    cap = n_frames * (hi - lo) // 2 + 1
    pitches = np.empty(cap)
    mags = np.empty(cap)
    count = 0
    for t in range(n_frames):
        ref = S[t, 0]
        for f in range(1, n_bins):
            if S[t, f] > ref:
                ref = S[t, f]
        ref *= threshold
        for f in range(lo, hi):
            cur = S[t, f]
            prev = S[t, f - 1]
            nxt = S[t, f + 1]
            # local maximum of the gated spectrum S * (S > ref)
            g_cur = cur if cur > ref else 0.0
            g_prev = prev if prev > ref else 0.0
            g_next = nxt if nxt > ref else 0.0
            if not (g_cur > g_prev and g_cur >= g_next):
                continue
            a = nxt + prev - 2.0 * cur
            b = (nxt - prev) / 2.0
            shift = 0.0 if abs(b) >= abs(a) else -b / a
            pitches[count] = (f + shift) * sr / n_fft
            mags[count] = cur + 0.5 * b * shift
            count += 1
    return pitches[:count], mags[:count]


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
    lo, hi = int(band[0]), int(min(band[-1] + 1, S.shape[1] - 1))
    pitch, mag = _pitch_peaks(np.ascontiguousarray(S, dtype=np.float32), lo, hi, threshold, float(sr), n_fft)
    positive = pitch > 0
    if not positive.any():
        return 0.0
    keep = positive & (mag >= np.median(mag[positive]))
    residual = np.mod(bins_per_octave * np.log2(pitch[keep] / (440.0 / 16)), 1.0)
    residual[residual >= 0.5] -= 1.0
    bins = np.linspace(-0.5, 0.5, int(np.ceil(1.0 / resolution)) + 1)
    counts, edges = np.histogram(residual, bins)
    return float(edges[np.argmax(counts)])
