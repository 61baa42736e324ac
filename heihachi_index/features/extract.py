"""The 641-d handcrafted vector: one STFT, one log-mel, one CQT pass for a track and its harmonic part."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import librosa
import numpy as np

from heihachi_index.features import cqt, hpss, onset, spectral, temporal, tonal
from heihachi_index.features.layout import DIM, SLICES
from heihachi_index.features.spectrogram import Spectrogram, istft, stft
from heihachi_index.features.tempo import TempoEstimate, estimate_tempo
from heihachi_index.features.tuning import estimate_tuning

SAMPLE_RATE = 22050
N_FFT = 2048
HOP_LENGTH = 512
N_MELS = 128
# The harmonic part only feeds the chroma CQT, whose top filter ends near 4.4 kHz, so it is
# band-limited to 5 kHz and resynthesised directly at half the rate.
HARMONIC_MAX_HZ = 5000.0
HARMONIC_HALF_RATE = True
PIPELINE_VERSION = "handcrafted-1"


class FeatureError(ValueError):
    """A signal the extractor cannot describe (empty, non-finite, wrong rate)."""


@dataclass
class FeatureResult:
    """The vector and the track-level facts computed along the way."""

    vector: np.ndarray  # float32 (641,)
    tempo: float
    tempo_confidence: float
    beats: np.ndarray = field(repr=False)
    key: str = ""
    camelot: str = ""
    mode: str = ""
    key_strength: float = 0.0
    duration: float = 0.0
    timings: dict[str, float] = field(default_factory=dict, repr=False)

    def summary(self) -> dict[str, Any]:
        return {
            "tempo": round(self.tempo, 2),
            "tempo_confidence": round(self.tempo_confidence, 3),
            "key": self.key,
            "camelot": self.camelot,
            "beats": int(self.beats.size),
            "duration": round(self.duration, 3),
        }


class _Clock:
    def __init__(self) -> None:
        self.t = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = self.laps.get(name, 0.0) + now - self.t
        self.t = now


def _mean_std(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x.mean(axis=0, dtype=np.float64), x.std(axis=0, dtype=np.float64)


def extract(y: np.ndarray, sr: int = SAMPLE_RATE, *, tempo_min: float = 60.0,
            tempo_max: float = 200.0) -> FeatureResult:
    """Compute the 641-d handcrafted vector of a mono signal.

    Parameters
    ----------
    y : np.ndarray
        Mono float signal at ``sr`` (22050 Hz; other rates are resampled).
    sr : int
    tempo_min, tempo_max : float
        Range of the reported tempo.

    Returns
    -------
    FeatureResult
    """
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise FeatureError(f"expected a mono signal, got shape {y.shape}")
    if y.size < N_FFT:
        raise FeatureError(f"signal too short for features: {y.size} samples")
    if not np.all(np.isfinite(y)):
        raise FeatureError("signal contains NaN or infinite samples")
    if sr != SAMPLE_RATE:
        y = librosa.resample(y, orig_sr=sr, target_sr=SAMPLE_RATE, res_type="soxr_hq")
        sr = SAMPLE_RATE
    clock = _Clock()
    spec = Spectrogram.compute(y, sr, N_FFT, HOP_LENGTH)
    freqs = spec.freqs
    clock.lap("stft")

    mel = spectral.mel_power(spec.P, sr, N_FFT, N_MELS)
    mel_db_abs = spectral.power_to_db(mel)  # ref=1: the MFCC input
    mel_db = spectral.power_to_db(mel, ref=float(mel.max()))
    mfcc = spectral.mfcc_from_db(mel_db_abs)
    mfcc_delta = spectral.delta(mfcc)
    clock.lap("mel")

    centroid, bandwidth = spectral.centroid_bandwidth(spec.S, freqs)
    rolloff = spectral.rolloff(spec.S, freqs)
    contrast = spectral.contrast(spec.S, freqs).T
    flatness = spectral.flatness(spec.P)
    rms, zcr = temporal.rms_zcr(y)
    clock.lap("spectral")

    mask = hpss.harmonic_mask(spec.S, max_bin=int(np.ceil(HARMONIC_MAX_HZ * N_FFT / sr)) + 1)
    clock.lap("hpss")
    H = spec.D[:, : mask.shape[1]] * mask
    if HARMONIC_HALF_RATE:
        # A 1024-point inverse of the lower 513 bins is the band-limited frame decimated by 2 (times 2).
        H_half = np.zeros((spec.n_frames, N_FFT // 4 + 1), dtype=np.complex64)
        H_half[:, : H.shape[1]] = H * 0.5
        y_harm = istft(H_half, HOP_LENGTH // 2, (y.size + 1) // 2)
    else:
        H_full = np.zeros_like(spec.D)
        H_full[:, : H.shape[1]] = H
        y_harm = istft(H_full, HOP_LENGTH, y.size)
    clock.lap("istft")

    tuning = estimate_tuning(spec.S, sr, N_FFT, bins_per_octave=cqt.BINS_PER_OCTAVE)
    # The reference estimates the harmonic part's tuning on its own resynthesis: do the same.
    factor = 2 if HARMONIC_HALF_RATE else 1
    S_h = np.abs(stft(y_harm, N_FFT // factor, HOP_LENGTH // factor))
    tuning_h = estimate_tuning(S_h, sr // factor, N_FFT // factor, bins_per_octave=cqt.BINS_PER_OCTAVE)
    clock.lap("tuning")
    C = cqt.cqt_magnitude(y, sr, HOP_LENGTH, tuning=tuning)
    C_h = cqt.cqt_magnitude(y_harm, sr, HOP_LENGTH, tuning=tuning_h, decimated_input=HARMONIC_HALF_RATE)
    n = min(C.shape[0], C_h.shape[0])
    C, C_h = C[:n], C_h[:n]
    clock.lap("cqt")
    chroma = cqt.chroma_from_cqt(C)
    tonnetz = cqt.tonnetz_from_chroma(cqt.chroma_from_cqt(C_h))
    key = tonal.estimate_key(chroma)
    clock.lap("tonal")

    mel_freqs = librosa.mel_frequencies(n_mels=N_MELS, fmax=sr / 2)
    env = onset.onset_strength(mel_db_abs)
    high_env = onset.band_onset_strength(mel_db_abs, mel_freqs, 5000.0, sr / 2)
    tempo = estimate_tempo(env, sr, HOP_LENGTH, high_env=high_env, tempo_min=tempo_min, tempo_max=tempo_max)
    onsets = onset.onset_times(env, sr, HOP_LENGTH)
    clock.lap("rhythm")

    duration = y.size / sr
    v = np.zeros(DIM, dtype=np.float64)
    v[SLICES["mfcc_mean"]], v[SLICES["mfcc_std"]] = _mean_std(mfcc)
    v[SLICES["mfcc_delta_mean"]] = mfcc_delta.mean(axis=0, dtype=np.float64)
    v[SLICES["chroma_mean"]], v[SLICES["chroma_std"]] = _mean_std(chroma)
    v[SLICES["centroid"]] = _mean_std(centroid)
    v[SLICES["rolloff"]] = _mean_std(rolloff)
    v[SLICES["bandwidth"]] = _mean_std(bandwidth)
    v[SLICES["contrast_mean"]], v[SLICES["contrast_std"]] = _mean_std(contrast)
    v[SLICES["flatness"]] = flatness.mean()
    v[SLICES["zcr"]] = _mean_std(zcr)
    v[SLICES["tempo"]] = tempo.bpm
    v[SLICES["rms"]] = _mean_std(rms)
    v[SLICES["tonnetz_mean"]], v[SLICES["tonnetz_std"]] = _mean_std(tonnetz)
    v[SLICES["mel_mean"]] = mel_db.mean(axis=0, dtype=np.float64)
    v[SLICES["mel_p25"]], v[SLICES["mel_median"]], v[SLICES["mel_p75"]] = np.percentile(
        mel_db, [25, 50, 75], axis=0)
    v[SLICES["onset_rate"]] = onsets.size / duration
    v[SLICES["tempo_confidence"]] = tempo.confidence
    v[SLICES["sub_bass_ratio"]] = spectral.band_energy_ratio(spec.P, freqs, 20.0, 60.0)
    v[SLICES["bass_ratio"]] = spectral.band_energy_ratio(spec.P, freqs, 60.0, 250.0)
    v[SLICES["crest_db"]] = temporal.crest_factor_db(y)
    v[SLICES["mode_clarity"]] = key.mode_clarity
    v[SLICES["key_strength"]] = key.strength
    clock.lap("assemble")
    if not np.all(np.isfinite(v)):
        bad = np.flatnonzero(~np.isfinite(v))
        raise FeatureError(f"non-finite feature values at indices {bad[:10].tolist()}")
    return FeatureResult(
        vector=v.astype(np.float32), tempo=tempo.bpm, tempo_confidence=tempo.confidence, beats=tempo.beats,
        key=key.name, camelot=key.camelot, mode=key.mode, key_strength=key.strength, duration=duration,
        timings=clock.laps,
    )
