"""The reference extractor: straightforward librosa calls in the MusicClassifier layout (indices 0-633).

This is the baseline our fast extractor must agree with (tests) and beat (``benchmarks/bench_features.py``).
It is deliberately naive: every feature computes its own STFT, HPSS runs on the full spectrum, and the
tempo comes from ``librosa.beat.beat_track`` (which halves drum & bass). Do not use it in production.
"""
from __future__ import annotations

import numpy as np
import librosa

from heihachi_index.features.layout import REFERENCE_DIM


def _mean_std(x: np.ndarray) -> list[np.ndarray]:
    return [np.mean(x, axis=1), np.std(x, axis=1)]


def reference_vector(y: np.ndarray, sr: int = 22050) -> np.ndarray:
    """Compute the 634 reference values of a mono signal at 22050 Hz.

    Parameters
    ----------
    y : np.ndarray
        Mono audio, float32.
    sr : int
        Sample rate; the layout is defined at 22050 Hz.

    Returns
    -------
    np.ndarray
        Shape (634,), float64.
    """
    mfcc = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20, n_mels=128)
    mfcc_delta = librosa.feature.delta(mfcc, width=9)
    chroma = librosa.feature.chroma_cqt(y=y, sr=sr)
    centroid = librosa.feature.spectral_centroid(y=y, sr=sr)
    rolloff = librosa.feature.spectral_rolloff(y=y, sr=sr, roll_percent=0.85)
    bandwidth = librosa.feature.spectral_bandwidth(y=y, sr=sr)
    contrast = librosa.feature.spectral_contrast(y=y, sr=sr, n_bands=6, fmin=200.0)
    flatness = librosa.feature.spectral_flatness(y=y)
    zcr = librosa.feature.zero_crossing_rate(y)
    tempo, _ = librosa.beat.beat_track(y=y, sr=sr)
    rms = librosa.feature.rms(y=y)
    y_harmonic = librosa.effects.harmonic(y)
    tonnetz = librosa.feature.tonnetz(y=y_harmonic, sr=sr)
    mel_db = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=sr, n_mels=128), ref=np.max)

    parts = [
        *_mean_std(mfcc),
        np.mean(mfcc_delta, axis=1),
        *_mean_std(chroma),
        *_mean_std(centroid),
        *_mean_std(rolloff),
        *_mean_std(bandwidth),
        *_mean_std(contrast),
        [np.mean(flatness)],
        *_mean_std(zcr),
        [float(np.atleast_1d(tempo)[0])],
        *_mean_std(rms),
        *_mean_std(tonnetz),
        np.mean(mel_db, axis=1),
        np.percentile(mel_db, 25, axis=1),
        np.median(mel_db, axis=1),
        np.percentile(mel_db, 75, axis=1),
    ]
    vector = np.concatenate([np.asarray(p, dtype=np.float64).ravel() for p in parts])
    assert vector.shape == (REFERENCE_DIM,)
    return vector
