"""Pitched instruments: basses, pads, keys, stabs, plucks, leads, vocal-like formant tones and a riser.

Every renderer takes a list of :class:`Note` (or chord events) at a sample rate ``sr`` and returns a
float32 buffer of ``n`` samples, mono ``(n,)`` or stereo ``(2, n)``. Notes are synthesised one at a time
with vectorised numpy; identical sounds (a pluck of the same pitch) are rendered once and reused.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from heihachi_index.synth import dsp

# Soprano vowel formants (centre Hz, bandwidth Hz, level dB), after the classic Csound formant table.
VOWELS: dict[str, tuple[tuple[float, float, float], ...]] = {
    "a": ((800, 80, 0), (1150, 90, -6), (2900, 120, -32), (3900, 130, -20)),
    "e": ((350, 60, 0), (2000, 100, -20), (2800, 120, -15), (3600, 150, -40)),
    "i": ((270, 60, 0), (2140, 90, -12), (2950, 100, -26), (3900, 120, -26)),
    "o": ((450, 70, 0), (800, 80, -11), (2830, 100, -22), (3800, 130, -22)),
    "u": ((325, 50, 0), (700, 60, -16), (2700, 170, -35), (3800, 180, -40)),
}
VOWEL_NAMES = tuple(VOWELS)


@dataclass(frozen=True)
class Note:
    """A note: ``start`` and ``length`` in samples, MIDI pitch, velocity 0-1.

    ``rate`` is instrument specific: the wobble LFO rate in Hz for :func:`wobble_bass`, the vowel index
    for :func:`vocal`.
    """

    start: int
    length: int
    midi: float
    velocity: float = 1.0
    rate: float = 0.0


@dataclass(frozen=True)
class ChordHit:
    """Several pitches struck together for ``length`` samples."""

    start: int
    length: int
    midis: tuple[int, ...]
    velocity: float = 1.0


def _env(length: int, tail: int, sr: int, attack: float) -> np.ndarray:
    return dsp.gate(length + tail, sr, attack, tail / sr, hold=length)


def sub_bass(notes: Sequence[Note], n: int, sr: int, *, drive: float = 0.0) -> np.ndarray:
    """Sine sub bass; ``drive`` adds a little warmth through soft clipping."""
    out = np.zeros(n, dtype=np.float32)
    tail = int(0.03 * sr)
    for note in notes:
        f = float(dsp.midi_to_hz(note.midi))
        x = dsp.sine(dsp.phase_constant(f, note.length + tail, sr)) * _env(note.length, tail, sr, 0.004)
        dsp.add_at(out, note.start, dsp.saturate(x * note.velocity, 1.0 + 2.0 * drive))
    return out


def reese_bass(notes: Sequence[Note], n: int, sr: int, rng: np.random.Generator, *, brightness: float,
               distortion: float, lfo_hz: float) -> np.ndarray:
    """Reese: detuned saws (plus one an octave up), distorted, through a slowly swept low-pass, over a
    clean sine sub. ``lfo_hz`` is the filter sweep rate (tempo-synced by the caller)."""
    out = np.zeros(n, dtype=np.float32)
    tail = int(0.02 * sr)
    detune = float(rng.uniform(0.005, 0.012))
    lo_cut, hi_cut = 300.0 + 700.0 * brightness, 1500.0 + 5000.0 * brightness
    lfo_phase = float(rng.uniform(0, 1))
    for note in notes:
        length = note.length + tail
        f = float(dsp.midi_to_hz(note.midi))
        x = np.zeros(length, dtype=np.float32)
        for ratio, amp in ((1.0 + detune, 1.0), (1.0 - detune, 1.0), (2.0 * (1.0 + detune / 3.0), 0.45)):
            ph = dsp.phase_constant(f * ratio, length, sr, float(rng.uniform(0, 1)))
            x += amp * dsp.saw(ph, f * ratio / sr)
        x = dsp.saturate(x / 2.45, 1.0 + 8.0 * distortion)
        t = (note.start + np.arange(length, dtype=np.float64)) / sr
        w = (0.5 + 0.5 * np.sin(dsp.TWO_PI * (lfo_hz * t + lfo_phase))).astype(np.float32)
        lo = dsp.lowpass(x, lo_cut, sr)
        hi = dsp.lowpass(x, hi_cut, sr)
        sub = dsp.sine(dsp.phase_constant(f, length, sr))
        y = (lo + w * (hi - lo)) + 0.5 * sub
        dsp.add_at(out, note.start, y * _env(note.length, tail, sr, 0.005) * note.velocity)
    return out


def wobble_bass(notes: Sequence[Note], n: int, sr: int, rng: np.random.Generator, *, brightness: float,
                distortion: float) -> np.ndarray:
    """Dubstep wobble: saw and square, distorted, with a low-pass opened and closed by an LFO at
    ``note.rate`` Hz, over a sine sub."""
    out = np.zeros(n, dtype=np.float32)
    tail = int(0.02 * sr)
    hi_cut = 1200.0 + 4000.0 * brightness
    for note in notes:
        length = note.length + tail
        f = float(dsp.midi_to_hz(note.midi))
        ph = dsp.phase_constant(f, length, sr, float(rng.uniform(0, 1)))
        ph2 = dsp.phase_constant(f * 1.004, length, sr, float(rng.uniform(0, 1)))
        x = dsp.saw(ph, f / sr) + 0.8 * dsp.square(ph2, f * 1.004 / sr)
        x = dsp.saturate(0.6 * x, 1.0 + 6.0 * distortion)
        t = np.arange(length, dtype=np.float32) / np.float32(sr)
        w = (0.5 - 0.5 * np.cos(np.float32(dsp.TWO_PI * note.rate) * t)) ** 1.5
        lo = dsp.lowpass(x, 200.0, sr, order=4)
        hi = dsp.lowpass(x, hi_cut, sr)
        y = lo + w * (hi - lo) + 0.5 * dsp.sine(ph)
        dsp.add_at(out, note.start, y * _env(note.length, tail, sr, 0.004) * note.velocity)
    return out


def pad(chords: Sequence[ChordHit], n: int, sr: int, rng: np.random.Generator, *,
        brightness: float) -> np.ndarray:
    """Slow detuned-saw pad, chorused wide in stereo (different detune per channel), low-passed by
    brightness. Returns ``(2, n)``."""
    out = np.zeros((2, n), dtype=np.float32)
    cents = float(rng.uniform(5.0, 11.0))
    for ch in chords:
        tail = int(min(0.6, 0.4 * ch.length / sr) * sr)
        length = ch.length + tail
        env = _env(ch.length, tail, sr, min(0.5, 0.3 * ch.length / sr)) * ch.velocity
        for side, sign in ((0, 1.0), (1, -1.0)):
            x = np.zeros(length, dtype=np.float32)
            for midi in ch.midis:
                f = float(dsp.midi_to_hz(midi + sign * cents / 100.0))
                x += dsp.saw(dsp.phase_constant(f, length, sr, float(rng.uniform(0, 1))), f / sr)
            dsp.add_at(out[side], ch.start, x * env / len(ch.midis))
    return dsp.lowpass(out, 400.0 + 3600.0 * brightness, sr, order=2)


def _pluck_wave(midi: float, sr: int, brightness: float, seconds: float) -> np.ndarray:
    # Additive pluck: harmonic k decays faster than k-1 and starts weaker when the tone is dark.
    f = float(dsp.midi_to_hz(midi))
    length = int(seconds * sr)
    t = np.arange(length, dtype=np.float32) / np.float32(sr)
    x = np.zeros(length, dtype=np.float32)
    for k in range(1, 9):
        if k * f > 0.45 * sr:
            break
        amp = np.exp(-(k - 1) * (1.3 - brightness)) / k
        x += amp * np.sin(np.float32(dsp.TWO_PI * k * f) * t) * np.exp(-t * (3.0 + 2.5 * k))
    x *= dsp.gate(length, sr, 0.002, 0.05)
    return x / (float(np.max(np.abs(x))) or 1.0)


def pluck(notes: Sequence[Note], n: int, sr: int, *, brightness: float, spread: float = 0.5) -> np.ndarray:
    """Plucked arpeggio notes, alternating left and right by ``spread``. Returns ``(2, n)``."""
    out = np.zeros((2, n), dtype=np.float32)
    cache: dict[float, np.ndarray] = {}
    for i, note in enumerate(notes):
        if note.midi not in cache:
            cache[note.midi] = _pluck_wave(note.midi, sr, brightness, 0.9)
        left, right = dsp.pan_gains(spread if i % 2 else -spread)
        x = cache[note.midi] * note.velocity
        dsp.add_at(out, note.start, np.stack([x * left, x * right]))
    return out


def _epiano_wave(midi: float, sr: int, brightness: float, seconds: float) -> np.ndarray:
    # Two-operator FM electric piano: the modulation index decays, so the attack is brighter.
    f = float(dsp.midi_to_hz(midi))
    length = int(seconds * sr)
    t = np.arange(length, dtype=np.float32) / np.float32(sr)
    index = (0.8 + 2.2 * brightness) * np.exp(-t / 0.25)
    w = np.float32(dsp.TWO_PI * f) * t
    x = np.sin(w + index * np.sin(w)) * np.exp(-t / 1.4)
    x += 0.25 * np.sin(np.float32(dsp.TWO_PI * 4.0 * f) * t) * np.exp(-t / 0.05)
    x *= dsp.gate(length, sr, 0.002, 0.05)
    return x.astype(np.float32)


def keys(chords: Sequence[ChordHit], n: int, sr: int, *, brightness: float) -> np.ndarray:
    """Electric-piano chord comping; each chord is held for its length then released."""
    out = np.zeros(n, dtype=np.float32)
    cache: dict[int, np.ndarray] = {}
    tail = int(0.12 * sr)
    for ch in chords:
        x = np.zeros(ch.length + tail, dtype=np.float32)
        for midi in ch.midis:
            if midi not in cache:
                cache[midi] = _epiano_wave(midi, sr, brightness, 2.5)
            wave = cache[midi][:len(x)]
            x[:len(wave)] += wave
        x *= dsp.gate(len(x), sr, 0.001, tail / sr, hold=ch.length) * (ch.velocity / len(ch.midis))
        dsp.add_at(out, ch.start, x)
    return out


def stab(chords: Sequence[ChordHit], n: int, sr: int, *, brightness: float, distortion: float) -> np.ndarray:
    """Short saw chord stabs with a closing filter (bright attack fading into a dark body)."""
    out = np.zeros(n, dtype=np.float32)
    cache: dict[tuple[int, ...], np.ndarray] = {}
    for ch in chords:
        if ch.midis not in cache:
            length = int(0.5 * sr)
            x = np.zeros(length, dtype=np.float32)
            for midi in ch.midis:
                f = float(dsp.midi_to_hz(midi))
                x += dsp.saw(dsp.phase_constant(f, length, sr), f / sr)
            x = dsp.saturate(x / len(ch.midis), 1.0 + 3.0 * distortion)
            t = np.arange(length, dtype=np.float32) / np.float32(sr)
            hi = dsp.lowpass(x, 1200.0 + 5000.0 * brightness, sr) * np.exp(-t / 0.04)
            lo = dsp.lowpass(x, 500.0 + 800.0 * brightness, sr) * np.exp(-t / 0.15)
            cache[ch.midis] = (hi + lo) * dsp.gate(length, sr, 0.002, 0.1)
        wave = cache[ch.midis]
        length = min(len(wave), ch.length + int(0.05 * sr))
        x = wave[:length] * ch.velocity
        x[-int(0.01 * sr):] *= np.linspace(1.0, 0.0, int(0.01 * sr), dtype=np.float32)
        dsp.add_at(out, ch.start, x)
    return out


def lead(notes: Sequence[Note], n: int, sr: int, *, brightness: float) -> np.ndarray:
    """Monophonic square/saw lead with delayed vibrato."""
    out = np.zeros(n, dtype=np.float32)
    tail = int(0.08 * sr)
    for note in notes:
        length = note.length + tail
        t = np.arange(length, dtype=np.float64) / sr
        vib = 0.2 * np.clip((t - 0.15) / 0.2, 0.0, 1.0) * np.sin(dsp.TWO_PI * 5.5 * t)
        freq = dsp.midi_to_hz(note.midi + vib)
        ph = dsp.phase_track(freq, sr)
        x = 0.6 * dsp.square(ph, freq / sr, 0.35) + 0.4 * dsp.saw(ph, freq / sr)
        x = dsp.lowpass(x, 900.0 + 4000.0 * brightness, sr)
        dsp.add_at(out, note.start, x * _env(note.length, tail, sr, 0.01) * note.velocity)
    return out


def vocal(notes: Sequence[Note], n: int, sr: int, rng: np.random.Generator, *, brightness: float) -> np.ndarray:
    """Vocal-like tones: a glottal-pulse-like source (tilted saw plus breath noise) with a pitch scoop
    and vibrato, through the four formant resonances of the vowel ``VOWEL_NAMES[int(note.rate)]``."""
    out = np.zeros(n, dtype=np.float32)
    tail = int(0.1 * sr)
    depth = float(rng.uniform(0.2, 0.45))
    for note in notes:
        length = note.length + tail
        t = np.arange(length, dtype=np.float64) / sr
        bend = -0.8 * np.exp(-t / 0.04) + depth * np.clip((t - 0.18) / 0.25, 0, 1) * np.sin(
            dsp.TWO_PI * 5.6 * t + rng.uniform(0, dsp.TWO_PI))
        freq = dsp.midi_to_hz(note.midi + bend)
        src = dsp.saw(dsp.phase_track(freq, sr, float(rng.uniform(0, 1))), freq / sr)
        src = dsp.lowpass(src, 1800.0 + 2000.0 * brightness, sr, order=1)
        src += 0.04 * rng.standard_normal(length).astype(np.float32)
        y = np.zeros(length, dtype=np.float32)
        for centre, bandwidth, level in VOWELS[VOWEL_NAMES[int(note.rate) % len(VOWEL_NAMES)]]:
            if centre < 0.45 * sr:
                y += dsp.db_to_gain(level) * dsp.resonator(src, centre, bandwidth, sr)
        dsp.add_at(out, note.start, y * _env(note.length, tail, sr, 0.04) * note.velocity)
    return out


def riser(start: int, length: int, n: int, sr: int, rng: np.random.Generator, *,
          low: float = 250.0, high: float = 9000.0) -> np.ndarray:
    """Noise sweep: a band of noise rising from ``low`` to ``high`` Hz while swelling, shaped in the
    short-time Fourier domain. Returns ``(2, n)``; it fades in from silence, so it adds no onset."""
    out = np.zeros((2, n), dtype=np.float32)
    nfft, hop = 1024, 512
    frames = length // hop + 2
    freqs = np.fft.rfftfreq(nfft, 1.0 / sr)
    progress = np.linspace(0.0, 1.0, frames)[:, None]
    centre = low * (high / low) ** (progress ** 1.5)
    octaves = np.log2(np.maximum(freqs[None, :], 1.0) / centre)
    mask = np.exp(-0.5 * (octaves / 0.7) ** 2) * (progress ** 2 + 0.02)
    window = np.hanning(nfft + 1)[:nfft].astype(np.float32)
    for side in range(2):
        spec = (rng.standard_normal((frames, len(freqs))) + 1j * rng.standard_normal((frames, len(freqs)))) * mask
        grains = (np.fft.irfft(spec, nfft, axis=1) * window).astype(np.float32)
        y = np.zeros((frames + 1) * hop, dtype=np.float32)
        y[:frames * hop] += grains[:, :hop].reshape(-1)
        y[hop:] += grains[:, hop:].reshape(-1)
        y = y[hop:hop + length]
        y *= dsp.gate(len(y), sr, 0.05, 0.01)
        dsp.add_at(out[side], start, y / (float(np.max(np.abs(y))) or 1.0))
    return out
