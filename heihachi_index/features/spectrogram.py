"""The one STFT that feeds every spectral feature, in (frames, bins) layout."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.fft
import scipy.signal


def frame(y: np.ndarray, frame_length: int, hop_length: int) -> np.ndarray:
    """Read-only strided view of ``y`` as frames, shape ``(..., n_frames, frame_length)``."""
    n_frames = 1 + (y.shape[-1] - frame_length) // hop_length
    view = np.lib.stride_tricks.sliding_window_view(y, frame_length, axis=-1)
    return view[..., : n_frames * hop_length : hop_length, :]


@lru_cache(maxsize=8)
def hann(n_fft: int, dtype: type = np.float32) -> np.ndarray:
    """Periodic Hann window (as ``scipy.signal.get_window('hann', n, fftbins=True)``), read-only."""
    window = scipy.signal.get_window("hann", n_fft, fftbins=True).astype(dtype)
    window.flags.writeable = False
    return window


def stft(y: np.ndarray, n_fft: int = 2048, hop_length: int = 512, block_frames: int = 512) -> np.ndarray:
    """Centred (zero-padded) Hann STFT of a float32 signal.

    Frames are windowed and transformed in float64 (as librosa does: its window is float64), which
    keeps the numerical noise floor far below any real signal; the result is stored as complex64.
    Blocks of frames keep the float64 temporaries small and in cache.

    Returns
    -------
    np.ndarray
        complex64, shape (n_frames, n_fft // 2 + 1): frames first, unlike librosa.
    """
    y = np.asarray(y, dtype=np.float32)
    frames = frame(np.pad(y, n_fft // 2), n_fft, hop_length)
    # A float32-rounded window would leak the loud low bands into the quiet top ones at -130 dB.
    window = hann(n_fft, np.float64)
    out = np.empty((frames.shape[0], n_fft // 2 + 1), dtype=np.complex64)
    for start in range(0, frames.shape[0], block_frames):
        out[start : start + block_frames] = scipy.fft.rfft(frames[start : start + block_frames] * window, axis=-1)
    return out


def istft(D: np.ndarray, hop_length: int, length: int) -> np.ndarray:
    """Inverse of :func:`stft` (windowed overlap-add, normalised by the squared-window envelope).

    Parameters
    ----------
    D : np.ndarray
        complex, shape (n_frames, n_fft // 2 + 1).
    hop_length : int
    length : int
        Length of the signal to return.
    """
    n_frames, n_bins = D.shape
    n_fft = 2 * (n_bins - 1)
    window = hann(n_fft)
    frames = scipy.fft.irfft(D, n=n_fft, axis=-1, workers=1).astype(np.float32, copy=False)
    frames *= window
    total = n_fft + hop_length * (n_frames - 1)
    out = np.zeros(total, dtype=np.float32)
    envelope = np.zeros(total, dtype=np.float32)
    if n_fft % hop_length == 0:
        # Overlap-add as n_fft/hop shifted block sums instead of a per-frame Python loop.
        parts = n_fft // hop_length
        blocks = frames.reshape(n_frames, parts, hop_length)
        win_sq = (window**2).reshape(parts, hop_length)
        for p in range(parts):
            start = p * hop_length
            out[start : start + n_frames * hop_length] += blocks[:, p, :].ravel()
            envelope[start : start + n_frames * hop_length] += np.tile(win_sq[p], n_frames)
    else:
        win_sq = window**2
        for i in range(n_frames):
            out[i * hop_length : i * hop_length + n_fft] += frames[i]
            envelope[i * hop_length : i * hop_length + n_fft] += win_sq
    nonzero = envelope > np.finfo(np.float32).tiny
    out[nonzero] /= envelope[nonzero]
    start = n_fft // 2
    result = out[start : start + length]
    if result.shape[0] < length:
        result = np.pad(result, (0, length - result.shape[0]))
    return result


@dataclass(frozen=True)
class Spectrogram:
    """One STFT and the quantities derived from it that several features share."""

    D: np.ndarray  # complex64 (frames, bins)
    S: np.ndarray  # magnitude float32 (frames, bins)
    P: np.ndarray  # power float32 (frames, bins)
    sr: int
    n_fft: int
    hop_length: int

    @classmethod
    def compute(cls, y: np.ndarray, sr: int, n_fft: int = 2048, hop_length: int = 512) -> "Spectrogram":
        D = stft(y, n_fft, hop_length)
        S = np.abs(D)
        return cls(D=D, S=S, P=S * S, sr=sr, n_fft=n_fft, hop_length=hop_length)

    @property
    def freqs(self) -> np.ndarray:
        return np.fft.rfftfreq(self.n_fft, 1.0 / self.sr)

    @property
    def n_frames(self) -> int:
        return self.D.shape[0]
