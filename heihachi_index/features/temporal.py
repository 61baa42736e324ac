"""Frame-wise time-domain features, as librosa's ``rms`` and ``zero_crossing_rate`` (centred frames)."""
from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _rms_zcr(y: np.ndarray, frame_length: int, hop_length: int, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    n = y.shape[0]
    half = frame_length // 2
    n_frames = 1 + n // hop_length
    # Prefix sums over the padded signal: squares with zero padding (rms), sign changes with edge
    # padding (zcr); crossing[i] compares padded samples i-1 and i.
    total = n + 2 * half
    sq = np.zeros(total + 1)
    cross = np.zeros(total + 1, dtype=np.int64)
    prev_sign = False
    for i in range(total):
        j = i - half
        v = y[j] if 0 <= j < n else 0.0
        sq[i + 1] = sq[i] + v * v
        e = y[min(max(j, 0), n - 1)]
        if abs(e) <= threshold:
            e = 0.0
        sign = np.signbit(e)
        cross[i + 1] = cross[i] + (1 if i > 0 and sign != prev_sign else 0)
        prev_sign = sign
    rms = np.empty(n_frames)
    zcr = np.empty(n_frames)
    for t in range(n_frames):
        s = t * hop_length
        rms[t] = np.sqrt(max(sq[s + frame_length] - sq[s], 0.0) / frame_length)
        # A frame counts crossings between its own adjacent samples: positions s+1 .. s+L-1.
        zcr[t] = (cross[s + frame_length] - cross[s + 1]) / frame_length
    return rms, zcr


def rms_zcr(y: np.ndarray, frame_length: int = 2048, hop_length: int = 512,
            threshold: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """RMS (zero padding) and zero-crossing rate (edge padding, |y| <= threshold is 0) per centred frame."""
    return _rms_zcr(np.ascontiguousarray(y, dtype=np.float32), frame_length, hop_length, threshold)

