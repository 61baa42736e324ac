"""Cutting audio into fixed model windows, in one pass or block by block.

Windows are consecutive (start ``i * window``, no overlap). The last, shorter piece is
*repeat-padded* as CLAP's feature extractor does (``padding="repeatpad"``): the piece is tiled
``window // len`` times and the rest zero-filled. A last piece shorter than ``min_tail`` samples is
dropped when the track already has a full window (a fraction of a second repeated over ten seconds
would count as much as real music); a clip shorter than one window always gives one window.
Each window carries its *real* length so that means can weight a padded window by the audio it holds.
"""
from __future__ import annotations

import numpy as np


def repeat_pad(x: np.ndarray, length: int) -> np.ndarray:
    """Tile ``x`` ``length // len(x)`` times and zero-fill the rest up to ``length`` samples.

    Raises
    ------
    ValueError
        If ``x`` is empty or longer than ``length``.
    """
    n = len(x)
    if n == 0:
        raise ValueError("cannot pad an empty piece of audio")
    if n > length:
        raise ValueError(f"piece of {n} samples is longer than the window ({length})")
    out = np.zeros(length, dtype=np.float32)
    tiled = np.tile(x, length // n)
    out[:len(tiled)] = tiled
    return out


class WindowCutter:
    """Cut a stream of samples into windows of ``length`` samples.

    Parameters
    ----------
    length : int
        Window length in samples.
    min_tail : int
        Shortest last piece kept (padded) when earlier full windows exist.

    Notes
    -----
    :meth:`push` returns the full windows completed by a block; :meth:`finish` returns the padded last
    piece (or nothing). The windows are the same whatever the block boundaries.
    """

    def __init__(self, length: int, min_tail: int = 0) -> None:
        if length <= 0:
            raise ValueError(f"window length must be positive, got {length}")
        self.length = int(length)
        self.min_tail = int(min_tail)
        self.count = 0  # windows handed out so far
        self._buf = np.zeros(0, dtype=np.float32)

    def push(self, y: np.ndarray) -> list[tuple[np.ndarray, int]]:
        """Add samples; returns the completed ``(window, real_length)`` pairs."""
        buf = np.concatenate([self._buf, np.asarray(y, dtype=np.float32)]) if len(self._buf) else \
            np.asarray(y, dtype=np.float32)
        k = len(buf) // self.length
        out = [(buf[i * self.length:(i + 1) * self.length].copy(), self.length) for i in range(k)]
        self._buf = buf[k * self.length:].copy()
        self.count += k
        return out

    def finish(self) -> list[tuple[np.ndarray, int]]:
        """The padded last piece as ``[(window, real_length)]``, or ``[]`` when it is dropped/empty."""
        rest, self._buf = self._buf, np.zeros(0, dtype=np.float32)
        if len(rest) == 0 or (self.count > 0 and len(rest) < self.min_tail):
            return []
        self.count += 1
        return [(repeat_pad(rest, self.length), len(rest))]


def frame_windows(y: np.ndarray, length: int, min_tail: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """All windows of ``y`` at once: ``(windows (n, length) float32, real_lengths (n,) int)``."""
    cutter = WindowCutter(length, min_tail)
    pairs = cutter.push(y) + cutter.finish()
    if not pairs:
        return np.zeros((0, length), np.float32), np.zeros(0, np.int64)
    return np.stack([w for w, _ in pairs]), np.array([n for _, n in pairs], dtype=np.int64)
