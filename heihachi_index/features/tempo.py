"""Tempo, pulse clarity and beat times for electronic music, octave-correct for drum & bass.

Periodicity comes from a Fourier tempogram of the whole onset envelope (strict electronic tempos give
sharp lines). The metrical level is then chosen among the octave-related candidates by how well each
explains the fast percussive layer (hi-hats, breaks) and the backbeat, rather than by a prior centred
on 120 BPM, which is what makes generic trackers report 87 for 174 BPM drum & bass.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import librosa
import numpy as np

_PAD = 1 << 17
# Tempi are folded into [FOLD_HIGH / 2, FOLD_HIGH) before the octave decision.
FOLD_HIGH = 115.0
# Decision threshold on the fast-level evidence (log ratios); chosen on the generator corpus,
# where slow tracks score below 0.2 and fast ones above 0.5.
FAST_THRESHOLD = 0.35


@dataclass(frozen=True)
class TempoEstimate:
    bpm: float
    confidence: float  # pulse clarity in [0, 1]
    beats: np.ndarray = field(repr=False)  # beat times, seconds
    candidates: tuple[tuple[float, float], ...] = ()  # (bpm, salience) considered, best first


def _spectrum(env: np.ndarray) -> np.ndarray:
    x = env.astype(np.float64) - env.mean()
    x *= np.hanning(x.size)
    return np.abs(np.fft.rfft(x, n=max(_PAD, 1 << int(np.ceil(np.log2(x.size * 4))))))


def _at(spec: np.ndarray, bpm: np.ndarray | float, frame_rate: float) -> np.ndarray:
    n = 2 * (spec.size - 1)
    pos = np.asarray(bpm) / 60.0 / frame_rate * n
    return np.interp(pos, np.arange(spec.size), spec, right=0.0)


def _refine(spec: np.ndarray, bpm: float, frame_rate: float) -> float:
    grid = np.linspace(bpm * 0.985, bpm * 1.015, 121)
    return float(grid[np.argmax(_at(spec, grid, frame_rate))])


def fast_level_evidence(spec: np.ndarray, spec_high: np.ndarray, slow: float, frame_rate: float,
                        percussiveness: float = 1.0) -> float:
    """Evidence (> 0) that the beat is at ``2 * slow`` rather than ``slow``.

    A beat at 2*slow puts its 8th notes at 4*slow: the full-band line at 4*slow is then strong next to
    the one at 2*slow, and the high band (hats, breaks) pulses at 8*slow rather than 2*slow. The
    high-band term counts in proportion to ``percussiveness`` (0-1): without drums it is noise.
    """
    eps = 1e-9
    full = _at(spec, [2 * slow, 4 * slow], frame_rate)
    high = _at(spec_high, [2 * slow, 8 * slow], frame_rate)
    score = np.log((full[1] + eps) / (full[0] + eps)) + percussiveness * np.log((high[1] + eps) / (high[0] + eps))
    return float(score - FAST_THRESHOLD)


def pulse_clarity(env: np.ndarray, period_frames: float) -> float:
    """Normalised autocorrelation of the onset envelope at the beat period, in [0, 1]."""
    x = env.astype(np.float64) - env.mean()
    denom = float(np.dot(x, x))
    if denom <= 0 or period_frames < 1 or period_frames >= x.size - 1:
        return 0.0
    lag = int(np.floor(period_frames))
    frac = period_frames - lag
    ac_lo = float(np.dot(x[:-lag], x[lag:])) / denom
    ac_hi = float(np.dot(x[: -(lag + 1)], x[lag + 1 :])) / denom
    return float(np.clip((1 - frac) * ac_lo + frac * ac_hi, 0.0, 1.0))


def estimate_tempo(
    env: np.ndarray,
    sr: int,
    hop_length: int,
    *,
    high_env: np.ndarray | None = None,
    tempo_min: float = 60.0,
    tempo_max: float = 200.0,
) -> TempoEstimate:
    """Estimate the tempo and beats from onset envelopes.

    Parameters
    ----------
    env : np.ndarray
        Full-band onset strength, shape (frames,).
    sr, hop_length : int
        Frame rate is ``sr / hop_length``.
    high_env : np.ndarray, optional
        Onset strength of the high band (hi-hats, breaks), used to pick the metrical level.
    tempo_min, tempo_max : float
        Range the reported tempo lies in.
    """
    frame_rate = sr / hop_length
    if env.size < 8 or not np.any(env > 0):
        return TempoEstimate(bpm=0.0, confidence=0.0, beats=np.zeros(0))
    spec = _spectrum(env)
    spec_high = _spectrum(high_env) if high_env is not None and np.any(high_env > 0) else spec
    grid = np.arange(tempo_min, tempo_max, 0.05)
    # Salience of a beat period: its own line plus its duple subdivisions.
    sal = _at(spec, grid, frame_rate) + 0.5 * _at(spec, 2 * grid, frame_rate) + 0.25 * _at(spec, 4 * grid, frame_rate)
    best = float(grid[np.argmax(sal)])
    # Fold to the slower octave, then ask whether the fast layer supports the doubled tempo.
    slow = best
    while slow >= FOLD_HIGH:
        slow /= 2
    while slow < FOLD_HIGH / 2:
        slow *= 2
    fast = 2 * slow
    # Drum tracks have as much high-band onset strength as full-band; pads and arps a fraction of it.
    high_share = float(high_env.mean() / env.mean()) if high_env is not None and env.mean() > 0 else 0.0
    evidence = fast_level_evidence(spec, spec_high, slow, frame_rate, float(np.clip(2.0 * high_share, 0.0, 1.0)))
    scored = [(fast, evidence), (slow, -evidence)]
    scored = [c for c in scored if tempo_min <= c[0] <= tempo_max] or [(best, 0.0)]
    scored.sort(key=lambda item: -item[1])
    bpm = _refine(spec, scored[0][0], frame_rate)
    confidence = pulse_clarity(env, 60.0 / bpm * frame_rate)
    _, beats = librosa.beat.beat_track(onset_envelope=env, sr=sr, hop_length=hop_length, bpm=bpm,
                                       units="time", trim=False)
    return TempoEstimate(bpm=bpm, confidence=confidence, beats=np.asarray(beats, dtype=np.float64),
                         candidates=tuple(scored))
