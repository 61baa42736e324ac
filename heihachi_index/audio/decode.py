"""The one decoding path (PyAV/FFmpeg) for every format: native-rate float32 blocks.

:class:`NativeDecoder` decodes a file packet by packet and hands out ``(frames, channels)`` float32
blocks of about ``batch_frames`` frames at the file's own rate and channel count. While doing so it
feeds the track-id hasher (int16-quantised PCM), tracks the peak level, refuses NaN/inf samples, stops
at ``max_duration_s``, and turns decoder failures into typed errors. :meth:`NativeDecoder.finish` runs
the whole-file checks (cut short, too short, silent) once the blocks are exhausted.

Why not soundfile for WAV/FLAC/AIFF: FFmpeg decodes those as fast (a 3-minute stereo FLAC in about
0.2 s), a single path keeps one set of error semantics and one track id definition for every
container, and soundfile cannot read mp3-in-wav, ALAC, AAC or opus-in-mkv at all.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import av
import numpy as np

from ..config import AudioConfig
from ..logs import get_logger
from .errors import (
    AudioError,
    CorruptFileError,
    InvalidHeaderError,
    InvalidSamplesError,
    NotAudioError,
    TooLongError,
    TruncatedError,
    UnsupportedCodecError,
)
from .identity import PcmHasher
from .probe import AudioInfo, OpenedAudio, ffmpeg_reason, open_audio
from .sniff import Sniff
from .validate import check_channels, check_decoded, check_sample_rate

log = get_logger(__name__)

BATCH_FRAMES = 1 << 16  # about 1.5 s at 44.1 kHz: small enough for any channel count, big enough for numpy

_INT_SCALE = {
    np.dtype(np.int16): np.float32(1.0 / 32768.0),
    np.dtype(np.int32): np.float32(1.0 / 2147483648.0),
}


@dataclass(frozen=True)
class DecodeResult:
    frames: int
    sample_rate: int
    channels: int
    peak: float
    track_id: str

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0


class NativeDecoder:
    """Iterate over native-rate float32 ``(frames, channels)`` blocks of one file, then :meth:`finish`.

    Opening raises the header-level errors (see :func:`.probe.open_audio`) and decodes the first frame,
    so ``sample_rate`` and ``channels`` (the decoded stream's, which is what the blocks have) are known
    before the first block. Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, path: str, cfg: AudioConfig, *, batch_frames: int = BATCH_FRAMES) -> None:
        self.cfg = cfg
        self._opened: OpenedAudio = open_audio(path, cfg)
        self.path = self._opened.path
        self.info: AudioInfo = self._opened.info
        self.frames = 0  # frames handed out in blocks
        self.peak = 0.0
        self._seen = 0  # frames decoded so far (for error positions)
        self._batch = max(1, int(batch_frames))
        self._done = False
        self._closed = False
        try:
            self._source = self._decoded_frames()
            self._first = next(self._source, None)
            if self._first is not None:
                self.sample_rate = int(self._first.sample_rate)
                self.channels = int(self._first.layout.nb_channels)
                check_sample_rate(self.path, self.sample_rate, cfg, "decoded stream")
                check_channels(self.path, self.channels, cfg, "decoded stream")
                self._layout = self._first.layout
            else:
                self.sample_rate, self.channels = self.info.sample_rate, self.info.channels
                self._layout = None
            self._hasher = PcmHasher(self.sample_rate, self.channels)
            self._max_frames = int(cfg.max_duration_s * self.sample_rate)
        except BaseException:
            self.close()
            raise

    @property
    def sniff(self) -> Sniff:
        """What the file's first bytes said (kind, WAV/AIFF header values, RIFF INFO tags)."""
        return self._opened.sniff

    # -- context management ------------------------------------------------------------------------

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._opened.close()

    def __enter__(self) -> NativeDecoder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- blocks ------------------------------------------------------------------------------------

    def __iter__(self) -> Iterator[np.ndarray]:
        parts: list[np.ndarray] = []
        n = 0
        for frame in self._uniform_frames():
            arr = _frame_array(frame)
            if not len(arr):
                continue
            if parts and arr.dtype != parts[0].dtype:
                yield self._process(parts)
                parts, n = [], 0
            parts.append(arr)
            n += len(arr)
            if n >= self._batch:
                yield self._process(parts)
                parts, n = [], 0
        if parts:
            yield self._process(parts)
        self._done = True

    def finish(self) -> DecodeResult:
        """Whole-file checks after the last block: cut short, too short, silent."""
        if not self._done:
            raise RuntimeError("NativeDecoder.finish() called before all blocks were read")
        declared = self.info.duration if self.info.duration_exact else None
        check_decoded(self.path, frames=self.frames, sample_rate=self.sample_rate, peak=self.peak,
                      declared_duration=declared, cfg=self.cfg)
        return DecodeResult(self.frames, self.sample_rate, self.channels, self.peak, self._hasher.hexdigest())

    # -- internals ---------------------------------------------------------------------------------

    def _process(self, parts: list[np.ndarray]) -> np.ndarray:
        raw = parts[0] if len(parts) == 1 else np.concatenate(parts)
        raw = np.ascontiguousarray(raw)
        if raw.dtype == np.int16:
            self._hasher.update_int16(raw)
            peak = max(int(raw.max()), -int(raw.min())) / 32768.0
            x = np.multiply(raw, _INT_SCALE[raw.dtype], dtype=np.float32)
        else:
            x = _to_float32(raw)
            hi, lo = float(x.max()), float(x.min())
            if not (np.isfinite(hi) and np.isfinite(lo)):
                bad = int(np.flatnonzero(~np.isfinite(x))[0]) // self.channels
                t = (self.frames + bad) / self.sample_rate
                raise InvalidSamplesError(self.path, f"invalid samples: NaN or infinity at {t:.2f} s")
            peak = max(hi, -lo)
            self._hasher.update_float(x)
        self.peak = max(self.peak, peak)
        self.frames += len(x)
        if self.frames > self._max_frames:
            raise TooLongError(self.path, f"too long: more than the maximum {self.cfg.max_duration_s:.0f} s "
                                          f"of audio")
        return x

    def _uniform_frames(self) -> Iterator[Any]:
        """Decoded frames, all at the first frame's rate and channel count (a stream that changes them
        midway, e.g. concatenated MP3s, is converted with FFmpeg's resampler)."""
        if self._first is None:
            return
        first, self._first = self._first, None
        converter: Any = None
        key: tuple[Any, ...] | None = None
        for frame in _chain(first, self._source):
            if converter is None and (frame.sample_rate == self.sample_rate
                                      and frame.layout.nb_channels == self.channels):
                yield frame
                continue
            frame_key = (frame.sample_rate, frame.layout.name, frame.format.name)
            try:
                if converter is None or frame_key != key:
                    if converter is not None:
                        yield from converter.resample(None)
                    log.debug("stream parameters change midway, converting",
                              extra={"path": self.path, "rate": frame.sample_rate,
                                     "channels": frame.layout.nb_channels})
                    converter = av.AudioResampler(format="flt", layout=self._layout, rate=self.sample_rate)
                    key = frame_key
                yield from converter.resample(frame)
            except (av.error.FFmpegError, ValueError) as exc:
                raise CorruptFileError(self.path, f"cannot convert a change of stream parameters at "
                                                  f"{self._position()}: {ffmpeg_reason(exc)}") from exc
        if converter is not None:
            try:
                yield from converter.resample(None)
            except (av.error.FFmpegError, ValueError) as exc:
                reason = ffmpeg_reason(exc)
                raise CorruptFileError(self.path, f"cannot convert stream parameters: {reason}") from exc

    def _decoded_frames(self) -> Iterator[Any]:
        """Every decoded frame of the audio stream; PyAV/FFmpeg failures become typed errors."""
        container, stream = self._opened.container, self._opened.stream
        packets = container.demux(stream)
        while True:
            try:
                packet = next(packets)
                frames = packet.decode()
            except StopIteration:
                return
            except (AudioError, MemoryError):
                raise
            except Exception as exc:
                raise self._decode_error(exc) from exc
            for frame in frames:
                self._seen += frame.samples
                yield frame

    def _position(self) -> str:
        sr = getattr(self, "sample_rate", None) or self.info.sample_rate
        return f"{self._seen / sr:.2f} s" if sr else "the start"

    def _decode_error(self, exc: BaseException) -> AudioError:
        p, codec, reason = self.path, self.info.codec, ffmpeg_reason(exc)
        if isinstance(exc, av.error.PatchWelcomeError):
            return UnsupportedCodecError(p, f"FFmpeg cannot decode this stream at {self._position()} (e.g. a "
                                            f"chained Ogg stream that changes format): {reason}")
        if self._seen == 0:
            if "avcodec_open2" in str(exc):
                if isinstance(exc, av.error.InvalidDataError):
                    return InvalidHeaderError(p, f"the {codec} decoder rejects the stream parameters in the "
                                                 f"header: {reason}")
                return UnsupportedCodecError(p, f"cannot open the {codec} decoder: {reason}")
            if self._opened.sniff.is_audio:
                return CorruptFileError(p, f"cannot decode any audio: {reason}")
            return NotAudioError(p, f"not audio: no decodable audio ({reason})")
        declared = (f" of the {self.info.duration:.2f} s declared"
                    if self.info.duration_exact and self.info.duration else "")
        return TruncatedError(p, f"decoder error at {self._position()}{declared} "
                                 f"(file cut short or damaged): {reason}")


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def _frame_array(frame: Any) -> np.ndarray:
    """A decoded frame as ``(frames, channels)`` in its own sample type (a view where possible)."""
    a = frame.to_ndarray()
    if frame.format.is_planar:
        return a.T
    return a.reshape(-1, frame.layout.nb_channels)


def _to_float32(raw: np.ndarray) -> np.ndarray:
    if raw.dtype == np.float32:
        return raw
    if raw.dtype in _INT_SCALE:
        return np.multiply(raw, _INT_SCALE[raw.dtype], dtype=np.float32)
    if raw.dtype == np.uint8:
        x = raw.astype(np.float32)
        x -= np.float32(128.0)
        x *= np.float32(1.0 / 128.0)
        return x
    if raw.dtype == np.int64:
        return (raw.astype(np.float64) * (1.0 / 2.0 ** 63)).astype(np.float32)
    return raw.astype(np.float32)
