"""``stream()``: a long file (a 2-hour DJ mix) as mono float32 blocks, in memory bounded by the block size.

Decoding, downmixing and resampling all run block by block (soxr's streaming resampler carries its state
across block boundaries and is flushed at the end), so the concatenated blocks equal ``load(...).samples``
exactly while memory stays at a few blocks whatever the file's length.
"""
from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np

from ..config import AudioConfig
from .decode import NativeDecoder
from .probe import AudioInfo
from .resample import Resampler, downmix, expected_length, fix_length
from .tags import Tags, read_tags
from .validate import check_target_rate


class AudioStream:
    """An iterator of float32 mono blocks of ``block_size`` samples at ``sr`` (the last one shorter).

    Header-level errors raise when the stream is created. Decoding errors (cut short, NaN samples,
    too long) raise during iteration where they occur. The whole-file checks (cut short by the
    declared length, too short, silent) raise at the end, before the final block is handed out: a
    file that fits in one block never yields anything before its checks pass.

    After the last block, ``track_id``, ``frames`` (native frames decoded) and ``duration`` are set.
    Use as a context manager (or call :meth:`close`) to release the file early.
    """

    def __init__(self, path: str | os.PathLike[str], sr: int | None, block_seconds: float | None,
                 config: AudioConfig | None) -> None:
        cfg = config or AudioConfig()
        target = check_target_rate(sr, cfg)
        seconds = cfg.block_seconds if block_seconds is None else float(block_seconds)
        if not seconds > 0:
            raise ValueError(f"block_seconds must be positive, got {block_seconds!r}")
        self._dec = NativeDecoder(os.fspath(path), cfg)
        self.path: str = self._dec.path
        self.info: AudioInfo = self._dec.info
        self.source_sr: int = self._dec.sample_rate
        self.source_channels: int = self._dec.channels
        self.sr: int = target or self.source_sr
        self.block_size: int = max(1, int(round(seconds * self.sr)))
        self.track_id: str | None = None
        self.frames: int | None = None
        self.duration: float | None = None
        self._blocks = self._generate()

    def __iter__(self) -> Iterator[np.ndarray]:
        return self

    def __next__(self) -> np.ndarray:
        return next(self._blocks)

    def close(self) -> None:
        self._blocks.close()
        self._dec.close()

    def __enter__(self) -> AudioStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def tags(self) -> Tags:
        return read_tags(self.path, self._dec.sniff.riff_info)

    def _generate(self) -> Iterator[np.ndarray]:
        dec, size = self._dec, self.block_size
        try:
            resampler = Resampler(dec.sample_rate, self.sr, 1)
            pending = _Pending()
            held: np.ndarray | None = None  # one full block kept back until the next one exists
            emitted = 0
            for block in dec:
                pending.push(resampler(downmix(block)))
                for full in pending.pop_full(size):
                    if held is not None:
                        yield held
                        emitted += len(held)
                    held = full
            pending.push(resampler.flush())
            result = dec.finish()
            self.track_id, self.frames, self.duration = result.track_id, result.frames, result.duration
            rest_parts = ([held] if held is not None else []) + pending.pop_all()
            rest = np.concatenate(rest_parts) if rest_parts else np.zeros(0, dtype=np.float32)
            total = expected_length(result.frames, result.sample_rate, self.sr)
            rest = fix_length(rest, max(total - emitted, 0))
            for start in range(0, len(rest), size):
                yield rest[start:start + size]
        finally:
            dec.close()


class _Pending:
    """Resampled samples not yet cut into blocks."""

    def __init__(self) -> None:
        self._parts: list[np.ndarray] = []
        self._n = 0

    def push(self, x: np.ndarray) -> None:
        if len(x):
            self._parts.append(x)
            self._n += len(x)

    def pop_full(self, size: int) -> list[np.ndarray]:
        if self._n < size:
            return []
        buf = np.concatenate(self._parts) if len(self._parts) > 1 else self._parts[0]
        count = len(buf) // size
        blocks = [buf[i * size:(i + 1) * size] for i in range(count)]
        rest = buf[count * size:]
        self._parts = [rest.copy()] if len(rest) else []
        self._n = len(rest)
        return blocks

    def pop_all(self) -> list[np.ndarray]:
        parts, self._parts, self._n = self._parts, [], 0
        return parts


def stream(
    path: str | os.PathLike[str],
    sr: int | None = 22050,
    *,
    block_seconds: float | None = None,
    config: AudioConfig | None = None,
) -> AudioStream:
    """Mono float32 blocks of ``block_seconds`` (default ``config.block_seconds``) at ``sr`` Hz
    (None: the file's own rate), for files too long to load whole. See :class:`AudioStream`."""
    return AudioStream(path, sr, block_seconds, config)
