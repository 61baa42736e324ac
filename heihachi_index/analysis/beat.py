"""Beat grid of electronic music: tempo, beats, downbeats, bars and a tempo curve.

1. The global tempo and its metrical level come from :func:`heihachi_index.features.tempo.estimate_tempo`
   (octave-correct for 160-180 BPM drum & bass and for half-time styles); a Viterbi path through
   windowed tempo spectra around it gives the tempo curve (drifting tracks, DJ mixes).
2. The 8th-note pulse: an accent envelope (kick, snare and hi-hat bands) is demodulated at twice the
   local beat rate; its phase, chosen per pulse by a Viterbi path that pays for drift and more for
   jumps, places the pulses and carries them through breakdowns.
3. Which pulses are beats and which beat is 1: an 8-state Viterbi pass over the pulses (position in
   the bar) whose evidence is, with drum hits, the kick on 1, the snare or clap on 2/4 (or 3) and
   crashes; from audio alone, the beat-rate phase of the kick and snare bands, kick-minus-snare
   onsets and the harmonic/timbral change at bar lines.
4. The beats are pinned to the hits (or onset peaks) on their 8th-note points by a robust local fit,
   which gives millisecond precision for microtiming and swing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import scipy.signal
import soxr

from heihachi_index.analysis.types import DrumHit
from heihachi_index.features import onset as onset_mod
from heihachi_index.features.spectral import mel_filterbank
from heihachi_index.features.spectrogram import stft
from heihachi_index.features.tempo import estimate_tempo

SAMPLE_RATE = 22050
N_FFT = 1024
HOP_LENGTH = 256
N_MELS = 64
METER = 4
MIN_SECONDS = 2.0
# Delay of the spectral-flux peak behind the true onset with these STFT settings, in seconds; measured
# on the generator corpus against the exact beat times (the "median offset" column of
# benchmarks/eval_beats.py is the residual).
ONSET_LAG = 0.018
# Band edges (Hz) of the kick, snare and hi-hat envelopes. Hats mark 8th notes well but blur the beat
# phase (off-beat open hats, swung 16ths), so the beat-rate phase uses the kick and snare bands only.
KICK_BAND = (20.0, 200.0)
SNARE_BAND = (200.0, 5000.0)
HIGH_BAND = (5000.0, SAMPLE_RATE / 2)
# Tempo search around the global tempo for the tempo curve (DJ mixes, drifting live tracks).
CURVE_RANGE = 0.12
# Viterbi penalty (in summed z-score units) for a downbeat phase jump.
PHASE_JUMP_PENALTY = 40.0


class BeatTrackingError(ValueError):
    """A signal the beat tracker cannot describe (empty, non-finite, too short, silent)."""


@dataclass
class BeatGrid:
    """Tempo, beats, downbeats and bars of a track; times in seconds.

    ``beat_confidence`` and ``downbeat_confidence`` are track-level scores in [0, 1]: how concentrated
    the accents are on the 8th-note grid, and how clearly one bar phase beats the other three.
    ``tempo_curve`` is (m, 2): bar start time and local tempo (BPM) over that bar's neighbourhood.
    """

    tempo: float
    tempo_confidence: float
    beats: np.ndarray
    beat_confidence: float
    downbeats: np.ndarray
    downbeat_confidence: float
    bars: np.ndarray
    tempo_curve: np.ndarray
    meter: int = METER
    beat_positions: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int), repr=False)
    duration: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict (times rounded to 0.1 ms)."""

        def r(x: np.ndarray) -> list:
            return np.round(np.asarray(x, dtype=np.float64), 4).tolist()

        return {
            "tempo": round(float(self.tempo), 3),
            "tempo_confidence": round(float(self.tempo_confidence), 4),
            "meter": int(self.meter),
            "beats": r(self.beats),
            "beat_confidence": round(float(self.beat_confidence), 4),
            "downbeats": r(self.downbeats),
            "downbeat_confidence": round(float(self.downbeat_confidence), 4),
            "beat_positions": np.asarray(self.beat_positions, dtype=int).tolist(),
            "bars": r(self.bars),
            "tempo_curve": r(self.tempo_curve),
            "duration": round(float(self.duration), 4),
        }

    def time_at(self, position: np.ndarray | float) -> np.ndarray:
        """Time of a (fractional) beat index, linear between beats and extrapolated at the ends."""
        return _beat_time(self.beats, np.asarray(position, dtype=np.float64))

    def position_at(self, times: np.ndarray | float) -> np.ndarray:
        """Fractional beat index of times (inverse of :meth:`time_at`)."""
        return _beat_position(self.beats, np.asarray(times, dtype=np.float64))


# ---------------------------------------------------------------------------------------------------
# Grid helpers (beat index <-> time), shared with the pattern analysis.

def _beat_time(beats: np.ndarray, pos: np.ndarray) -> np.ndarray:
    n = beats.size
    if n < 2:
        raise BeatTrackingError("a beat grid needs at least two beats")
    k = np.clip(np.floor(pos).astype(np.int64), 0, n - 2)
    return beats[k] + (pos - k) * (beats[k + 1] - beats[k])


def _beat_position(beats: np.ndarray, t: np.ndarray) -> np.ndarray:
    n = beats.size
    if n < 2:
        raise BeatTrackingError("a beat grid needs at least two beats")
    k = np.clip(np.searchsorted(beats, t, side="right") - 1, 0, n - 2)
    return k + (t - beats[k]) / (beats[k + 1] - beats[k])


# ---------------------------------------------------------------------------------------------------
# Envelopes.

@dataclass(frozen=True)
class _Envelopes:
    full: np.ndarray
    kick: np.ndarray
    snare: np.ndarray
    high: np.ndarray
    mel_db: np.ndarray  # (frames, mels), for the bar-line novelty
    frame_rate: float


def _check(y: np.ndarray, sr: int) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1:
        raise BeatTrackingError(f"expected a mono signal, got shape {y.shape}")
    if sr <= 0:
        raise BeatTrackingError(f"sample rate must be positive, got {sr}")
    if y.size == 0:
        raise BeatTrackingError("signal is empty")
    if not np.all(np.isfinite(y)):
        raise BeatTrackingError("signal contains NaN or infinite samples")
    if y.size < MIN_SECONDS * sr:
        raise BeatTrackingError(f"signal too short for a beat grid: {y.size / sr:.2f} s < {MIN_SECONDS} s")
    y = y.astype(np.float32, copy=False)
    if not np.any(np.abs(y) > 1e-6):
        raise BeatTrackingError("signal is silent: no onsets to track")
    return y


def envelopes(y: np.ndarray, sr: int) -> _Envelopes:
    """Onset-strength envelopes (full band, kick, snare and hi-hat bands) at ``SAMPLE_RATE / HOP_LENGTH``."""
    if sr != SAMPLE_RATE:
        y = soxr.resample(y, sr, SAMPLE_RATE, quality="MQ").astype(np.float32, copy=False)
    P = np.abs(stft(y, N_FFT, HOP_LENGTH)) ** 2
    mel = P @ mel_filterbank(SAMPLE_RATE, N_FFT, N_MELS)
    mel_db = 10.0 * np.log10(np.maximum(mel, 1e-10))
    mel_db = np.maximum(mel_db, mel_db.max() - 80.0)
    freqs = _mel_centres()
    center = N_FFT // (2 * HOP_LENGTH)

    def band(lo: float, hi: float) -> np.ndarray:
        return onset_mod.band_onset_strength(mel_db, freqs, lo, hi, center)

    return _Envelopes(full=onset_mod.onset_strength(mel_db, center), kick=band(*KICK_BAND),
                      snare=band(*SNARE_BAND), high=band(*HIGH_BAND), mel_db=mel_db,
                      frame_rate=SAMPLE_RATE / HOP_LENGTH)


def _mel_centres() -> np.ndarray:
    fb = mel_filterbank(SAMPLE_RATE, N_FFT, N_MELS)
    freqs = np.fft.rfftfreq(N_FFT, 1.0 / SAMPLE_RATE)
    return freqs[np.argmax(fb, axis=0)]


def _normalise(env: np.ndarray) -> np.ndarray:
    scale = float(np.percentile(env, 99)) if env.size else 0.0
    return env / scale if scale > 0 else env


def _accent(env: _Envelopes) -> np.ndarray:
    """The envelope that steers the 8th-note phase: kick, snare and (less) hi-hat bands, each scaled to
    its loud hits."""
    return _normalise(env.kick) + _normalise(env.snare) + 0.5 * _normalise(env.high)


# ---------------------------------------------------------------------------------------------------
# Tempo curve and beat phase.

def _local_tempo(acc: np.ndarray, frame_rate: float, bpm: float, tempo_min: float, tempo_max: float,
                 window_s: float = 12.0, hop_s: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Tempo (BPM) per frame near ``bpm``.

    Windowed spectra of the accent envelope give a salience per candidate tempo (beat, 8th and 16th
    lines); a Viterbi path through them, which pays for every BPM of change and more for a jump, is the
    curve. Windows without accents (breakdowns) are flat and so keep the tempo of their neighbours.
    """
    n = acc.size
    win = int(round(window_s * frame_rate))
    if n < 2 * win:
        return np.full(n, bpm), np.array([bpm])
    hop = int(round(hop_s * frame_rate))
    starts = np.arange(0, n - win + 1, hop)
    idx = starts[:, None] + np.arange(win)[None, :]
    x = acc[idx] - acc[idx].mean(axis=1, keepdims=True)
    x *= np.hanning(win)[None, :]
    nfft = 1 << int(np.ceil(np.log2(win * 4)))
    spec = np.abs(np.fft.rfft(x, n=nfft, axis=1))
    lo = max(tempo_min, bpm / (1 + CURVE_RANGE))
    hi = min(tempo_max, bpm * (1 + CURVE_RANGE))
    step = 0.1
    grid = np.arange(lo, hi + 1e-9, step)

    def at(b: np.ndarray) -> np.ndarray:
        pos = b / 60.0 / frame_rate * nfft
        i0 = np.clip(np.floor(pos).astype(int), 0, spec.shape[1] - 2)
        frac = pos - i0
        return spec[:, i0] * (1 - frac) + spec[:, i0 + 1] * frac

    sal = at(grid) + at(2 * grid) + at(4 * grid)
    sal /= max(float(sal.max()), 1e-12)
    # Emission: salience relative to the loudest window, so quiet windows hardly steer the path.
    emis = 20.0 * sal
    cost_per_bpm = 5.0  # gradual change, per window
    reach = int(round(1.0 / step))  # at most 1 BPM of gradual change per window
    jump = 10.0
    delta = emis[0].copy()
    back = np.zeros(sal.shape, dtype=np.int64)
    ar = np.arange(grid.size)
    for w in range(1, sal.shape[0]):
        best = delta.copy()
        arg = ar.copy()
        for d in range(1, reach + 1):
            cost = d * step * cost_per_bpm
            for shifted, src in ((np.concatenate([np.full(d, -np.inf), delta[:-d]]), ar - d),
                                 (np.concatenate([delta[d:], np.full(d, -np.inf)]), ar + d)):
                better = shifted - cost > best
                best = np.where(better, shifted - cost, best)
                arg = np.where(better, src, arg)
        j = int(np.argmax(delta))
        jumped = delta[j] - jump > best
        best = np.where(jumped, delta[j] - jump, best)
        arg = np.where(jumped, j, arg)
        back[w] = arg
        delta = best + emis[w]
    path = np.zeros(sal.shape[0], dtype=np.int64)
    path[-1] = int(np.argmax(delta))
    for w in range(sal.shape[0] - 1, 0, -1):
        path[w - 1] = back[w, path[w]]
    local = grid[path]
    centres = starts + win / 2
    curve = np.interp(np.arange(n), centres, local)
    return curve, local


def _phase(acc: np.ndarray, curve_bpm: np.ndarray, frame_rate: float, harmonic: int = 2, n_states: int = 48,
           drift_cost: float = 0.5, jump_cost: float = 12.0) -> np.ndarray:
    """Unwrapped pulse phase (radians) per frame at ``harmonic`` times the beat rate (2: 8th notes);
    the pulses lie where it crosses multiples of 2*pi.

    The accent envelope is demodulated at the pulse frequency and smoothed over four beats; at every
    pulse the phase offset is one of ``n_states`` values, chosen by a Viterbi path that follows
    the demodulated signal, pays ``drift_cost`` per state of gradual change and ``jump_cost`` for a
    jump (a new track in a mix). A stretch whose accents sit off the beat (a breakdown with syncopated
    chords) therefore has to outweigh a jump before it moves the grid.
    """
    theta = 2 * np.pi * harmonic * np.cumsum(curve_bpm / 60.0 / frame_rate)
    z = (acc - acc.mean()) * np.exp(-1j * theta)
    beat_period = 60.0 / float(np.median(curve_bpm)) * frame_rate
    win = np.hanning(max(3, int(4 * beat_period)))
    zs = scipy.signal.fftconvolve(z, win / win.sum(), mode="same")
    # One observation per pulse.
    cycles = theta / (2 * np.pi)
    obs = np.searchsorted(cycles, np.arange(np.ceil(cycles[0]), cycles[-1]))
    obs = obs[obs < acc.size]
    if obs.size < 2:
        return theta + np.angle(zs.sum())
    zo = zs[obs]
    scale = float(np.percentile(np.abs(zo), 90)) or 1.0
    phis = 2 * np.pi * np.arange(n_states) / n_states
    emis = np.real(zo[:, None] / scale * np.exp(-1j * phis)[None, :])
    emis = np.clip(emis, -1.5, 1.5)
    delta = emis[0].copy()
    back = np.zeros(emis.shape, dtype=np.int16)
    ar = np.arange(n_states)
    for i in range(1, emis.shape[0]):
        best, arg = delta.copy(), ar.copy()
        for d in (1, -1):
            shifted = np.roll(delta, d) - drift_cost * abs(d)
            better = shifted > best
            best = np.where(better, shifted, best)
            arg = np.where(better, (ar - d) % n_states, arg)
        j = int(np.argmax(delta))
        jumped = delta[j] - jump_cost > best
        best = np.where(jumped, delta[j] - jump_cost, best)
        arg = np.where(jumped, j, arg)
        back[i] = arg
        delta = best + emis[i]
    path = np.zeros(emis.shape[0], dtype=np.int64)
    path[-1] = int(np.argmax(delta))
    for i in range(emis.shape[0] - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    # Fine offset: the demodulated signal's own angle, where it agrees with the path within a state.
    offset = np.unwrap(phis[path])
    fine = np.angle(zo * np.exp(-1j * offset))
    offset = offset + np.where(np.abs(fine) < 2 * np.pi / n_states, fine, 0.0)
    return theta + np.interp(np.arange(acc.size), obs, offset)


def _beats_from_phase(psi: np.ndarray, frame_rate: float) -> np.ndarray:
    psi = np.maximum.accumulate(psi)
    t = np.arange(psi.size) / frame_rate
    cycles = psi / (2 * np.pi)
    k = np.arange(np.ceil(cycles[0]), np.floor(cycles[-1]) + 1)
    beats = np.interp(k, cycles, t)
    # A beat just before the first frame (the track starts on the beat) is extrapolated back.
    slope = (cycles[min(psi.size - 1, 10)] - cycles[0]) / (min(psi.size - 1, 10) / frame_rate)
    first = t[0] - (cycles[0] - np.floor(cycles[0])) / slope if slope > 0 else -np.inf
    if first > -0.15 * (1.0 / slope if slope > 0 else np.inf):
        beats = np.concatenate([[max(0.0, first)], beats])
    return np.unique(beats)


# ---------------------------------------------------------------------------------------------------
# Refinement on events.

def _peaks(env: np.ndarray, frame_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Onset peaks with parabolic sub-frame interpolation: times (s) and strengths."""
    e = env.astype(np.float64)
    if e.size < 3:
        return np.zeros(0), np.zeros(0)
    thr = 0.1 * float(np.percentile(e, 99.5))
    i = np.flatnonzero((e[1:-1] > e[:-2]) & (e[1:-1] >= e[2:]) & (e[1:-1] > thr)) + 1
    a, b, c = e[i - 1], e[i], e[i + 1]
    denom = a - 2 * b + c
    off = np.where(np.abs(denom) > 1e-12, 0.5 * (a - c) / np.where(denom == 0, 1, denom), 0.0)
    return (i + np.clip(off, -0.5, 0.5)) / frame_rate - ONSET_LAG, b


def _banded(k: np.ndarray, h: np.ndarray, reach: float, block: int = 256):
    """Blocks of beats with the slice of sorted event positions ``h`` within ``reach`` beats of them."""
    lo = np.searchsorted(h, k - reach)
    hi = np.searchsorted(h, k + reach)
    for start in range(0, k.size, block):
        stop = min(start + block, k.size)
        yield start, stop, int(lo[start]), int(hi[stop - 1])


def _mode_offsets(beats: np.ndarray, times: np.ndarray, weights: np.ndarray, span: float = 8.0,
                  kappa: float = 4.0) -> np.ndarray:
    """Per beat, the shift (in beats, within a quarter beat) that best lines the nearby events up with
    the 8th-note points: the mode of a von Mises comb, so off-grid events (odd 16ths, swing, flams)
    do not drag it as they would a mean."""
    pos = _beat_position(beats, times)
    order = np.argsort(pos)
    pos, w = pos[order], weights[order]
    deltas = np.linspace(-0.25, 0.25, 101)[:-1]
    # Events' alignment with the shifted comb: (events, shifts).
    k = np.arange(beats.size, dtype=np.float64)
    out = np.zeros(beats.size)
    for start, stop, j0, j1 in _banded(k, pos, 3 * span):
        if j1 <= j0:
            continue
        comb = np.exp(kappa * (np.cos(4 * np.pi * (pos[j0:j1, None] - deltas[None, :])) - 1.0))
        g = np.exp(-0.5 * ((pos[None, j0:j1] - k[start:stop, None]) / span) ** 2) * w[None, j0:j1]
        score = g @ comb  # (beats, shifts)
        best = np.argmax(score, axis=1)
        # Parabolic interpolation on the circular shift grid.
        n = deltas.size
        a, b, c = score[np.arange(stop - start), (best - 1) % n], score[np.arange(stop - start), best], \
            score[np.arange(stop - start), (best + 1) % n]
        den = a - 2 * b + c
        frac = np.where(np.abs(den) > 1e-12, 0.5 * (a - c) / np.where(den == 0, 1, den), 0.0)
        out[start:stop] = deltas[best] + np.clip(frac, -0.5, 0.5) * (deltas[1] - deltas[0])
    return out


def _refine(beats: np.ndarray, times: np.ndarray, weights: np.ndarray, span: float = 8.0,
            iterations: int = 2) -> np.ndarray:
    """Move the beats so that the events near 8th-note points land on them.

    First a robust shift per beat (:func:`_mode_offsets`), then a Gaussian-weighted local linear fit
    over ``span`` beats of the residuals of the events within 0.06 beat of an 8th point (events off
    by more than 15 ms from the median are dropped). Beats without events nearby keep their place.
    """
    if times.size < 4 or beats.size < 4:
        return beats
    b = _beat_time(beats, np.arange(beats.size) + _mode_offsets(beats, times, weights, span))
    b = np.maximum.accumulate(b)
    for _ in range(iterations):
        pos = _beat_position(b, times)
        half = np.round(2 * pos) / 2
        keep = (np.abs(pos - half) < 0.06) & (half >= -0.5) & (half <= b.size - 0.5)
        if keep.sum() < 4:
            return b
        h, w = half[keep], weights[keep]
        resid = times[keep] - _beat_time(b, h)
        ok = np.abs(resid - np.median(resid)) < 0.015
        h, w, resid = h[ok], w[ok], resid[ok]
        if h.size < 4:
            return b
        order = np.argsort(h)
        h, w, resid = h[order], w[order], resid[order]
        k = np.arange(b.size, dtype=np.float64)
        corr = np.zeros(b.size)
        for start, stop, j0, j1 in _banded(k, h, 3 * span):
            if j1 <= j0:
                continue
            d = h[None, j0:j1] - k[start:stop, None]
            g = np.exp(-0.5 * (d / span) ** 2) * w[None, j0:j1]
            s0, s1, s2 = g.sum(axis=1), (g * d).sum(axis=1), (g * d * d).sum(axis=1)
            r = resid[None, j0:j1]
            r0, r1 = (g * r).sum(axis=1), (g * d * r).sum(axis=1)
            det = s0 * s2 - s1 * s1
            # Local linear fit at d = 0; a local mean where the events sit on one side only.
            ok_det = det > 1e-6 * np.maximum(s0 * s2, 1e-12)
            lin = np.where(ok_det, (s2 * r0 - s1 * r1) / np.where(ok_det, det, 1.0), r0 / np.maximum(s0, 1e-12))
            corr[start:stop] = np.where(s0 > 1e-6, lin, 0.0)
        b = np.maximum.accumulate(b + corr)
    return b


# ---------------------------------------------------------------------------------------------------
# Bar positions of the 8th-note pulses: which pulses are beats, and which beats are downbeats.

PULSES_PER_BEAT = 2
PULSES_PER_BAR = METER * PULSES_PER_BEAT


def _template(values: Sequence[float]) -> np.ndarray:
    t = np.asarray(values, dtype=np.float64)
    return t - t.mean()


# Expected accent of each 8th position of a 4/4 bar (0 = downbeat, even = beats), for the styles at
# hand: the kick always on 1 and often on every beat, off-beat kicks rarer; the snare (or clap) on 2
# and 4, or on 3 in half-time, hardly ever on 1 or off the beat; crashes and harmonic change on 1.
KICK_TEMPLATE = _template([1.0, 0.0, 0.2, 0.0, 0.2, 0.0, 0.2, 0.0])
SNARE_TEMPLATE = _template([-0.6, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
DOWNBEAT_TEMPLATE = _template([1.0, 0, 0, 0, 0, 0, 0, 0])
PARITY_TEMPLATE = _template([1.0, 0, 1.0, 0, 1.0, 0, 1.0, 0])


def _zscore(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    return (x - x.mean()) / sd if sd > 1e-12 else np.zeros_like(x)


def _hit_score(x: np.ndarray) -> np.ndarray:
    """Hit strengths at the points, centred and in units of a typical hit.

    Not a z-score: an instrument that plays only in a few fills (a techno snare roll) would get a tiny
    standard deviation, so each of its hits would outweigh several bars of steady kicks and pull the grid
    off the beat."""
    on = x[x > 0]
    if on.size == 0:
        return np.zeros_like(x)
    return (x - x.mean()) / max(float(np.median(on)), 1e-12)


def _at_points(env: np.ndarray, points: np.ndarray, frame_rate: float, width: int = 2) -> np.ndarray:
    """Maximum of an envelope within ``width`` frames of each point."""
    f = np.round((points + ONSET_LAG) * frame_rate).astype(int)
    idx = np.clip(f[:, None] + np.arange(-width, width + 1)[None, :], 0, env.size - 1)
    return env[idx].max(axis=1)


def _bar_novelty(mel_db: np.ndarray, points: np.ndarray, frame_rate: float, span: int = PULSES_PER_BAR) -> np.ndarray:
    """Change of the pulse-synchronous spectrum across each point: the ``span`` pulses (one bar) after
    against the ``span`` before. Drum patterns repeating every bar cancel; chord and section changes at
    bar lines do not."""
    n = points.size
    nov = np.zeros(n)
    if n < 2 * span + 1:
        return nov
    f = np.clip(np.round(points * frame_rate).astype(int), 0, mel_db.shape[0] - 1)
    ends = np.append(f[1:], min(mel_db.shape[0], f[-1] + max(1, int(np.median(np.diff(f))))))
    cs = np.vstack([np.zeros((1, mel_db.shape[1])), np.cumsum(mel_db, axis=0, dtype=np.float64)])
    sync = (cs[ends] - cs[f]) / np.maximum(ends - f, 1)[:, None]  # (points, mels): mean per pulse
    c = np.vstack([np.zeros((1, sync.shape[1])), np.cumsum(sync, axis=0)])
    k = np.arange(span, n - span + 1)
    after = (c[k + span] - c[k]) / span
    before = (c[k] - c[k - span]) / span
    nov[k] = np.sqrt(((after - before) ** 2).mean(axis=1))
    return nov


def _hit_strength(hits: Sequence[DrumHit], points: np.ndarray, labels: tuple[str, ...]) -> np.ndarray:
    """Summed velocity*confidence of the hits of ``labels`` within 0.3 pulse of each point."""
    out = np.zeros(points.size)
    sel = [h for h in hits if h.label in labels]
    if not sel or points.size < 2:
        return out
    t = np.array([h.time for h in sel])
    v = np.array([h.velocity * h.confidence for h in sel])
    pos = _beat_position(points, t)
    k = np.round(pos).astype(int)
    near = (np.abs(pos - k) < 0.3) & (k >= 0) & (k < points.size)
    np.add.at(out, k[near], v[near])
    return out


def _bar_evidence(env: _Envelopes, points: np.ndarray, hits: Sequence[DrumHit] | None,
                  beat_phase: np.ndarray | None = None) -> np.ndarray:
    """(points, PULSES_PER_BAR) score of each 8th-note point being at each position of the bar.

    With hits, the kick, snare/clap and crash templates decide both which points are beats and which
    beat is 1. From audio alone, band envelopes cannot tell a kick with hats from a snare reliably, so
    the beats come from the beat-rate phase of the accent envelope (``beat_phase`` at the points) and
    the downbeat from kick-band minus snare-band onsets and the bar-line novelty.
    """
    fr = env.frame_rate
    nov = _zscore(_bar_novelty(env.mel_db, points, fr))
    if hits:
        kick = _hit_score(_hit_strength(hits, points, ("kick",)))
        snare = _hit_score(_hit_strength(hits, points, ("snare", "clap")))
        crash = _hit_score(_hit_strength(hits, points, ("crash",)))
        return (kick[:, None] * KICK_TEMPLATE[None, :] + snare[:, None] * SNARE_TEMPLATE[None, :]
                + (0.5 * crash + nov)[:, None] * DOWNBEAT_TEMPLATE[None, :])
    kick = _zscore(_at_points(_normalise(env.kick), points, fr))
    snare = _zscore(_at_points(_normalise(env.snare), points, fr))
    score = (kick - 0.5 * snare + 1.5 * nov)[:, None] * (DOWNBEAT_TEMPLATE * PULSES_PER_BAR / METER)[None, :]
    if beat_phase is not None:
        score += 2.0 * np.cos(beat_phase)[:, None] * PARITY_TEMPLATE[None, :]
    return score


def _viterbi_positions(score: np.ndarray, penalty: float = PHASE_JUMP_PENALTY) -> np.ndarray:
    """Position in the bar of every point: the best path that advances one position per point, with a
    ``penalty`` for any jump."""
    n, m = score.shape
    nxt = (np.arange(m) + 1) % m
    trans = np.full((m, m), -penalty)
    trans[np.arange(m), nxt] = 0.0
    delta = score[0].copy()
    back = np.zeros((n, m), dtype=np.int64)
    for i in range(1, n):
        cand = delta[:, None] + trans  # from -> to
        back[i] = np.argmax(cand, axis=0)
        delta = cand[back[i], np.arange(m)] + score[i]
    path = np.zeros(n, dtype=np.int64)
    path[-1] = int(np.argmax(delta))
    for i in range(n - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path


def _phase_confidence(score: np.ndarray, positions: np.ndarray, choices: np.ndarray) -> float:
    """How much better the chosen positions explain the points than the best rival constant phase
    among ``choices`` (shifts of the bar position)."""
    n, m = score.shape
    k = np.arange(n)
    chosen = float(score[k, positions].sum())
    rivals = [float(score[k, (positions + c) % m].sum()) for c in choices]
    margin = (chosen - max(rivals)) / np.sqrt(max(n, 1))
    return float(np.clip(1.0 - np.exp(-margin), 0.0, 1.0))


# ---------------------------------------------------------------------------------------------------

def beat_grid(y: np.ndarray, sr: int, *, hits: Sequence[DrumHit] | None = None, tempo_min: float = 60.0,
              tempo_max: float = 200.0) -> BeatGrid:
    """Beat grid of a mono signal.

    Parameters
    ----------
    y : np.ndarray
        Mono float signal, shape (n,); any rate (analysed at 22050 Hz).
    sr : int
    hits : sequence of DrumHit, optional
        Drum hits of the track (from the drum detector or a score); they pin the grid to the hits and
        decide the beats and downbeats (kick on 1, snare or clap on 2 and 4 or on 3, crashes on 1).
    tempo_min, tempo_max : float
        Range of the reported tempo (BPM).

    Returns
    -------
    BeatGrid

    Raises
    ------
    BeatTrackingError
        Empty, non-finite, silent or shorter than ``MIN_SECONDS`` signals, or no pulse found.
    """
    if not 0 < tempo_min < tempo_max:
        raise BeatTrackingError(f"need 0 < tempo_min < tempo_max, got {tempo_min}, {tempo_max}")
    y = _check(y, sr)
    duration = y.size / sr
    env = envelopes(y, sr)
    fr = env.frame_rate
    est = estimate_tempo(env.full, SAMPLE_RATE, HOP_LENGTH, high_env=env.high, tempo_min=tempo_min,
                         tempo_max=tempo_max)
    if est.bpm <= 0:
        raise BeatTrackingError("no pulse found in the signal")
    acc = _accent(env)
    curve, _ = _local_tempo(acc, fr, est.bpm, tempo_min, tempo_max)
    # Pulse times from the envelopes' phase, moved back by the envelopes' lag.
    points = _beats_from_phase(_phase(acc, curve, fr, harmonic=PULSES_PER_BEAT), fr) - ONSET_LAG
    points = points[(points >= -0.05) & (points < duration)]
    if points.size < 2 * PULSES_PER_BAR:
        raise BeatTrackingError(f"too few pulses found ({points.size}) for a grid")
    hits = list(hits) if hits else []
    # Too few kicks and snares (a detector that found none) cannot place the beats: use the audio.
    drum_hits = hits if sum(h.label in ("kick", "snare", "clap") for h in hits) >= 2 * METER else []
    beat_phase = None
    if not drum_hits:
        # Kick and snare bands only: hats are as strong on the off-beats as on the beats.
        low = _normalise(env.kick) + _normalise(env.snare)
        psi = _phase(low, curve, fr, harmonic=1)
        beat_phase = np.interp((points + ONSET_LAG) * fr, np.arange(psi.size), psi)
    score = _bar_evidence(env, points, drum_hits, beat_phase)
    pos8 = _viterbi_positions(score)
    is_beat = pos8 % PULSES_PER_BEAT == 0
    beats = points[is_beat]
    positions = pos8[is_beat] // PULSES_PER_BEAT
    # Kicks, snares and claps pin the beats; hats join only without them, since a detector's velocities
    # make a loud 16th-note hat line weigh as much as the kicks and it would drag the grid a 16th off.
    anchors = [h for h in drum_hits if h.label in ("kick", "snare", "clap")]
    if len(anchors) < 2 * PULSES_PER_BAR:
        anchors = hits
    if len(anchors) >= 2 * PULSES_PER_BAR:
        t = np.array([h.time for h in anchors], dtype=np.float64)
        w = np.array([max(h.velocity * h.confidence, 1e-3) for h in anchors])
    else:
        t, w = _peaks(acc, fr)
    beats = _refine(beats, t, w)
    # A beat on the very first sample may be fitted a hair before it.
    beats[(beats < 0) & (beats > -0.05)] = 0.0
    keep = (beats >= 0) & (beats < duration)
    beats, positions = beats[keep], positions[keep]
    if beats.size < 2 * METER:
        raise BeatTrackingError(f"too few beats found ({beats.size}) for a grid")
    downbeats = beats[positions == 0]
    tempo = 60.0 / float(np.median(np.diff(beats)))
    bars, curve_out = _bars_and_curve(beats, positions)
    e = np.maximum(acc - acc.mean(), 0.0)
    ph = 2 * np.pi * PULSES_PER_BEAT * _beat_position(beats, np.arange(acc.size) / fr - ONSET_LAG)
    beat_conf = float(np.abs(np.sum(e * np.exp(-1j * ph))) / max(float(e.sum()), 1e-12))
    return BeatGrid(tempo=tempo, tempo_confidence=float(est.confidence), beats=beats,
                    beat_confidence=float(np.clip(beat_conf, 0.0, 1.0)), downbeats=downbeats,
                    # Rivals of the chosen downbeat: the other beats of the bar.
                    downbeat_confidence=_phase_confidence(score, pos8, np.array([2, 4, 6])), bars=bars,
                    tempo_curve=curve_out, meter=METER, beat_positions=positions, duration=duration)


def bar_starts(positions: np.ndarray, meter: int = METER) -> np.ndarray:
    """Beat index of the start of every bar: each downbeat, preceded by a virtual one ``meter`` beats
    before the first downbeat when beats come before it (a pickup bar, possibly starting before 0)."""
    down = np.flatnonzero(positions == 0)
    if down.size and down[0] > 0:
        down = np.concatenate([[down[0] - meter], down])
    return down


def _bars_and_curve(beats: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bars between consecutive downbeats (a pickup bar before the first one when beats precede it, the
    last one extrapolated by its beat period; times clipped at 0) and the tempo curve: per bar, the
    tempo of a linear fit to the beats of that bar and its neighbours."""
    down = bar_starts(positions)
    if down.size == 0:
        return np.zeros((0, 2)), np.zeros((0, 2))
    starts = np.maximum(_beat_time(beats, down.astype(np.float64)), 0.0)
    ends = np.append(starts[1:], _beat_time(beats, np.array([down[-1] + METER], dtype=np.float64)))
    bars = np.stack([starts, ends], axis=1)
    k = np.arange(beats.size, dtype=np.float64)
    bpm = np.empty(down.size)
    for i, d in enumerate(down):
        lo, hi = max(0, d - METER), min(beats.size, max(d, 0) + 2 * METER)
        slope = np.polyfit(k[lo:hi], beats[lo:hi], 1)[0] if hi - lo >= 3 else np.median(np.diff(beats))
        bpm[i] = 60.0 / slope
    return bars, np.stack([starts, bpm], axis=1)
