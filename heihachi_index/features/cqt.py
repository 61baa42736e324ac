"""Constant-Q magnitudes, chroma and tonnetz, equal to librosa's ``cqt``/``chroma_cqt``/``tonnetz``.

librosa computes each octave as an FFT of every frame followed by a sparse product with the filters'
spectra. Both steps are linear, so we fold them into one real time-domain kernel per octave
(frames @ kernel, a single BLAS call) and cut the kernel to its support. The filters, the octave-wise
soxr downsampling, the sparsification and the scaling are librosa's own, so results agree to float
precision. Several signals (a track and its harmonic part) share each octave's work.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import librosa
import numpy as np

from heihachi_index.features.spectrogram import frame

N_CHROMA = 12
BINS_PER_OCTAVE = 36
N_OCTAVES = 7
FMIN_C1 = float(librosa.note_to_hz("C1"))


@dataclass(frozen=True)
class _Octave:
    kernel: np.ndarray  # float32 (taps, 2 * n_filters): real parts then imaginary parts
    offset: int  # first tap's position inside the n_fft frame
    n_fft: int


@dataclass(frozen=True)
class _Plan:
    octaves: tuple[_Octave, ...]
    hops: tuple[int, ...]
    early_downsample: int
    n_bins: int


def _num_two_factors(x: int) -> int:
    count = 0
    while x > 0 and x % 2 == 0:
        x //= 2
        count += 1
    return count


def _octave_kernel(freqs: np.ndarray, alpha: np.ndarray, lengths: np.ndarray, my_sr: float,
                   base_sr: float) -> _Octave:
    """One octave's filters as librosa builds them, folded into a real time-domain kernel."""
    basis, lens = librosa.filters.wavelet(freqs=freqs, sr=my_sr, filter_scale=1, norm=1, pad_fft=True,
                                          window="hann", gamma=0, alpha=alpha)
    n_fft = basis.shape[1]
    basis = basis * (lens[:, np.newaxis] / float(n_fft))
    fft_basis = np.fft.fft(basis, n=n_fft, axis=1)[:, : n_fft // 2 + 1]
    fft_basis = librosa.util.sparsify_rows(fft_basis, quantile=0.01, dtype=np.complex64).toarray()
    fft_basis *= np.sqrt(base_sr / my_sr)
    fft_basis /= np.sqrt(lengths)[:, np.newaxis]  # librosa's final ``scale`` step, folded in
    # sum_k B[k] X[k] with X = rfft(frame) equals frame @ h, h[n] = sum_k B[k] exp(-2j pi k n / N).
    full = np.zeros((fft_basis.shape[0], n_fft), dtype=np.complex128)
    full[:, : n_fft // 2 + 1] = fft_basis
    h = np.conj(np.fft.ifft(np.conj(full), axis=1)) * n_fft
    energy = np.abs(h).max(axis=0)
    support = np.flatnonzero(energy > energy.max() * 1e-7)
    lo, hi = int(support[0]), int(support[-1]) + 1
    kernel = np.concatenate([h.real[:, lo:hi], h.imag[:, lo:hi]], axis=0).T.astype(np.float32)
    return _Octave(kernel=np.ascontiguousarray(kernel), offset=lo, n_fft=n_fft)


@lru_cache(maxsize=128)
def _plan(sr: float, hop_length: int, tuning: float, n_bins: int, bins_per_octave: int) -> _Plan:
    n_octaves = int(np.ceil(n_bins / bins_per_octave))
    n_filters = min(bins_per_octave, n_bins)
    fmin = FMIN_C1 * 2.0 ** (tuning / bins_per_octave)
    freqs = librosa.interval_frequencies(n_bins=n_bins, fmin=fmin, intervals="equal",
                                         bins_per_octave=bins_per_octave, sort=True)
    alpha = librosa.filters._relative_bandwidth(freqs=freqs)
    lengths, cutoff = librosa.filters.wavelet_lengths(freqs=freqs, sr=sr, window="hann", filter_scale=1,
                                                      gamma=0, alpha=alpha)
    nyquist = sr / 2.0
    if cutoff > nyquist:
        raise ValueError(f"CQT top filter exceeds Nyquist at sr={sr}")
    count1 = max(0, int(np.ceil(np.log2(nyquist / cutoff)) - 1) - 1)
    count2 = max(0, _num_two_factors(hop_length) - n_octaves + 1)
    early = min(count1, count2)
    base_sr = sr / 2**early
    hop = hop_length // 2**early
    lengths, _ = librosa.filters.wavelet_lengths(freqs=freqs, sr=base_sr, window="hann", filter_scale=1,
                                                 gamma=0, alpha=alpha)
    octaves, hops = [], []
    my_sr = base_sr
    for i in range(n_octaves):
        sl = slice(-n_filters, None) if i == 0 else slice(-n_filters * (i + 1), -n_filters * i)
        full_octave = len(freqs[sl]) == n_filters
        if i > 0 and full_octave:
            # Frequencies and rate both halve per octave, and the sqrt(sr ratio) gain cancels the
            # sqrt(length) scaling: every full octave has the top octave's kernel (to ~1e-13).
            octaves.append(octaves[0])
        else:
            octaves.append(_octave_kernel(freqs[sl], alpha[sl], lengths[sl], my_sr, base_sr))
        hops.append(hop)
        if hop % 2 == 0:
            hop //= 2
            my_sr /= 2.0
        else:
            break
    return _Plan(octaves=tuple(octaves), hops=tuple(hops), early_downsample=early, n_bins=n_bins)


def _octave_response(Y: np.ndarray, octave: _Octave, hop: int) -> np.ndarray:
    """|response| (channels, frames, filters) of centred frames of Y to one octave's kernel."""
    half = octave.n_fft // 2
    padded = np.pad(Y, ((0, 0), (half, half)))
    n_frames = 1 + Y.shape[-1] // hop
    taps = octave.kernel.shape[0]
    if hop >= 64 and octave.offset % hop == 0:
        # Frame t is blocks t..t+k of the hop-blocked signal: a sum of contiguous matmuls, no frame copy.
        n_blocks = padded.shape[-1] // hop
        blocks = padded[:, : n_blocks * hop].reshape(Y.shape[0], n_blocks, hop)
        first = octave.offset // hop
        out = None
        for j in range(0, taps, hop):
            k = octave.kernel[j : j + hop]
            b = first + j // hop
            part = blocks[:, b : b + n_frames, : k.shape[0]] @ k
            out = part if out is None else out + part
    else:
        frames = frame(padded, octave.n_fft, hop)[..., octave.offset : octave.offset + taps]
        out = np.matmul(frames, octave.kernel)
    n_f = octave.kernel.shape[1] // 2
    return np.hypot(out[..., :n_f], out[..., n_f:])


def cqt_magnitude(
    y: np.ndarray,
    sr: float = 22050,
    hop_length: int = 512,
    tuning: float = 0.0,
    n_bins: int = N_OCTAVES * BINS_PER_OCTAVE,
    bins_per_octave: int = BINS_PER_OCTAVE,
    *,
    decimated_input: bool = False,
) -> np.ndarray:
    """|CQT| as ``np.abs(librosa.cqt(y, ..., fmin=C1, tuning=tuning))``.

    Parameters
    ----------
    y : np.ndarray
        float32 signal(s), shape (n,) or (channels, n).
    sr, hop_length :
        Rate and hop the CQT is defined at.
    decimated_input : bool
        ``y`` is the signal at ``sr / 2`` (band-limited below ``sr / 4``). The top octave is then
        computed with its kernel decimated by 2 (exact for band-limited signal and kernel), and the
        lower octaves start from ``y`` where librosa would start from its own 2:1 resampling.

    Returns
    -------
    np.ndarray
        float32, shape (channels, frames, n_bins) (or (frames, n_bins) for 1-D input), lowest bin first.
    """
    single = y.ndim == 1
    Y = np.atleast_2d(np.asarray(y, dtype=np.float32))
    plan = _plan(float(sr), hop_length, round(float(tuning), 4), n_bins, bins_per_octave)
    if plan.early_downsample:
        factor = 2**plan.early_downsample
        Y = librosa.resample(Y, orig_sr=factor, target_sr=1, res_type="soxr_hq", scale=True)
    responses = []
    for i, (octave, hop) in enumerate(zip(plan.octaves, plan.hops)):
        if i == 0 and decimated_input:
            if plan.early_downsample or octave.offset % 2 or hop % 2:
                raise ValueError("decimated input needs a plan without early downsampling")
            # sum_n x[n] h[n] == 2 sum_m x[2m] h[2m] when x and h are both band-limited below sr/4.
            halved = _Octave(kernel=np.ascontiguousarray(2 * octave.kernel[::2]), offset=octave.offset // 2,
                             n_fft=octave.n_fft // 2)
            responses.append(_octave_response(Y, halved, hop // 2))
            # librosa's 2:1 resampling passes a signal band-limited this low unchanged, up to its ripple.
            Y = Y * np.float32(np.sqrt(2.0))
            continue
        responses.append(_octave_response(Y, octave, hop))
        if i + 1 < len(plan.octaves):
            Y = librosa.resample(Y, orig_sr=2, target_sr=1, res_type="soxr_hq", scale=True)
    n_frames = min(r.shape[1] for r in responses)
    # Octaves were computed top-down; stack lowest first and keep the top ``n_bins``.
    C = np.concatenate([r[:, :n_frames] for r in reversed(responses)], axis=-1)[..., -n_bins:]
    return C[0] if single else C


@lru_cache(maxsize=4)
def _cq_to_chroma(n_bins: int, bins_per_octave: int) -> np.ndarray:
    return librosa.filters.cq_to_chroma(n_bins, bins_per_octave=bins_per_octave, n_chroma=N_CHROMA).astype(np.float32)


def chroma_from_cqt(C: np.ndarray, bins_per_octave: int = BINS_PER_OCTAVE) -> np.ndarray:
    """Chroma (frames, 12), max-normalised per frame, from |CQT| (frames, bins) as ``chroma_cqt``."""
    chroma = C @ _cq_to_chroma(C.shape[-1], bins_per_octave).T
    chroma[chroma < 0] = 0.0
    peak = np.max(np.abs(chroma), axis=-1, keepdims=True)
    small = peak < np.finfo(chroma.dtype).tiny
    return np.where(small, chroma, chroma / np.where(small, 1.0, peak))


@lru_cache(maxsize=1)
def _tonnetz_basis() -> np.ndarray:
    dim_map = np.linspace(0, 12, num=N_CHROMA, endpoint=False)
    scale = np.asarray([7.0 / 6, 7.0 / 6, 3.0 / 2, 3.0 / 2, 2.0 / 3, 2.0 / 3])
    V = np.multiply.outer(scale, dim_map)
    V[::2] -= 0.5
    R = np.array([1, 1, 1, 1, 0.5, 0.5])
    return R[:, np.newaxis] * np.cos(np.pi * V)


def tonnetz_from_chroma(chroma: np.ndarray) -> np.ndarray:
    """Tonal centroids (frames, 6) from chroma (frames, 12), as ``librosa.feature.tonnetz``."""
    norm = np.sum(np.abs(chroma), axis=-1, keepdims=True)
    small = norm < np.finfo(chroma.dtype).tiny
    normalized = np.where(small, chroma, chroma / np.where(small, 1.0, norm))
    return normalized @ _tonnetz_basis().T
