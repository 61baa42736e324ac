"""Onset strength envelopes from the shared log-mel spectrogram, and onset picking."""
from __future__ import annotations

import librosa
import numpy as np


def onset_strength(mel_db: np.ndarray, center_frames: int = 2) -> np.ndarray:
    """Spectral flux: mean positive first difference of log-mel over bands, per frame.

    Parameters
    ----------
    mel_db : np.ndarray
        Log-mel, shape (frames, mels).
    center_frames : int
        Frames of delay compensation (``n_fft // (2 * hop)``, as librosa's ``center=True``).

    Returns
    -------
    np.ndarray
        float32, shape (frames,).
    """
    flux = np.maximum(0.0, np.diff(mel_db, axis=0)).mean(axis=1)
    env = np.concatenate([np.zeros(1 + center_frames, dtype=np.float32), flux.astype(np.float32)])
    return env[: mel_db.shape[0]]


def band_onset_strength(mel_db: np.ndarray, mel_freqs: np.ndarray, f_low: float, f_high: float,
                        center_frames: int = 2) -> np.ndarray:
    """:func:`onset_strength` restricted to mel bands whose centre lies in [f_low, f_high)."""
    bands = (mel_freqs >= f_low) & (mel_freqs < f_high)
    return onset_strength(mel_db[:, bands], center_frames)


def onset_times(env: np.ndarray, sr: int, hop_length: int) -> np.ndarray:
    """Onset times in seconds, by librosa's peak picking on a normalised envelope."""
    if env.size == 0 or not np.any(env > 0):
        return np.zeros(0)
    frames = librosa.onset.onset_detect(onset_envelope=env, sr=sr, hop_length=hop_length, units="frames")
    return librosa.frames_to_time(frames, sr=sr, hop_length=hop_length)
