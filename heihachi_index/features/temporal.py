"""Frame-wise time-domain features, as librosa's ``rms`` and ``zero_crossing_rate`` (centred frames)."""
from __future__ import annotations

import numpy as np


def _frame_sums(x: np.ndarray, frame_length: int, hop_length: int, n_frames: int) -> np.ndarray:
    csum = np.concatenate([[0.0], np.cumsum(x, dtype=np.float64)])
    starts = np.arange(n_frames) * hop_length
    return csum[starts + frame_length] - csum[starts]


def rms(y: np.ndarray, frame_length: int = 2048, hop_length: int = 512) -> np.ndarray:
    """Root-mean-square per centred frame (zero padding)."""
    padded = np.pad(y, frame_length // 2)
    n_frames = 1 + (padded.shape[0] - frame_length) // hop_length
    power = _frame_sums(padded.astype(np.float64) ** 2, frame_length, hop_length, n_frames) / frame_length
    return np.sqrt(power)


def zero_crossing_rate(y: np.ndarray, frame_length: int = 2048, hop_length: int = 512,
                       threshold: float = 1e-10) -> np.ndarray:
    """Fraction of sign changes per centred frame (edge padding, |y| <= threshold counts as 0)."""
    padded = np.pad(y, frame_length // 2, mode="edge")
    clean = np.where(np.abs(padded) <= threshold, 0.0, padded)
    sign = np.signbit(clean)
    crossing = np.empty(padded.shape[0], dtype=np.float64)
    crossing[0] = 0.0
    crossing[1:] = sign[1:] != sign[:-1]
    n_frames = 1 + (padded.shape[0] - frame_length) // hop_length
    # A frame counts crossings between its own adjacent samples only: positions start+1 .. start+L-1.
    csum = np.concatenate([[0.0], np.cumsum(crossing)])
    starts = np.arange(n_frames) * hop_length
    counts = csum[starts + frame_length] - csum[starts + 1]
    return counts / frame_length


def crest_factor_db(y: np.ndarray) -> float:
    """Peak-to-RMS ratio of the whole signal in dB."""
    power = float(np.mean(np.square(y, dtype=np.float64)))
    if power <= 0:
        return 0.0
    return float(20.0 * np.log10(np.max(np.abs(y)) / np.sqrt(power)))
