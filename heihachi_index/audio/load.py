"""``load()``: a whole file as float32 samples at the rate the consumer asks for, with its identity."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..config import AudioConfig
from ..logs import get_logger
from .decode import NativeDecoder
from .errors import UnreadableFileError
from .fingerprint import Fingerprinter
from .identity import file_sha256
from .resample import Resampler, downmix, expected_length
from .tags import Tags, read_tags
from .validate import check_target_rate

log = get_logger(__name__)


@dataclass(eq=False)
class Audio:
    """A decoded file.

    ``samples``: float32, ``(n,)`` when loaded mono, else ``(channels, n)`` (always 2-D, also for a
    one-channel file). ``sr``: the rate of ``samples``. ``duration``: seconds of decoded audio.
    ``source_sr``/``source_channels``: the decoded stream's own rate and channel count. ``codec`` and
    ``format`` (container) as in :class:`~.probe.AudioInfo`. ``track_id``: 32 hex chars identifying
    the audio content (see :mod:`.identity`). ``content_hash``: SHA-256 of the file's bytes (read
    when first asked for). ``fingerprint``: uint32 perceptual sub-fingerprints (see
    :mod:`.fingerprint`), when loaded with ``fingerprint=True``.
    """

    samples: np.ndarray = field(repr=False)
    sr: int
    path: str
    duration: float
    source_sr: int
    source_channels: int
    codec: str
    format: str
    track_id: str
    tags: Tags
    fingerprint: np.ndarray | None = field(default=None, repr=False)

    @cached_property
    def content_hash(self) -> str:
        return _content_hash(self.path)

    @property
    def channels(self) -> int:
        return 1 if self.samples.ndim == 1 else self.samples.shape[0]

    @property
    def n_samples(self) -> int:
        return self.samples.shape[-1]


def load(
    path: str | os.PathLike[str],
    sr: int | None = 22050,
    *,
    mono: bool = True,
    config: AudioConfig | None = None,
    fingerprint: bool = False,
) -> Audio:
    """Decode ``path`` (any format FFmpeg reads) to float32 at ``sr`` Hz (None: the file's own rate).

    Mono is the mean of the channels and resampling is soxr HQ, block by block, so the samples equal
    ``librosa.load(path, sr=sr, mono=mono)[0]`` for the same decoded PCM. Raises an
    :class:`~.errors.AudioError` subclass for any file that is not usable audio, never a silent or
    empty array. ``fingerprint=True`` also computes the perceptual fingerprint (about a tenth of
    the decoding time).
    """
    cfg = config or AudioConfig()
    target = check_target_rate(sr, cfg)
    with NativeDecoder(os.fspath(path), cfg) as dec:
        out_sr = target or dec.sample_rate
        resampler = Resampler(dec.sample_rate, out_sr, 1 if mono else dec.channels)
        fingerprinter = Fingerprinter(dec.sample_rate) if fingerprint else None
        hint = min(_capacity_hint(dec.info.duration, dec.info.duration_exact), cfg.max_duration_s)
        collector = _Collector(int(hint * out_sr) + out_sr, None if mono else dec.channels)
        for block in dec:
            mixed = downmix(block)
            if fingerprinter is not None:
                fingerprinter.update(mixed)
            collector.add(resampler(mixed if mono else block))
        collector.add(resampler.flush())
        result = dec.finish()
        info, sniffed = dec.info, dec.sniff
    samples = collector.result(expected_length(result.frames, result.sample_rate, out_sr))
    del collector
    audio = Audio(
        samples=samples,
        sr=out_sr,
        path=info.path,
        duration=result.duration,
        source_sr=result.sample_rate,
        source_channels=result.channels,
        codec=info.codec,
        format=info.format,
        track_id=result.track_id,
        tags=read_tags(info.path, sniffed.riff_info),
        fingerprint=fingerprinter.finish() if fingerprinter is not None else None,
    )
    log.debug("decoded", extra={"path": audio.path, "format": audio.format, "codec": audio.codec,
                                "duration": round(audio.duration, 3), "source_sr": audio.source_sr,
                                "channels": audio.source_channels, "sr": audio.sr})
    return audio


def _capacity_hint(duration: float | None, exact: bool) -> float:
    """Seconds of output to allocate up front: the declared length, or a capped guess when FFmpeg
    only estimated it (the buffer grows if needed)."""
    if duration is None:
        return 30.0
    return duration if exact else min(duration, 600.0)


def _content_hash(path: str) -> str:
    try:
        return file_sha256(path)
    except OSError as exc:
        raise UnreadableFileError(path, f"cannot read: {exc.strerror or exc}") from exc


class _Collector:
    """The output of load(), written into one preallocated array sized from the header's duration
    (grown by half when that was an underestimate), so the samples are never held twice over.
    Multi-channel output is stored as ``(channels, n)`` straight away."""

    def __init__(self, capacity: int, channels: int | None) -> None:
        self._channels = channels
        self._buf = self._alloc(max(capacity, 1))
        self._n = 0

    def _alloc(self, capacity: int) -> np.ndarray:
        shape = (capacity,) if self._channels is None else (self._channels, capacity)
        return np.empty(shape, dtype=np.float32)

    def _reserve(self, needed: int) -> None:
        capacity = self._buf.shape[-1]
        if needed > capacity:
            bigger = self._alloc(max(needed, capacity + capacity // 2))
            bigger[..., :self._n] = self._buf[..., :self._n]
            self._buf = bigger

    def add(self, y: np.ndarray) -> None:
        k = len(y)
        if k == 0:
            return
        self._reserve(self._n + k)
        if self._channels is None:
            self._buf[self._n:self._n + k] = y
        else:
            self._buf[:, self._n:self._n + k] = y.T
        self._n += k

    def result(self, n: int) -> np.ndarray:
        """Exactly ``n`` samples: trimmed, or zero-padded like ``librosa.util.fix_length``."""
        self._reserve(n)
        if n > self._n:
            self._buf[..., self._n:n] = 0.0
        buf = self._buf
        if buf.ndim == 2 and buf.shape[1] != n:
            # Compact the rows in place so that (channels, n) is C-contiguous without a second copy.
            flat = buf.reshape(-1)
            for c in range(1, buf.shape[0]):
                flat[c * n:(c + 1) * n] = buf[c, :n]
            out = flat[:buf.shape[0] * n].reshape(buf.shape[0], n)
        else:
            out = buf[:n]
        if buf.shape[-1] > n + n // 8 + 4096:  # much too big: give the memory back
            return np.array(out)
        return out
