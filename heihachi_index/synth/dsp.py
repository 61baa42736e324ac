"""Small vectorised DSP building blocks shared by the synth modules.

Every function works on whole numpy arrays (no per-sample Python loops). Oscillator phases are kept in
float64 cycles and wrapped before any float32 maths, so long notes stay in tune.
"""
from __future__ import annotations

import zlib
from functools import lru_cache

import numpy as np
import scipy.signal

TWO_PI = 2.0 * np.pi


def rng_for(seed: int, *names: str) -> np.random.Generator:
    """Independent, reproducible random generator for one component of a track.

    Each part of a track (controls, drums, bass, ...) draws from its own stream, so overriding one
    control (say ``brightness``) leaves every other random choice of the same seed unchanged.
    """
    if int(seed) < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    keys = [zlib.crc32(name.encode()) for name in names]
    return np.random.default_rng(np.random.SeedSequence([int(seed), *keys]))


def midi_to_hz(midi: float | np.ndarray) -> float | np.ndarray:
    return 440.0 * 2.0 ** ((np.asarray(midi, dtype=np.float64) - 69.0) / 12.0)


def db_to_gain(db: float) -> float:
    return float(10.0 ** (db / 20.0))


def phase_constant(freq: float, n: int, sr: int, phase0: float = 0.0) -> np.ndarray:
    """Wrapped phase in cycles, float64 in [0, 1), of a constant-frequency oscillator."""
    ph = phase0 + np.arange(n, dtype=np.float64) * (freq / sr)
    return ph - np.floor(ph)


def phase_track(freq: np.ndarray, sr: int, phase0: float = 0.0) -> np.ndarray:
    """Wrapped phase in cycles of an oscillator whose frequency changes per sample."""
    ph = np.cumsum(np.asarray(freq, dtype=np.float64) / sr)
    ph += phase0 - ph[0] if len(ph) else 0.0
    return ph - np.floor(ph)


def sine(phase: np.ndarray) -> np.ndarray:
    return np.sin(TWO_PI * phase.astype(np.float32))


def saw(phase: np.ndarray, dt: float | np.ndarray) -> np.ndarray:
    """Band-limited (polyBLEP) sawtooth in [-1, 1] from a wrapped phase and increment ``dt = f / sr``."""
    p = phase.astype(np.float32)
    y = 2.0 * p - 1.0
    dt = np.broadcast_to(np.asarray(dt, dtype=np.float32), p.shape)
    lo = p < dt
    t = p[lo] / dt[lo]
    y[lo] -= t + t - t * t - 1.0
    hi = p > 1.0 - dt
    t = (p[hi] - 1.0) / dt[hi]
    y[hi] -= t * t + t + t + 1.0
    return y


def square(phase: np.ndarray, dt: float | np.ndarray, width: float = 0.5) -> np.ndarray:
    """Band-limited pulse wave as the difference of two polyBLEP saws."""
    shifted = phase + width
    return 0.5 * (saw(phase, dt) - saw(shifted - np.floor(shifted), dt))


@lru_cache(maxsize=512)
def _sos(kind: str, freq: float | tuple[float, float], sr: int, order: int) -> np.ndarray:
    nyq = 0.5 * sr
    if kind == "bandpass":
        lo, hi = freq
        wn: float | list[float] = [max(lo, 1.0) / nyq, min(hi, 0.95 * nyq) / nyq]
    else:
        wn = min(max(float(freq), 1.0), 0.95 * nyq) / nyq
    return scipy.signal.butter(order, wn, btype=kind, output="sos")


def _filter(x: np.ndarray, kind: str, freq: float | tuple[float, float], sr: int, order: int) -> np.ndarray:
    key = tuple(round(float(f), 1) for f in freq) if isinstance(freq, tuple) else round(float(freq), 1)
    y = scipy.signal.sosfilt(_sos(kind, key, sr, order), x, axis=-1)
    return y.astype(np.float32, copy=False)


def lowpass(x: np.ndarray, cutoff: float, sr: int, order: int = 2) -> np.ndarray:
    """Butterworth low-pass along the last axis."""
    return _filter(x, "lowpass", cutoff, sr, order)


def highpass(x: np.ndarray, cutoff: float, sr: int, order: int = 2) -> np.ndarray:
    """Butterworth high-pass along the last axis."""
    return _filter(x, "highpass", cutoff, sr, order)


def bandpass(x: np.ndarray, lo: float, hi: float, sr: int, order: int = 2) -> np.ndarray:
    """Butterworth band-pass along the last axis."""
    return _filter(x, "bandpass", (lo, hi), sr, order)


@lru_cache(maxsize=256)
def _resonator(freq: float, bandwidth: float, sr: int) -> np.ndarray:
    # Constant-peak-gain two-pole resonator (RBJ band-pass, 0 dB at the centre).
    w0 = TWO_PI * freq / sr
    q = freq / bandwidth
    alpha = np.sin(w0) / (2.0 * q)
    b = np.array([alpha, 0.0, -alpha])
    a = np.array([1.0 + alpha, -2.0 * np.cos(w0), 1.0 - alpha])
    return np.concatenate([b / a[0], a / a[0]])[None, :]


def resonator(x: np.ndarray, freq: float, bandwidth: float, sr: int) -> np.ndarray:
    """Band-pass resonance of a given centre and bandwidth in Hz (a formant)."""
    sos = _resonator(round(float(freq), 1), round(float(bandwidth), 1), sr)
    return scipy.signal.sosfilt(sos, x).astype(np.float32, copy=False)


def decay(n: int, tau: float, sr: int) -> np.ndarray:
    """Exponential decay ``exp(-t / tau)`` over ``n`` samples."""
    return np.exp(-np.arange(n, dtype=np.float32) / np.float32(tau * sr))


def gate(n: int, sr: int, attack: float, release: float, hold: int | None = None) -> np.ndarray:
    """Linear attack, flat hold, linear release envelope of length ``n`` samples.

    ``hold`` is where the release starts (default: ``n`` minus the release length).
    """
    a = max(1, int(attack * sr))
    r = max(1, int(release * sr))
    t = np.arange(n, dtype=np.float32)
    env = np.minimum(1.0, (t + 1.0) / a)
    start = n - r if hold is None else hold
    env *= np.clip(1.0 - (t - start) / r, 0.0, 1.0)
    return env


def saturate(x: np.ndarray, drive: float) -> np.ndarray:
    """``tanh`` waveshaper normalised so that a full-scale input stays full scale (``drive`` >= 1;
    1 is nearly clean, 8 is heavy distortion)."""
    if drive <= 1.0 + 1e-3:
        return x.astype(np.float32, copy=False)
    d = np.float32(drive)
    return (np.tanh(x * d) / np.tanh(d)).astype(np.float32, copy=False)


def soft_clip(x: np.ndarray, drive: float) -> np.ndarray:
    """``tanh`` limiter with unit gain for small signals: peaks are squashed, the rest is untouched."""
    if drive <= 1e-3:
        return x.astype(np.float32, copy=False)
    d = np.float32(drive)
    return (np.tanh(x * d) / d).astype(np.float32, copy=False)


def pan_gains(position: float) -> tuple[float, float]:
    """Equal-power (left, right) gains for a pan position in [-1, 1]."""
    angle = (np.clip(position, -1.0, 1.0) + 1.0) * np.pi / 4.0
    return float(np.cos(angle) * np.sqrt(2.0)), float(np.sin(angle) * np.sqrt(2.0))


def add_at(buf: np.ndarray, start: int, x: np.ndarray) -> None:
    """Add ``x`` into ``buf`` (last axis is time) from sample ``start``, clipped to the buffer."""
    n = buf.shape[-1]
    if start >= n or start + x.shape[-1] <= 0:
        return
    lo = max(0, -start)
    hi = min(x.shape[-1], n - start)
    buf[..., start + lo:start + hi] += x[..., lo:hi]
