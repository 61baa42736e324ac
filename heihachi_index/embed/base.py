"""What every embedder shares: the :class:`Embedding` result, windowing, batching, streaming, pooling.

An embedder turns mono audio into fixed windows (:mod:`.windows`), runs its model on batches of
windows, and pools the window outputs into one track vector, weighting each window by the seconds
of real (unpadded) audio it holds. :meth:`WindowEmbedder.embed` and :meth:`~WindowEmbedder.embed_blocks`
share one code path (the same windows in the same batches), so streaming a file block by block gives
exactly the vectors of embedding it whole.
"""
from __future__ import annotations

import abc
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import torch

from heihachi_index.audio.resample import Resampler
from heihachi_index.embed.device import autocast, autocast_dtype
from heihachi_index.embed.windows import WindowCutter

MIN_TAIL_SECONDS = 1.0


@dataclass
class Embedding:
    """One track's embedding.

    Attributes
    ----------
    vector : ndarray, shape (dim,)
        The track vector (float32).
    windows : ndarray, shape (n, dim)
        Raw per-window (CLAP) or per-segment (BEATs) outputs, float32.
    starts : ndarray, shape (n,)
        Start of each window in seconds.
    window_seconds : float
        Window length in seconds.
    durations : ndarray, shape (n,)
        Seconds of real audio in each window (the last one may be padded).
    """

    vector: np.ndarray
    windows: np.ndarray
    starts: np.ndarray
    window_seconds: float
    durations: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))


def check_samples(samples: Any, where: str = "samples") -> np.ndarray:
    """Mono float32 samples; a clear ``ValueError`` for anything else (never a silent fix)."""
    y = np.asarray(samples)
    if y.ndim != 1:
        raise ValueError(f"{where}: expected mono samples of shape (n,), got shape {y.shape} (downmix first)")
    if not np.issubdtype(y.dtype, np.floating):
        raise ValueError(f"{where}: expected float samples in [-1, 1], got dtype {y.dtype}")
    y = y.astype(np.float32, copy=False)
    if not np.all(np.isfinite(y)):
        raise ValueError(f"{where}: samples contain NaN or infinite values")
    return y


def check_rate(sr: Any) -> int:
    if isinstance(sr, bool) or not isinstance(sr, (int, np.integer)) or sr <= 0:
        raise ValueError(f"sample rate must be a positive integer, got {sr!r}")
    return int(sr)


class WindowEmbedder(abc.ABC):
    """Base of the CLAP and BEATs embedders.

    Subclasses set ``family``, ``dim``, ``sample_rate``, ``window_seconds``, ``device`` and implement
    :meth:`_forward` (a batch of windows -> their vectors) and optionally :meth:`_pool`.
    """

    family: str
    dim: int
    sample_rate: int
    window_seconds: float
    device: torch.device
    batch_size: int
    source: str = ""
    standardize: bool = True  # z-score the family in the index (CLAP: False, so text and audio share a space)

    def __init__(self, *, device: torch.device, batch_size: int = 16, autocast: bool | None = None) -> None:
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.device = device
        self.batch_size = int(batch_size)
        self.amp_dtype = autocast_dtype(device, autocast)

    # ---------------------------------------------------------------- subclass API
    @abc.abstractmethod
    def _forward(self, windows: torch.Tensor) -> torch.Tensor:
        """``(b, window_length)`` float32 on ``self.device`` -> ``(b, dim)`` vectors."""

    def _pool(self, outputs: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Track vector from window outputs: mean weighted by real audio per window."""
        return (weights[:, None] * outputs).sum(axis=0) / weights.sum()

    # ------------------------------------------------------------------ helpers
    @property
    def window_length(self) -> int:
        return int(round(self.window_seconds * self.sample_rate))

    @property
    def min_tail(self) -> int:
        return int(round(MIN_TAIL_SECONDS * self.sample_rate))

    def embed_windows(self, windows: np.ndarray) -> np.ndarray:
        """Model outputs ``(n, dim)`` float32 for windows ``(n, window_length)`` (one batch, no splitting)."""
        x = torch.from_numpy(np.ascontiguousarray(windows, dtype=np.float32)).to(self.device)
        with torch.inference_mode(), autocast(self.device, self.amp_dtype):
            out = self._forward(x)
        return out.float().cpu().numpy()

    def _assemble(self, outputs: np.ndarray, lengths: np.ndarray) -> Embedding:
        weights = lengths.astype(np.float64) / self.window_length
        vector = self._pool(outputs.astype(np.float64), weights).astype(np.float32)
        n = len(lengths)
        return Embedding(vector=vector, windows=outputs.astype(np.float32, copy=False),
                         starts=(np.arange(n) * self.window_seconds).astype(np.float64),
                         window_seconds=float(self.window_seconds),
                         durations=(lengths / self.sample_rate).astype(np.float32))

    # --------------------------------------------------------------- public API
    def stream(self, sr: int) -> "EmbeddingStream":
        """An incremental embedding of one track arriving in blocks at ``sr`` Hz (see :class:`EmbeddingStream`)."""
        return EmbeddingStream(self, sr)

    def embed(self, samples: np.ndarray, sr: int) -> Embedding:
        """Embed one track (mono float samples at ``sr`` Hz; resampled with soxr HQ when needed)."""
        return self.embed_blocks([samples], sr)

    def embed_blocks(self, blocks: Iterable[np.ndarray], sr: int) -> Embedding:
        """Embed one long track given as consecutive mono blocks, in memory bounded by the batch size.

        The result equals :meth:`embed` of the concatenated blocks.
        """
        stream = self.stream(sr)
        for block in blocks:
            stream.push(block)
        return stream.finish()

    def embed_many(self, items: Sequence[tuple[np.ndarray, int]]) -> list[Embedding]:
        """Embed several tracks, batching windows across tracks.

        Meant for many short files; stream long ones with :meth:`embed_blocks`.
        """
        results: list[Embedding | None] = [None] * len(items)
        outputs: list[list[np.ndarray]] = [[] for _ in items]
        lengths: list[list[int]] = [[] for _ in items]
        pending: list[tuple[int, np.ndarray]] = []
        remaining = [0] * len(items)

        def run() -> None:
            if not pending:
                return
            out = self.embed_windows(np.stack([w for _, w in pending]))
            for (owner, _), vec in zip(pending, out):
                outputs[owner].append(vec)
                remaining[owner] -= 1
                if remaining[owner] == 0:
                    results[owner] = self._assemble(np.stack(outputs[owner]), np.array(lengths[owner]))
                    outputs[owner] = []
            pending.clear()

        for i, (samples, sr) in enumerate(items):
            pairs = _cut(self, check_samples(samples, f"track {i}"), check_rate(sr))
            if not pairs:
                raise ValueError(f"track {i}: no samples to embed")
            remaining[i] = len(pairs)
            for w, n in pairs:
                lengths[i].append(n)
                pending.append((i, w))
                if len(pending) == self.batch_size:
                    run()
        run()
        return results  # type: ignore[return-value]


def _cut(embedder: WindowEmbedder, y: np.ndarray, sr: int) -> list[tuple[np.ndarray, int]]:
    resampler = Resampler(sr, embedder.sample_rate)
    cutter = WindowCutter(embedder.window_length, embedder.min_tail)
    pairs = cutter.push(resampler(y))
    return pairs + cutter.push(resampler.flush()) + cutter.finish()


class EmbeddingStream:
    """One track being embedded block by block: :meth:`push` blocks, then :meth:`finish`.

    Blocks are resampled with a streaming soxr resampler, cut into windows, and embedded a batch at a
    time; only the window outputs (a few KiB per window) are kept.
    """

    def __init__(self, embedder: WindowEmbedder, sr: int) -> None:
        self.embedder = embedder
        self.sr = check_rate(sr)
        self._resampler = Resampler(self.sr, embedder.sample_rate)
        self._cutter = WindowCutter(embedder.window_length, embedder.min_tail)
        self._pending: list[np.ndarray] = []
        self._lengths: list[int] = []
        self._outputs: list[np.ndarray] = []
        self._finished = False

    def push(self, block: np.ndarray) -> None:
        if self._finished:
            raise RuntimeError("push() after finish()")
        y = check_samples(block, "block")
        if len(y):
            self._add(self._cutter.push(self._resampler(y)))

    def _add(self, pairs: list[tuple[np.ndarray, int]]) -> None:
        for window, n in pairs:
            self._pending.append(window)
            self._lengths.append(n)
            if len(self._pending) == self.embedder.batch_size:
                self._run()

    def _run(self) -> None:
        if self._pending:
            self._outputs.append(self.embedder.embed_windows(np.stack(self._pending)))
            self._pending.clear()

    def finish(self) -> Embedding:
        """The track's :class:`Embedding`.

        Raises
        ------
        ValueError
            If no samples were pushed.
        """
        if self._finished:
            raise RuntimeError("finish() called twice")
        self._finished = True
        self._add(self._cutter.push(self._resampler.flush()))
        self._add(self._cutter.finish())
        self._run()
        if not self._lengths:
            raise ValueError("no samples to embed")
        return self.embedder._assemble(np.concatenate(self._outputs), np.array(self._lengths))


_MODELS: dict[tuple, Any] = {}
_MODELS_LOCK = threading.Lock()


def cached_model(key: tuple, load: Callable[[], Any]) -> Any:
    """Load a model once per process for ``key`` (family, resolved path, device)."""
    with _MODELS_LOCK:
        if key not in _MODELS:
            _MODELS[key] = load()
        return _MODELS[key]


def clear_model_cache() -> None:
    with _MODELS_LOCK:
        _MODELS.clear()
