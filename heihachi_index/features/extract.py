"""The 641-d handcrafted vector: one STFT, one log-mel, one CQT pass for a track and its harmonic part.

Per-frame features are computed on segments and the vector is aggregated at the end. A track up to
``WHOLE_TRACK_FRAMES`` long is one segment (and agrees with plain librosa, see ``reference``);
longer signals, and streams (:func:`extract_stream`), go in blocks of ``BLOCK_FRAMES`` with
``CONTEXT_FRAMES`` of audio either side, so a two-hour DJ mix needs memory for one block plus a few
hundred bytes per frame instead of gigabytes of spectrogram. In block mode the tuning is estimated
per block (a mix changes tuning from track to track anyway).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

import librosa
import numpy as np

from heihachi_index.features import cqt, hpss, onset, spectral, temporal, tonal
from heihachi_index.features.layout import DIM, SLICES
from heihachi_index.features.spectrogram import Spectrogram, istft, stft
from heihachi_index.features.tempo import estimate_tempo
from heihachi_index.features.tuning import estimate_tuning

SAMPLE_RATE = 22050
N_FFT = 2048
HOP_LENGTH = 512
N_MELS = 128
# The harmonic part only feeds the chroma CQT, whose top filter ends near 4.4 kHz, so it is
# band-limited to 5 kHz and resynthesised directly at half the rate.
HARMONIC_MAX_HZ = 5000.0
WHOLE_TRACK_FRAMES = 1 << 15  # about 12.7 minutes
BLOCK_FRAMES = 1 << 12  # about 95 s
CONTEXT_FRAMES = 128  # about 3 s: covers HPSS (15 frames), the C1 CQT filter and resampler tails
# What an ingested track holds: bump when any stored vector or payload field would come out different,
# so that a re-run of ingest redoes the tracks made before. 2: emotion, concept and drum payloads.
# 3: retrained drum classifier and beat grid anchored on kicks and snares (the drum payload changes).
# 4: drum classifier retrained on more kits, without the held-out kits' recordings found in other packages,
#    with one-shot hit times at the start of the final rise (synth.drums.sample_onset).
# 5: drum classifier an ensemble of five nets, trained with Freepats and without random rides.
# 6: drum classifier cross-validated by kit, calibrated on out-of-fold predictions.
# 7: drum hit features floored so that faint noise reads like digital silence; classifier retrained.
# 8: drum classifier with convolutional nets beside the perceptrons.
# 9: drum labels decided with a second, layered threshold for all but an onset's most probable class;
#    classifier retrained with numpy's BLAS on one thread.
# 10: drum classifier retrained with half of its renderings in a random room (reverberation).
PIPELINE_VERSION = "heihachi-10"


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


@dataclass
class _Frames:
    """Per-frame features of a run of frames (frames first)."""

    mel_db: np.ndarray  # 10 log10(mel power), unclipped (the top-dB clip needs the global maximum)
    centroid: np.ndarray
    bandwidth: np.ndarray
    rolloff: np.ndarray
    contrast_peak: np.ndarray  # (frames, 7) linear; contrast in dB is taken once all frames are in
    contrast_valley: np.ndarray
    flatness: np.ndarray
    rms: np.ndarray
    zcr: np.ndarray
    chroma: np.ndarray
    tonnetz: np.ndarray
    band_power: np.ndarray  # (3,) sums over these frames: total, 20-60 Hz, 60-250 Hz

    @classmethod
    def concat(cls, parts: list["_Frames"]) -> "_Frames":
        if len(parts) == 1:
            return parts[0]
        names = [f for f in cls.__dataclass_fields__ if f != "band_power"]
        merged = {name: np.concatenate([getattr(p, name) for p in parts]) for name in names}
        return cls(**merged, band_power=np.sum([p.band_power for p in parts], axis=0))


def _check(y: np.ndarray) -> np.ndarray:
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise FeatureError(f"expected a mono signal, got shape {y.shape}")
    if not np.all(np.isfinite(y)):
        raise FeatureError("signal contains NaN or infinite samples")
    return y


def _segment_frames(seg: np.ndarray, sr: int, keep: slice, clock: _Clock) -> _Frames:
    """Features of frames ``keep`` of a segment analysed as if it were a whole track."""
    spec = Spectrogram.compute(seg, sr, N_FFT, HOP_LENGTH)
    freqs = spec.freqs
    clock.lap("stft")
    mel_db = 10.0 * np.log10(np.maximum(spectral.AMIN, spectral.mel_power(spec.P, sr, N_FFT, N_MELS)))
    clock.lap("mel")
    centroid, bandwidth = spectral.centroid_bandwidth(spec.S, freqs)
    rolloff = spectral.rolloff(spec.S, freqs)
    peak, valley = spectral.contrast_extremes(spec.S, freqs)
    flatness = spectral.flatness(spec.P)
    rms, zcr = temporal.rms_zcr(seg)
    kept_power = spec.P[keep]
    band_power = np.array([kept_power.sum(dtype=np.float64),
                           spectral.band_power(kept_power, freqs, 20.0, 60.0),
                           spectral.band_power(kept_power, freqs, 60.0, 250.0)])
    clock.lap("spectral")

    mask = hpss.harmonic_mask(spec.S, max_bin=int(np.ceil(HARMONIC_MAX_HZ * N_FFT / sr)) + 1)
    clock.lap("hpss")
    # A 1024-point inverse of the lower 513 bins is the band-limited frame decimated by 2 (times 2).
    H_half = np.zeros((spec.n_frames, N_FFT // 4 + 1), dtype=np.complex64)
    H_half[:, : mask.shape[1]] = spec.D[:, : mask.shape[1]] * (mask * 0.5)
    y_harm = istft(H_half, HOP_LENGTH // 2, (seg.size + 1) // 2)
    clock.lap("istft")

    tuning = estimate_tuning(spec.S, sr, N_FFT, bins_per_octave=cqt.BINS_PER_OCTAVE)
    # The reference estimates the harmonic part's tuning on its own resynthesis: do the same.
    S_h = np.abs(stft(y_harm, N_FFT // 2, HOP_LENGTH // 2))
    tuning_h = estimate_tuning(S_h, sr // 2, N_FFT // 2, bins_per_octave=cqt.BINS_PER_OCTAVE)
    clock.lap("tuning")
    C = cqt.cqt_magnitude(seg, sr, HOP_LENGTH, tuning=tuning)
    C_h = cqt.cqt_magnitude(y_harm, sr, HOP_LENGTH, tuning=tuning_h, decimated_input=True)
    clock.lap("cqt")
    chroma = cqt.chroma_from_cqt(C)
    tonnetz = cqt.tonnetz_from_chroma(cqt.chroma_from_cqt(C_h))
    clock.lap("tonal")
    return _Frames(mel_db=mel_db[keep], centroid=centroid[keep], bandwidth=bandwidth[keep],
                   rolloff=rolloff[keep], contrast_peak=peak[keep], contrast_valley=valley[keep],
                   flatness=flatness[keep], rms=rms[keep], zcr=zcr[keep], chroma=chroma[keep],
                   tonnetz=tonnetz[keep], band_power=band_power)


def _blocks(samples: Iterable[np.ndarray], block_frames: int, context: int) -> Iterator[tuple[np.ndarray, slice]]:
    """Re-cut a stream of sample blocks into overlapping segments and the frames each one owns.

    Yields ``(segment, keep)``: frames ``keep`` of ``segment`` (analysed with centred frames) are
    consecutive frames of the whole signal, exactly as if it had been analysed in one piece.
    """
    hop = HOP_LENGTH
    buf = np.zeros(0, dtype=np.float32)
    buf_start = 0  # sample index (in the whole signal) of buf[0]; always a multiple of hop
    next_frame = 0  # first frame not yet emitted
    for block in samples:
        buf = np.concatenate([buf, np.asarray(block, dtype=np.float32)])
        # Emit while the buffer reaches past the next block's right context.
        while buf_start + buf.size >= (next_frame + block_frames + context) * hop + N_FFT:
            stop = next_frame + block_frames
            seg_end = (stop + context) * hop - buf_start
            first = next_frame - buf_start // hop
            yield buf[:seg_end], slice(first, first + block_frames)
            next_frame = stop
            drop = max(0, (next_frame - context) * hop - buf_start)
            buf = buf[drop:]
            buf_start += drop
    total = buf_start + buf.size
    n_frames = 1 + total // hop
    if next_frame < n_frames:
        first = next_frame - buf_start // hop
        yield buf, slice(first, first + n_frames - next_frame)


def _aggregate(frames: _Frames, peak: float, sum_sq: float, n_samples: int, sr: int,
               tempo_min: float, tempo_max: float, clock: _Clock) -> FeatureResult:
    mel_db_abs = np.maximum(frames.mel_db, frames.mel_db.max() - spectral.TOP_DB)  # power_to_db(ref=1)
    mel_db = mel_db_abs - max(float(frames.mel_db.max()), 10.0 * np.log10(spectral.AMIN))  # ref=np.max
    mfcc = spectral.mfcc_from_db(mel_db_abs)
    mfcc_delta = spectral.delta(mfcc)
    contrast = (spectral.power_to_db(frames.contrast_peak.T) - spectral.power_to_db(frames.contrast_valley.T)).T
    key = tonal.estimate_key(frames.chroma)

    mel_freqs = librosa.mel_frequencies(n_mels=N_MELS, fmax=sr / 2)
    env = onset.onset_strength(mel_db_abs)
    high_env = onset.band_onset_strength(mel_db_abs, mel_freqs, 5000.0, sr / 2)
    tempo = estimate_tempo(env, sr, HOP_LENGTH, high_env=high_env, tempo_min=tempo_min, tempo_max=tempo_max)
    onsets = onset.onset_times(env, sr, HOP_LENGTH)
    clock.lap("rhythm")

    def mean_std(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return x.mean(axis=0, dtype=np.float64), x.std(axis=0, dtype=np.float64)

    duration = n_samples / sr
    total, sub, bass = frames.band_power
    v = np.zeros(DIM, dtype=np.float64)
    v[SLICES["mfcc_mean"]], v[SLICES["mfcc_std"]] = mean_std(mfcc)
    v[SLICES["mfcc_delta_mean"]] = mfcc_delta.mean(axis=0, dtype=np.float64)
    v[SLICES["chroma_mean"]], v[SLICES["chroma_std"]] = mean_std(frames.chroma)
    v[SLICES["centroid"]] = mean_std(frames.centroid)
    v[SLICES["rolloff"]] = mean_std(frames.rolloff)
    v[SLICES["bandwidth"]] = mean_std(frames.bandwidth)
    v[SLICES["contrast_mean"]], v[SLICES["contrast_std"]] = mean_std(contrast)
    v[SLICES["flatness"]] = frames.flatness.mean()
    v[SLICES["zcr"]] = mean_std(frames.zcr)
    v[SLICES["tempo"]] = tempo.bpm
    v[SLICES["rms"]] = mean_std(frames.rms)
    v[SLICES["tonnetz_mean"]], v[SLICES["tonnetz_std"]] = mean_std(frames.tonnetz)
    v[SLICES["mel_mean"]] = mel_db.mean(axis=0, dtype=np.float64)
    v[SLICES["mel_p25"]], v[SLICES["mel_median"]], v[SLICES["mel_p75"]] = np.percentile(mel_db, [25, 50, 75], axis=0)
    v[SLICES["onset_rate"]] = onsets.size / duration
    v[SLICES["tempo_confidence"]] = tempo.confidence
    v[SLICES["sub_bass_ratio"]] = sub / total if total > 0 else 0.0
    v[SLICES["bass_ratio"]] = bass / total if total > 0 else 0.0
    rms_all = np.sqrt(sum_sq / n_samples)
    v[SLICES["crest_db"]] = 20.0 * np.log10(peak / rms_all) if rms_all > 0 else 0.0
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


def extract_stream(blocks: Iterable[np.ndarray], sr: int = SAMPLE_RATE, *, tempo_min: float = 60.0,
                   tempo_max: float = 200.0, block_frames: int = BLOCK_FRAMES,
                   context_frames: int = CONTEXT_FRAMES) -> FeatureResult:
    """Compute the vector from a stream of mono blocks at 22050 Hz (e.g. ``audio.stream``).

    Memory stays at one segment of ``block_frames + 2 * context_frames`` frames plus the per-frame
    features (about 0.7 kB a frame, 100 MB for two hours).
    """
    if sr != SAMPLE_RATE:
        raise FeatureError(f"streams must be at {SAMPLE_RATE} Hz, got {sr}")
    clock = _Clock()
    parts: list[_Frames] = []
    peak, sum_sq, n_samples = 0.0, 0.0, 0

    def checked() -> Iterator[np.ndarray]:
        nonlocal peak, sum_sq, n_samples
        for block in blocks:
            block = _check(block)
            if block.size:
                peak = max(peak, float(np.max(np.abs(block))))
                sum_sq += float(np.dot(block.astype(np.float64), block.astype(np.float64)))
                n_samples += block.size
            yield block

    for segment, keep in _blocks(checked(), block_frames, context_frames):
        if segment.size < N_FFT:
            if parts:  # a short tail: its frames exist but a lone segment that small cannot be analysed
                segment = np.pad(segment, (0, N_FFT - segment.size))
            else:
                raise FeatureError(f"signal too short for features: {segment.size} samples")
        parts.append(_segment_frames(segment, sr, keep, clock))
    if not parts:
        raise FeatureError("signal too short for features: 0 samples")
    return _aggregate(_Frames.concat(parts), peak, sum_sq, n_samples, sr, tempo_min, tempo_max, clock)


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
    y = _check(y)
    if y.size < N_FFT:
        raise FeatureError(f"signal too short for features: {y.size} samples")
    if sr != SAMPLE_RATE:
        y = librosa.resample(y, orig_sr=sr, target_sr=SAMPLE_RATE, res_type="soxr_hq")
        sr = SAMPLE_RATE
    if 1 + y.size // HOP_LENGTH > WHOLE_TRACK_FRAMES:
        step = BLOCK_FRAMES * HOP_LENGTH
        return extract_stream((y[i : i + step] for i in range(0, y.size, step)), sr,
                              tempo_min=tempo_min, tempo_max=tempo_max)
    clock = _Clock()
    frames = _segment_frames(y, sr, slice(None), clock)
    y64 = y.astype(np.float64)
    return _aggregate(frames, float(np.max(np.abs(y))), float(np.dot(y64, y64)), y.size, sr,
                      tempo_min, tempo_max, clock)
