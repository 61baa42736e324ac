"""Spectral features from the shared (frames, bins) spectrogram, numerically as librosa's."""
from __future__ import annotations

from functools import lru_cache

import librosa
import numba
import numpy as np
import scipy.fft
import scipy.signal

AMIN = 1e-10
TOP_DB = 80.0


@lru_cache(maxsize=4)
def mel_filterbank(sr: int, n_fft: int, n_mels: int = 128) -> np.ndarray:
    """Slaney mel filterbank transposed to (bins, mels), float32."""
    return np.ascontiguousarray(librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels).T.astype(np.float32))


def power_to_db(P: np.ndarray, ref: float = 1.0, top_db: float | None = TOP_DB) -> np.ndarray:
    """As ``librosa.power_to_db`` (``top_db`` clips against the whole array's maximum)."""
    log_spec = 10.0 * np.log10(np.maximum(AMIN, P))
    log_spec -= 10.0 * np.log10(max(AMIN, ref))
    if top_db is not None:
        log_spec = np.maximum(log_spec, log_spec.max() - top_db)
    return log_spec


def mel_power(P: np.ndarray, sr: int, n_fft: int, n_mels: int = 128) -> np.ndarray:
    """Mel power spectrogram (frames, mels)."""
    return P @ mel_filterbank(sr, n_fft, n_mels)


def mfcc_from_db(mel_db: np.ndarray, n_mfcc: int = 20) -> np.ndarray:
    """MFCC (frames, n_mfcc): orthonormal DCT-II of log-mel (dB, ref 1, top_db 80)."""
    return scipy.fft.dct(mel_db, axis=-1, type=2, norm="ortho")[..., :n_mfcc]


def delta(X: np.ndarray, width: int = 9) -> np.ndarray:
    """First derivative along frames (axis 0), as ``librosa.feature.delta`` (Savitzky-Golay, interp)."""
    return scipy.signal.savgol_filter(X, width, deriv=1, polyorder=1, axis=0, mode="interp")


def _normalize_l1(S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    norm = S.sum(axis=1, keepdims=True, dtype=np.float64)
    small = norm < np.finfo(S.dtype).tiny
    return np.where(small, 1.0, norm), small


def centroid_bandwidth(S: np.ndarray, freqs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Spectral centroid and bandwidth (p=2) per frame from magnitudes (frames, bins)."""
    norm, small = _normalize_l1(S)
    f = freqs.astype(np.float64)
    first = (S @ f.astype(np.float32)).astype(np.float64)[:, None]
    second = (S @ (f * f).astype(np.float32)).astype(np.float64)[:, None]
    # Frames whose L1 norm is below float tiny are left unnormalised by librosa; mirror that.
    scale = np.where(small, 1.0, 1.0 / norm)
    centroid = first * scale
    total = np.where(small, norm, 1.0)  # sum of normalised weights: 1, or the raw sum when unnormalised
    var = second * scale - 2 * centroid * first * scale + centroid**2 * total
    bandwidth = np.sqrt(np.maximum(var, 0.0))
    return centroid[:, 0], bandwidth[:, 0]


@numba.njit(cache=True, nogil=True)
def _rolloff_bins(S: np.ndarray, roll_percent: float) -> np.ndarray:
    n_frames, n_bins = S.shape
    out = np.zeros(n_frames, dtype=np.int64)
    for t in range(n_frames):
        total = S.dtype.type(0)
        for f in range(n_bins):
            total += S[t, f]
        threshold = S.dtype.type(roll_percent) * total
        acc = S.dtype.type(0)
        for f in range(n_bins):  # same sequential float sums as np.cumsum
            acc += S[t, f]
            if acc >= threshold:
                out[t] = f
                break
    return out


def rolloff(S: np.ndarray, freqs: np.ndarray, roll_percent: float = 0.85) -> np.ndarray:
    """Roll-off frequency per frame: lowest bin where the cumulative magnitude reaches the share."""
    return freqs[_rolloff_bins(np.ascontiguousarray(S), roll_percent)]


@numba.njit(cache=True, nogil=True)
def _extreme_means(S: np.ndarray, lo: int, hi: int, q: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the q smallest and q largest values of S[t, lo:hi] for every frame t."""
    S = np.ascontiguousarray(S)
    n_frames = S.shape[0]
    valley = np.empty(n_frames)
    peak = np.empty(n_frames)
    small = np.empty(q, dtype=S.dtype)  # ascending
    large = np.empty(q, dtype=S.dtype)  # descending
    for t in range(n_frames):
        for i in range(q):
            small[i] = np.inf
            large[i] = -np.inf
        for f in range(lo, hi):
            v = S[t, f]
            if v < small[q - 1]:
                p = q - 1
                while p > 0 and small[p - 1] > v:
                    small[p] = small[p - 1]
                    p -= 1
                small[p] = v
            if v > large[q - 1]:
                p = q - 1
                while p > 0 and large[p - 1] < v:
                    large[p] = large[p - 1]
                    p -= 1
                large[p] = v
        s_sum = 0.0
        l_sum = 0.0
        for i in range(q):
            s_sum += small[i]
            l_sum += large[i]
        valley[t] = s_sum / q
        peak[t] = l_sum / q
    return valley, peak


def contrast_extremes(S: np.ndarray, freqs: np.ndarray, n_bands: int = 6, fmin: float = 200.0,
                      quantile: float = 0.02) -> tuple[np.ndarray, np.ndarray]:
    """Band peaks and valleys (frames, n_bands + 1) of ``librosa.feature.spectral_contrast``.

    Contrast in dB is ``power_to_db(peak.T) - power_to_db(valley.T)`` over all frames at once (its
    top-dB clip is relative to the maximum of the whole array).
    """
    octa = np.zeros(n_bands + 2)
    octa[1:] = fmin * (2.0 ** np.arange(0, n_bands + 1))
    S = np.ascontiguousarray(S)
    n_frames = S.shape[0]
    valley = np.zeros((n_bands + 1, n_frames))
    peak = np.zeros_like(valley)
    for k, (f_low, f_high) in enumerate(zip(octa[:-1], octa[1:])):
        band = np.logical_and(freqs >= f_low, freqs <= f_high)
        idx = np.flatnonzero(band)
        if k > 0:
            band[idx[0] - 1] = True
        if k == n_bands:
            band[idx[-1] + 1 :] = True
        cols = np.flatnonzero(band)
        if k < n_bands:
            cols = cols[:-1]
        q = int(max(np.rint(quantile * np.sum(band)), 1))
        valley[k], peak[k] = _extreme_means(S, int(cols[0]), int(cols[-1]) + 1, q)
    return peak.T, valley.T


def flatness(P: np.ndarray) -> np.ndarray:
    """Spectral flatness per frame from power (frames, bins)."""
    thresh = np.maximum(AMIN, P)
    gmean = np.exp(np.mean(np.log(thresh), axis=1, dtype=np.float64))
    amean = np.mean(thresh, axis=1, dtype=np.float64)
    return gmean / amean


def band_power(P: np.ndarray, freqs: np.ndarray, f_low: float, f_high: float) -> float:
    """Total spectral power in [f_low, f_high) over all frames."""
    band = (freqs >= f_low) & (freqs < f_high)
    return float(P[:, band].sum(dtype=np.float64))
