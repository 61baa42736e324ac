"""Downmixing and block-wise resampling, numerically the same as ``librosa.load``.

librosa's default (``res_type="soxr_hq"``) resamples with soxr at HQ quality and fixes the length to
``ceil(n * target / native)``. soxr's streaming resampler gives bit-identical output to its one-shot
call whatever the block boundaries, so a file resampled block by block here equals ``librosa.load`` of
the whole file, without ever holding the whole file at the native rate.
"""
from __future__ import annotations

import math

import numpy as np
import soxr

QUALITY = "HQ"  # = librosa's "soxr_hq"


def downmix(block: np.ndarray) -> np.ndarray:
    """Mean over channels of a ``(frames, channels)`` float32 block, as ``np.mean(y, axis=0)`` computes it
    for librosa's ``(channels, frames)`` layout (channels added in order, then divided)."""
    channels = block.shape[1]
    if channels == 1:
        return block[:, 0]
    out = block[:, 0] + block[:, 1]
    for c in range(2, channels):
        out += block[:, c]
    out /= np.float32(channels)
    return out


def expected_length(frames: int, in_rate: int, out_rate: int) -> int:
    """Output length for ``frames`` input frames, as librosa fixes it."""
    if in_rate == out_rate:
        return frames
    return int(math.ceil(frames * (float(out_rate) / in_rate)))


def fix_length(y: np.ndarray, n: int) -> np.ndarray:
    """Trim or zero-pad the first axis (time) of ``y`` to ``n``."""
    if len(y) == n:
        return y
    if len(y) > n:
        return y[:n]
    pad = np.zeros((n - len(y),) + y.shape[1:], dtype=y.dtype)
    return np.concatenate([y, pad])


class Resampler:
    """soxr HQ streaming resampler for float32 blocks, ``(frames,)`` or ``(frames, channels)``;
    a pass-through when the rates are equal. Call :meth:`flush` once at the end."""

    def __init__(self, in_rate: int, out_rate: int, channels: int = 1) -> None:
        self.in_rate, self.out_rate, self.channels = int(in_rate), int(out_rate), int(channels)
        self._ndim = 1 if self.channels == 1 else 2
        self._stream = (None if self.in_rate == self.out_rate else
                        soxr.ResampleStream(self.in_rate, self.out_rate, self.channels,
                                            dtype="float32", quality=QUALITY))

    def __call__(self, block: np.ndarray) -> np.ndarray:
        self._ndim = block.ndim
        if self._stream is None:
            return block
        return self._stream.resample_chunk(np.ascontiguousarray(block, dtype=np.float32))

    def flush(self) -> np.ndarray:
        shape = (0,) if self._ndim == 1 else (0, self.channels)
        empty = np.zeros(shape, dtype=np.float32)
        if self._stream is None:
            return empty
        return self._stream.resample_chunk(empty, last=True)
