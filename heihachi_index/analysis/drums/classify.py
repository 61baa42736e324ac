"""Per-onset drum features and the small multi-label classifier (numpy inference, weights in an .npz)."""
from __future__ import annotations

import threading
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.fft
from numpy.lib.stride_tricks import sliding_window_view

from heihachi_index.analysis.drums.onsets import GROUPS, HOP, N_BANDS, N_FFT, SR, band_centres, band_matrix
from heihachi_index.analysis.types import DRUM_CLASSES, OTHER
from heihachi_index.features.spectrogram import hann

#: Outputs of the classifier, in order: the eight drum classes, then non-drum percussion.
OUTPUTS: tuple[str, ...] = (*DRUM_CLASSES, OTHER)
WEIGHTS_PATH = Path(__file__).with_name("drum_classifier.npz")

# Start (in samples at SR, relative to the onset) of the 1024-sample windows described per hit: one that
# ends just before the onset (what was already sounding), then windows over the attack and the decay (up
# to ~1 s, where crashes, rides and open hats differ).
WINDOW_STARTS: tuple[int, ...] = (-N_FFT - 64, -256, 0, 256, 768, 1792, 3840, 6400, 10240, 14336, 20480)
# Frames (relative to the onset frame) of the percussive band envelope also given to the classifier.
PERC_FRAMES: tuple[int, ...] = (-4, 0, 2, 4, 8, 16)
# Band levels further than this (dB) under the attack's loudest band all read as the floor (at -80, faint
# noise under a one-shot moved them by 0.3 standard deviations).
FLOOR_DB = -60.0
# Flatness is measured over a floor this far (dB) under the attack's mean bin power, so that a window or band
# with nothing audible in it reads as flat (1) whether it holds digital silence or faint noise: unfloored,
# noise 90 dB under a one-shot's peak moved the flatness features by 0.4 standard deviations and the
# isolated macro-F1 by 0.07.
FLAT_FLOOR_DB = -60.0
# Bands (Hz) whose level sets each class's velocity.
LEVEL_BANDS: dict[str, tuple[float, float]] = {
    "kick": (30.0, 150.0), "snare": (150.0, 5000.0), "clap": (600.0, 5000.0), "hihat_closed": (4000.0, 11025.0),
    "hihat_open": (4000.0, 11025.0), "tom": (60.0, 600.0), "crash": (3000.0, 11025.0), "ride": (3000.0, 11025.0),
    OTHER: (150.0, 11025.0),
}
#: Storage type of the layer weights: half precision halves the shipped file and moved a five-perceptron
#: ensemble's logits by at most 0.01 (99 % under 0.002) over 21k onsets; training rounds the weights (of the
#: convolutional nets too) to it before calibrating, so the shipped model is the one measured.
WEIGHT_DTYPE = np.float16
N_FEATURES = len(WINDOW_STARTS) * (N_BANDS + len(GROUPS)) + len(PERC_FRAMES) * N_BANDS + len(GROUPS)
# Layout of a feature row, written by :func:`hit_features`: relative band levels (windows x bands), flatness
# (windows x groups), percussive envelope (frames x bands), flux strengths (groups).
_LEVELS = slice(0, len(WINDOW_STARTS) * N_BANDS)
_FLATNESS = slice(_LEVELS.stop, _LEVELS.stop + len(WINDOW_STARTS) * len(GROUPS))
_ENVELOPE = slice(_FLATNESS.stop, _FLATNESS.stop + len(PERC_FRAMES) * N_BANDS)
_STRENGTH = slice(_ENVELOPE.stop, N_FEATURES)
#: Rows of the image that the convolutional members read: the band levels of each window, then the percussive
#: envelope of each frame, all over the same :data:`~.onsets.N_BANDS` bands.
IMAGE_ROWS = len(WINDOW_STARTS) + len(PERC_FRAMES)
#: Per-hit features the convolutional members read beside the image: flatness and flux strengths.
N_SIDE = len(WINDOW_STARTS) * len(GROUPS) + len(GROUPS)
# Onsets per block through the convolutional members (bounds memory on hour-long mixes: ~50 MB a block).
_CONV_BLOCK = 1024


class DrumModelError(RuntimeError):
    """The drum classifier's weights are missing or unreadable."""


#: What reading a damaged or foreign weights file (.npz) raises: a truncated zip raises ``BadZipFile`` or
#: ``EOFError``, neither an ``OSError``.
UNREADABLE_NPZ: tuple[type[BaseException], ...] = (OSError, KeyError, ValueError, IndexError, TypeError, EOFError,
                                                   zipfile.BadZipFile)


@lru_cache(maxsize=2)
def _group_bins(n_fft: int = N_FFT, sr: int = SR) -> tuple[slice, ...]:
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    return tuple(slice(int(np.searchsorted(freqs, lo)), int(np.searchsorted(freqs, hi))) for lo, hi in GROUPS)


def _band_db(y: np.ndarray, samples: np.ndarray, block: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Band power in dB (onsets, windows, bands) of the windows of :data:`WINDOW_STARTS` around each onset,
    and the spectral flatness (onsets, windows, groups) of each band group of :data:`GROUPS` in them.

    Flatness (geometric over arithmetic mean of the bins' power, 0 for pure tones, 1 for white noise) tells a
    ride's or cowbell's partials from the noise of a crash or a hi-hat, which band levels cannot."""
    pad = N_FFT + 64
    tail = WINDOW_STARTS[-1] + N_FFT
    yp = np.concatenate([np.zeros(pad, np.float32), y, np.zeros(tail, np.float32)])
    window = hann(N_FFT)
    W = band_matrix()
    starts = np.asarray(WINDOW_STARTS)[None, :] + pad
    out = np.empty((len(samples), len(WINDOW_STARTS), N_BANDS), dtype=np.float32)
    flat = np.empty((len(samples), len(WINDOW_STARTS), len(GROUPS)), dtype=np.float32)
    ar = np.arange(N_FFT)
    bins = _group_bins()
    for b in range(0, len(samples), block):
        idx = samples[b : b + block, None] + starts
        frames = yp[idx[..., None] + ar] * window
        P = np.abs(scipy.fft.rfft(frames, axis=-1, workers=1)) ** 2 + 1e-10
        out[b : b + block] = 10.0 * np.log10(P @ W)
        P += P[:, 1:3].mean(axis=-1).max(axis=1)[:, None, None] * 10.0 ** (FLAT_FLOOR_DB / 10.0)
        logP = np.log(P)
        for g, sl in enumerate(bins):
            flat[b : b + block, :, g] = np.exp(logP[..., sl].mean(axis=-1)) / P[..., sl].mean(axis=-1)
    np.clip(flat, 0.0, 1.0, out=flat)  # float rounding: a flat floor gives 1 + 1e-7
    return out, flat


@dataclass(frozen=True)
class HitFeatures:
    """Classifier input ``x`` (onsets, :data:`N_FEATURES`) and the per-class ``level_db`` (onsets, outputs)
    used for velocities."""

    x: np.ndarray
    level_db: np.ndarray


def hit_features(y: np.ndarray, samples: np.ndarray, perc: np.ndarray, strength: np.ndarray) -> HitFeatures:
    """Features of the onsets at ``samples`` of audio ``y`` at :data:`SR`.

    Parameters
    ----------
    y : np.ndarray
        Mono float32 audio at :data:`SR`.
    samples : np.ndarray
        Onset samples.
    perc : np.ndarray
        Percussive band envelope (frames, bands) from :func:`~.onsets.percussive_bands`.
    strength : np.ndarray
        Flux peak strengths (onsets, groups) from :func:`~.onsets.detect_onsets`.
    """
    samples = np.asarray(samples, dtype=np.int64)
    n = len(samples)
    if n == 0:
        return HitFeatures(np.zeros((0, N_FEATURES), np.float32), np.zeros((0, len(OUTPUTS)), np.float32))
    db, flat = _band_db(y, samples)
    # Level-free shape: dB relative to the loudest band of the attack windows.
    ref = db[:, 1:3].max(axis=(1, 2))
    rel = np.maximum(db - ref[:, None, None], FLOOR_DB) / -FLOOR_DB
    frames = np.clip(samples[:, None] // HOP + np.asarray(PERC_FRAMES)[None, :], 0, perc.shape[0] - 1)
    pf = perc[frames] / (perc[frames].max(axis=(1, 2), keepdims=True) + 1e-3)
    st = strength / (strength.max(axis=1, keepdims=True) + 1e-6)
    x = np.empty((n, N_FEATURES), dtype=np.float32)  # laid out by the slices that conv_inputs reads back
    x[:, _LEVELS], x[:, _FLATNESS], x[:, _ENVELOPE], x[:, _STRENGTH] = (rel.reshape(n, -1), flat.reshape(n, -1),
                                                                        pf.reshape(n, -1), st)
    # Velocity level: power added in the class's band by the attack over what sounded before.
    centres = band_centres()
    p_post = 10.0 ** (db[:, 2] / 10.0)
    p_pre = 10.0 ** (db[:, 0] / 10.0)
    added = np.maximum(p_post - p_pre, 1e-10)
    level = np.empty((n, len(OUTPUTS)), dtype=np.float32)
    for k, name in enumerate(OUTPUTS):
        lo, hi = LEVEL_BANDS[name]
        sel = (centres >= lo) & (centres < hi)
        level[:, k] = 10.0 * np.log10(added[:, sel].sum(axis=1))
    return HitFeatures(x, level)


def conv_inputs(x: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inputs of the convolutional members for feature rows ``x``: the image (onsets, :data:`IMAGE_ROWS`,
    bands) of band levels and percussive envelope, centred on 0 but not standardised (a standardisation per
    band would give each band its own scale and spoil the weights shared along frequency), and the
    standardised side features (onsets, :data:`N_SIDE`)."""
    x = np.asarray(x, np.float32)
    n = len(x)
    image = np.concatenate([x[:, _LEVELS].reshape(n, len(WINDOW_STARTS), N_BANDS) + 0.5,
                            x[:, _ENVELOPE].reshape(n, len(PERC_FRAMES), N_BANDS) - 0.5], axis=1)
    cols = np.r_[_FLATNESS, _STRENGTH]
    return image, (x[:, cols] - mean[cols]) / scale[cols]


def _conv_bands(h: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """'Same' convolution along the bands of ``h`` (onsets, bands, channels in) with ``w`` (channels out,
    channels in, taps): (onsets, bands, channels out), as torch's ``Conv1d``."""
    pad = w.shape[-1] // 2
    windows = sliding_window_view(np.pad(h, ((0, 0), (pad, pad), (0, 0))), w.shape[-1], axis=1)
    n, bands = windows.shape[:2]
    out = windows.reshape(n * bands, -1) @ w.reshape(len(w), -1).T
    out += b
    return out.reshape(n, bands, len(w))


def _relu_pool(h: np.ndarray) -> np.ndarray:
    """ReLU, then the max of each pair of neighbouring bands of ``h`` (onsets, bands, channels)."""
    even = h.shape[1] // 2 * 2
    out = np.maximum(h[:, 0:even:2], h[:, 1:even:2])
    return np.maximum(out, 0.0, out=out)


@dataclass(frozen=True)
class ConvNets:
    """Ensemble members that read the hit as an image: two convolutions along frequency (the windows and
    frames as channels: the same filters at every band, so that a retuned sound gives the same local
    patterns, though the hidden layer still knows roughly where they lie), each followed by ReLU and pooling
    of band pairs, then a ReLU hidden layer over the pooled maps and the side features, and the output layer.

    ``layers`` holds weights and biases in turn: conv 1 (m, c1, :data:`IMAGE_ROWS`, taps), (m, c1); conv 2
    (m, c2, c1, taps), (m, c2); hidden (m, inputs, hidden), (m, hidden); output (m, hidden, outputs),
    (m, outputs), for ``m`` members."""

    layers: tuple[np.ndarray, ...]

    @staticmethod
    def stored_dtype(i: int) -> type:
        """Storage type of ``layers[i]``: :data:`WEIGHT_DTYPE` for weights, float32 for biases."""
        return WEIGHT_DTYPE if i % 2 == 0 else np.float32

    @property
    def members(self) -> int:
        return int(self.layers[0].shape[0])

    def shape_error(self, members: int) -> str | None:
        """What is wrong with the shapes of :attr:`layers` for ``members`` members, or None."""
        if len(self.layers) != 8:
            return f"{len(self.layers)} arrays, not 8"
        if [a.ndim for a in self.layers] != [4, 2, 4, 2, 3, 2, 3, 2]:
            return f"arrays of {[a.ndim for a in self.layers]} dimensions"
        c1, c1b, c2, c2b, w1, b1, w2, b2 = self.layers
        if {a.shape[0] for a in self.layers} != {members}:
            return f"members {sorted({a.shape[0] for a in self.layers})}, not {members} as the perceptrons"
        expected = [(c1.shape[1], IMAGE_ROWS, c1.shape[3]), (c1.shape[1],), (c2.shape[1], c1.shape[1], c2.shape[3]),
                    (c2.shape[1],), (c2.shape[1] * (N_BANDS // 4) + N_SIDE, w1.shape[2]), (w1.shape[2],),
                    (w1.shape[2], len(OUTPUTS)), (len(OUTPUTS),)]
        for i, (a, e) in enumerate(zip(self.layers, expected)):
            if a.shape[1:] != e:
                return f"array {i} of shape {a.shape[1:]}, not {e}"
        if c1.shape[3] % 2 == 0 or c2.shape[3] % 2 == 0:
            return "convolutions with an even number of taps"
        return None

    def logits(self, image: np.ndarray, side: np.ndarray) -> np.ndarray:
        """Logits (members, onsets, :data:`OUTPUTS`) of the inputs from :func:`conv_inputs`."""
        c1, c1b, c2, c2b, w1, b1, w2, b2 = self.layers
        m_all, width = c1.shape[:2]
        out = np.empty((m_all, len(image), w2.shape[-1]), np.float32)
        for s in range(0, len(image), _CONV_BLOCK):
            img, sd = image[s : s + _CONV_BLOCK].transpose(0, 2, 1), side[s : s + _CONV_BLOCK]
            # The first convolution of every member in one product: they all read the same image.
            first = _conv_bands(img, c1.reshape(m_all * width, *c1.shape[2:]), c1b.reshape(-1))
            for m in range(m_all):
                h = _relu_pool(_conv_bands(_relu_pool(first[..., m * width : (m + 1) * width]), c2[m], c2b[m]))
                h = np.concatenate([h.transpose(0, 2, 1).reshape(len(h), -1), sd], axis=1)
                out[m, s : s + len(h)] = np.maximum(h @ w1[m] + b1[m], 0.0) @ w2[m] + b2[m]
        return out


def active_outputs(proba: np.ndarray, threshold: np.ndarray, layered: np.ndarray | None = None,
                   exclusive: int | None = None) -> np.ndarray:
    """Active outputs (rows, outputs, bool) of probabilities ``proba``: an output reaches ``threshold``
    and, unless it is the row's most probable output, ``layered`` too (None: no second test); output
    ``exclusive`` is never active beside another active output."""
    active = proba >= threshold
    if layered is not None and len(proba):
        beside = proba >= layered
        beside[np.arange(len(proba)), proba.argmax(axis=1)] = True
        active &= beside
    if exclusive is not None:
        active[:, exclusive] &= ~np.delete(active, exclusive, axis=1).any(axis=1)
    return active


@dataclass(frozen=True)
class DrumClassifier:
    """An ensemble of multi-layer perceptrons with ReLU hidden layers and, optionally, of convolutional nets
    (:class:`ConvNets`), their logits averaged, and per-output Platt calibration of the mean logits.

    Layer ``i`` of the ``m`` perceptrons is ``weights[i]`` (m, inputs, outputs) and ``biases[i]`` (m, outputs);
    all members share the input standardisation ``mean`` and ``scale``. An output is active at an onset when
    its probability reaches ``threshold`` and, unless it is the onset's most probable output, also
    ``layered_threshold`` (see :meth:`decide`)."""

    mean: np.ndarray
    scale: np.ndarray
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    cal_a: np.ndarray
    cal_b: np.ndarray
    threshold: np.ndarray
    #: Onset detector settings (:func:`~.onsets.detect_onsets`) the classifier was trained with.
    onset_delta: float = 0.08
    onset_rel: float = 0.12
    conv: ConvNets | None = None
    #: Per-output threshold that an output also needs where it is not the onset's most probable one (a layered
    #: hit). None: ``threshold`` alone.
    layered_threshold: np.ndarray | None = None

    @property
    def members(self) -> int:
        """Number of perceptrons (the convolutional members are counted by ``conv.members``)."""
        return int(self.weights[0].shape[0])

    def member_logits(self, x: np.ndarray) -> np.ndarray:
        """Output logits (members, onsets, :data:`OUTPUTS`) of every member: the perceptrons, then the
        convolutional nets."""
        x = np.asarray(x, np.float32)
        h = ((x - self.mean) / self.scale)[None]
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = h @ w + b[:, None, :]
            if i < len(self.weights) - 1:
                np.maximum(h, 0.0, out=h)
        if self.conv is None:
            return h
        return np.concatenate([h, self.conv.logits(*conv_inputs(x, self.mean, self.scale))])

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Mean over the members of their output logits (onsets, :data:`OUTPUTS`)."""
        return self.member_logits(x).mean(axis=0)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Calibrated probabilities (onsets, :data:`OUTPUTS`)."""
        return self.calibrated(self.logits(x))

    def calibrated(self, logits: np.ndarray) -> np.ndarray:
        """Probabilities of ``logits`` (onsets, :data:`OUTPUTS`) through the Platt calibration."""
        z = self.cal_a * logits + self.cal_b
        return (1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))).astype(np.float32)

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """Active outputs (onsets, :data:`OUTPUTS`, bool) of the probabilities ``proba``.

        The onset's most probable output needs ``threshold``; any other needs ``layered_threshold`` too:
        a sound that is one drum also lifts the probabilities of the classes it resembles (a kick's beater
        click reads a little as a hi-hat), so a label beside the top one may need more evidence. Both are
        fitted on out-of-fold predictions (:func:`~.train.best_thresholds`). ``"other"`` (non-drum
        percussion) is never active beside a drum class."""
        return active_outputs(proba, self.threshold, self.layered_threshold, exclusive=OUTPUTS.index(OTHER))

    def save(self, path: str | Path, **meta: object) -> None:
        arrays: dict[str, np.ndarray] = {
            "mean": self.mean, "scale": self.scale, "cal_a": self.cal_a, "cal_b": self.cal_b,
            "threshold": self.threshold, "n_layers": np.array(len(self.weights)),
            "onset_delta": np.array(self.onset_delta), "onset_rel": np.array(self.onset_rel),
            "outputs": np.array(OUTPUTS), "n_features": np.array(N_FEATURES),
        }
        if self.layered_threshold is not None:
            arrays["layered_threshold"] = self.layered_threshold
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            arrays[f"w{i}"] = w.astype(WEIGHT_DTYPE)
            arrays[f"b{i}"] = b.astype(np.float32)
        if self.conv is not None:
            arrays["n_conv_arrays"] = np.array(len(self.conv.layers))
            for i, a in enumerate(self.conv.layers):
                arrays[f"conv{i}"] = a.astype(ConvNets.stored_dtype(i))
        for k, v in meta.items():
            arrays[f"meta_{k}"] = np.array(v)
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: str | Path) -> DrumClassifier:
        """Read weights written by :meth:`save`.

        Raises
        ------
        DrumModelError
            If the file is missing, unreadable or made for other features or outputs.
        """
        path = Path(path)
        if not path.is_file():
            raise DrumModelError(f"drum classifier weights not found at {path}; "
                                 "train them with `heihachi-index train-drums`")
        try:
            with np.load(path) as z:
                if tuple(str(s) for s in z["outputs"]) != OUTPUTS or int(z["n_features"]) != N_FEATURES:
                    raise DrumModelError(f"{path}: weights are for other outputs or features; retrain them")
                n = int(z["n_layers"])
                ws = tuple(z[f"w{i}"].astype(np.float32) for i in range(n))
                bs = tuple(z[f"b{i}"].astype(np.float32) for i in range(n))
                if any(w.ndim != 3 for w in ws):
                    raise DrumModelError(f"{path}: weights are not an ensemble's (members, inputs, outputs); "
                                         "retrain them")
                conv = None
                if "n_conv_arrays" in z:
                    conv = ConvNets(tuple(z[f"conv{i}"].astype(np.float32) for i in range(int(z["n_conv_arrays"]))))
                    problem = conv.shape_error(ws[0].shape[0])
                    if problem:
                        raise DrumModelError(f"{path}: convolutional members of another shape ({problem}); "
                                             "retrain them")
                layered = z["layered_threshold"] if "layered_threshold" in z else None
                if layered is not None and layered.shape != z["threshold"].shape:
                    raise DrumModelError(f"{path}: layered thresholds of shape {layered.shape}, not "
                                         f"{z['threshold'].shape}; retrain them")
                return cls(z["mean"], z["scale"], ws, bs, z["cal_a"], z["cal_b"], z["threshold"],
                           float(z["onset_delta"]), float(z["onset_rel"]), conv, layered)
        except UNREADABLE_NPZ as exc:
            raise DrumModelError(f"{path}: unreadable drum classifier weights ({exc})") from exc


_lock = threading.Lock()
_cache: dict[Path, DrumClassifier] = {}


def load_classifier(path: str | Path | None = None) -> DrumClassifier:
    """The classifier at ``path`` (default: the shipped weights), loaded once per process."""
    key = Path(path) if path is not None else WEIGHTS_PATH
    with _lock:
        if key not in _cache:
            _cache[key] = DrumClassifier.load(key)
        return _cache[key]
