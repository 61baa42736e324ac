"""The checks that turn odd numbers into typed errors: header values, and the whole-file checks that can
only run once everything is decoded (cut short, too short, silent)."""
from __future__ import annotations

import math

from ..config import AudioConfig
from .errors import InvalidHeaderError, SilentAudioError, TooShortError, TruncatedError

# A file is "cut short" when it decodes to less than its declared length minus this much.
TRUNCATION_MIN_S = 0.25
TRUNCATION_FRACTION = 0.005


def peak_dbfs(peak: float) -> float:
    """Peak level in dB relative to full scale (1.0); ``-inf`` for digital silence."""
    return 20.0 * math.log10(peak) if peak > 0 else -math.inf


def check_sample_rate(path: str, sample_rate: float | None, cfg: AudioConfig, where: str = "header") -> None:
    if sample_rate is None or not math.isfinite(sample_rate) or sample_rate <= 0:
        raise InvalidHeaderError(path, f"{where} declares an invalid sample rate ({_num(sample_rate)} Hz)")
    if sample_rate > cfg.max_sample_rate:
        raise InvalidHeaderError(
            path, f"{where} declares a sample rate of {_num(sample_rate)} Hz, above the maximum "
                  f"{cfg.max_sample_rate} Hz")


def check_channels(path: str, channels: int | None, cfg: AudioConfig, where: str = "header") -> None:
    if channels is None or channels <= 0:
        raise InvalidHeaderError(path, f"{where} declares {channels or 0} channels")
    if channels > cfg.max_channels:
        raise InvalidHeaderError(
            path, f"{where} declares {channels} channels, above the maximum {cfg.max_channels}")


def check_declared_duration(path: str, duration: float | None, cfg: AudioConfig) -> None:
    if duration is not None and duration > cfg.max_duration_s:
        raise InvalidHeaderError(
            path, f"header declares a duration of {duration:.1f} s, above the maximum "
                  f"{cfg.max_duration_s:.0f} s")


def check_target_rate(sr: int | None, cfg: AudioConfig) -> int | None:
    """The ``sr`` argument of load/stream: a positive integer rate, or None for the native rate.
    A bad value is a programming error (ValueError), not a bad file."""
    if sr is None:
        return None
    if isinstance(sr, bool) or not float(sr).is_integer() or not 0 < sr <= cfg.max_sample_rate:
        raise ValueError(f"sr must be a positive integer sample rate up to {cfg.max_sample_rate} "
                         f"(or None for the file's own rate), got {sr!r}")
    return int(sr)


def truncation_tolerance(declared_s: float) -> float:
    return max(TRUNCATION_MIN_S, TRUNCATION_FRACTION * declared_s)


def check_decoded(
    path: str,
    *,
    frames: int,
    sample_rate: int,
    peak: float,
    declared_duration: float | None,
    cfg: AudioConfig,
) -> None:
    """The whole-file checks, in order: cut short, too short, silent."""
    duration = frames / sample_rate if sample_rate else 0.0
    declared = declared_duration
    if declared is not None and duration < declared - truncation_tolerance(declared):
        raise TruncatedError(
            path, f"file is cut short: decoded {duration:.2f} s of the {declared_duration:.2f} s "
                  f"declared in its header")
    if duration < cfg.min_duration_s:
        what = "no audio samples" if frames == 0 else f"{duration:.2f} s of audio"
        raise TooShortError(path, f"too short: {what}, the minimum is {cfg.min_duration_s:g} s")
    level = peak_dbfs(peak)
    if level < cfg.silence_dbfs:
        what = "every sample is zero" if peak == 0 else f"peak level {level:.1f} dBFS"
        raise SilentAudioError(path, f"silent: {what}, below the {cfg.silence_dbfs:g} dBFS threshold")


def _num(x: float | None) -> str:
    if x is None:
        return "none"
    return f"{x:g}" if math.isfinite(x) else str(x)
