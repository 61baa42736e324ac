"""Kaldi-style log-mel filter banks in torch, the maths of ``torchaudio.compliance.kaldi.fbank``.

Only the options BEATs uses are implemented (the torchaudio defaults otherwise): frames of
``frame_length`` ms every ``frame_shift`` ms with ``snip_edges=True``, no dither, DC offset removed
per frame, pre-emphasis, Povey window (a Hann window to the power 0.85), zero padding to the next
power of two, power spectrum, triangular mel filters on Kaldi's mel scale (``1127 ln(1 + f/700)``)
from ``low_freq`` to Nyquist (+ ``high_freq`` when it is <= 0), natural log floored at float32
epsilon. Batched over leading axes.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import torch

BEATS_FBANK_MEAN = 15.41663
BEATS_FBANK_STD = 6.55582


def kaldi_mel(freq: np.ndarray | float) -> np.ndarray | float:
    """Kaldi's mel scale."""
    return 1127.0 * np.log(1.0 + np.asarray(freq, dtype=np.float64) / 700.0)


@lru_cache(maxsize=8)
def kaldi_mel_banks(num_bins: int, padded_window: int, sample_rate: float, low_freq: float,
                    high_freq: float) -> np.ndarray:
    """Triangular filters ``(num_bins, padded_window // 2 + 1)`` (last FFT bin always zero), as Kaldi builds them."""
    nyquist = 0.5 * sample_rate
    high = high_freq if high_freq > 0.0 else nyquist + high_freq
    if not 0.0 <= low_freq < high <= nyquist:
        raise ValueError(f"bad mel range: low_freq={low_freq}, high_freq={high} for sample rate {sample_rate}")
    n_fft_bins = padded_window // 2
    mel_low, mel_high = kaldi_mel(low_freq), kaldi_mel(high)
    delta = (mel_high - mel_low) / (num_bins + 1)
    b = np.arange(num_bins, dtype=np.float64)[:, None]
    left, center, right = mel_low + b * delta, mel_low + (b + 1) * delta, mel_low + (b + 2) * delta
    mel = kaldi_mel(sample_rate / padded_window * np.arange(n_fft_bins))[None, :]
    up = (mel - left) / (center - left)
    down = (right - mel) / (right - center)
    banks = np.maximum(0.0, np.minimum(up, down))
    return np.pad(banks, ((0, 0), (0, 1)))


def kaldi_fbank(waveform: torch.Tensor, *, sample_rate: float = 16000.0, num_mel_bins: int = 128,
                frame_length: float = 25.0, frame_shift: float = 10.0, preemphasis: float = 0.97,
                low_freq: float = 20.0, high_freq: float = 0.0, remove_dc_offset: bool = True) -> torch.Tensor:
    """Log-mel filter banks ``(..., frames, num_mel_bins)`` of ``waveform`` ``(..., samples)``.

    Raises
    ------
    ValueError
        If the waveform is shorter than one frame.
    """
    window = int(sample_rate * frame_length * 0.001)
    shift = int(sample_rate * frame_shift * 0.001)
    n = waveform.shape[-1]
    if n < window:
        raise ValueError(f"waveform of {n} samples is shorter than one {frame_length} ms frame ({window} samples)")
    padded = 1 << math.ceil(math.log2(window))
    frames = waveform.unfold(-1, window, shift)  # (..., m, window); m = 1 + (n - window) // shift
    if remove_dc_offset:
        frames = frames - frames.mean(dim=-1, keepdim=True)
    if preemphasis != 0.0:
        previous = torch.cat([frames[..., :1], frames[..., :-1]], dim=-1)
        frames = frames - preemphasis * previous
    povey = torch.hann_window(window, periodic=False, dtype=frames.dtype, device=frames.device).pow(0.85)
    frames = torch.nn.functional.pad(frames * povey, (0, padded - window))
    power = torch.fft.rfft(frames).abs().pow(2.0)
    banks = torch.as_tensor(kaldi_mel_banks(num_mel_bins, padded, float(sample_rate), float(low_freq),
                                            float(high_freq)), dtype=power.dtype, device=power.device)
    energies = power @ banks.T
    return torch.clamp_min(energies, torch.finfo(torch.float32).eps).log()


def beats_features(waveform: torch.Tensor, mean: float = BEATS_FBANK_MEAN,
                   std: float = BEATS_FBANK_STD) -> torch.Tensor:
    """BEATs' input: 128-bin fbank of the waveform scaled to 16-bit range, normalised as ``(x - mean) / (2 std)``."""
    fbank = kaldi_fbank(waveform.float() * 32768.0, sample_rate=16000.0, num_mel_bins=128,
                        frame_length=25.0, frame_shift=10.0)
    return (fbank - mean) / (2.0 * std)
