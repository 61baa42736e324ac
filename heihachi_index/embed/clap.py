"""CLAP audio and text embeddings (LAION CLAP through transformers' ``ClapModel``).

Default checkpoint: ``laion/clap-htsat-unfused`` (HTSAT audio tower, RoBERTa text tower, 512-d
joint space, 48 kHz, 10 s windows). Do **not** use ``laion/larger_clap_music`` for text search: its
text tower maps every caption to nearly the same vector, so text queries cannot rank tracks.

Audio: consecutive 10 s windows (:mod:`.windows`; the last piece repeat-padded, as the feature
extractor's ``repeatpad``), each exactly ``nb_max_samples`` long, so the extractor's random
cropping (``rand_trunc`` / ``fusion``) can never trigger; for fused checkpoints ``is_longer`` is
set to ``False`` for every window instead of the extractor's random pick. The log-mel front end is
the extractor's (periodic Hann STFT, power, its own mel filters, ``10 log10(max(x, 1e-10))``),
computed in torch in float32 so it runs on the GPU. Window vectors are ``get_audio_features``
outputs (L2-normalised projections); the track vector is the L2-normalised mean of the window
vectors weighted by the real audio in each window.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from heihachi_index.embed.base import WindowEmbedder, cached_model
from heihachi_index.embed.device import autocast, resolve_device
from heihachi_index.embed.errors import CheckpointError, few_keys

log = logging.getLogger(__name__)

DEFAULT_CLAP_CHECKPOINT = "laion/clap-htsat-unfused"
DISCOURAGED_CHECKPOINTS = {
    "laion/larger_clap_music": "its text tower maps every caption to nearly the same vector (text search cannot rank)",
}
# Buffers that a checkpoint may lack without changing the model's outputs.
_HARMLESS_MISSING = ("position_ids", "num_batches_tracked")


def clap_log_mel(windows: torch.Tensor, mel_filters: torch.Tensor, n_fft: int, hop: int) -> torch.Tensor:
    """CLAP log-mel features ``(b, frames, n_mels)`` of windows ``(b, n)``, as ``ClapFeatureExtractor`` computes them.

    ``mel_filters`` is the extractor's ``(n_fft // 2 + 1, n_mels)`` filter matrix.
    """
    window = torch.hann_window(n_fft, periodic=True, dtype=torch.float32, device=windows.device)
    spec = torch.stft(windows.float(), n_fft, hop_length=hop, win_length=n_fft, window=window, center=True,
                      pad_mode="reflect", return_complex=True)
    mel = spec.abs().pow(2).transpose(1, 2) @ mel_filters
    return 10.0 * torch.log10(torch.clamp_min(mel, 1e-10))


class ClapEmbedder(WindowEmbedder):
    """CLAP embedder (audio windows and text) around a loaded ``ClapModel``.

    Parameters
    ----------
    model : transformers.ClapModel
        In eval mode, on ``device``.
    feature_extractor : transformers.ClapFeatureExtractor
        Gives the sample rate, window length, STFT and mel filters.
    tokenizer : transformers tokenizer
        The text tower's tokenizer.
    device : torch.device
    batch_size : int
        Windows (and texts) per forward pass.
    autocast : bool, optional
        Reduced precision on CUDA (default on; see :mod:`.device`).
    source : str
        Where the weights came from (for messages).
    """

    family = "clap"
    standardize = False  # text and audio vectors must stay in one space

    def __init__(self, model: Any, feature_extractor: Any, tokenizer: Any, *, device: torch.device,
                 batch_size: int = 16, autocast: bool | None = None, source: str = "") -> None:
        super().__init__(device=device, batch_size=batch_size, autocast=autocast)
        fe = feature_extractor
        self.model, self.feature_extractor, self.tokenizer, self.source = model, fe, tokenizer, source
        self.sample_rate = int(fe.sampling_rate)
        self.window_seconds = float(fe.nb_max_samples) / self.sample_rate
        self.dim = int(model.config.projection_dim)
        self.n_fft, self.hop = int(fe.fft_window_size), int(fe.hop_length)
        filters = fe.mel_filters if fe.truncation == "fusion" else fe.mel_filters_slaney
        self._filters = torch.tensor(np.asarray(filters), dtype=torch.float32, device=device)
        self._fused = bool(getattr(model.config.audio_config, "enable_fusion", False))

    @classmethod
    def from_pretrained(cls, path: str, *, device: str | torch.device = "auto", batch_size: int = 16,
                        autocast: bool | None = None) -> "ClapEmbedder":
        """Load from a local Hugging Face directory or a repo id present in the local HF cache (offline)."""
        dev = resolve_device(device)
        source = resolve_clap_source(path)
        if source is None:
            raise CheckpointError(f"CLAP checkpoint {path!r}: not a directory and not in the local Hugging Face cache")
        model, fe, tok = cached_model(("clap", source, str(dev)), lambda: load_clap_parts(source, dev))
        return cls(model, fe, tok, device=dev, batch_size=batch_size, autocast=autocast, source=source)

    def features(self, windows: torch.Tensor) -> torch.Tensor:
        """Model input ``(b, 1 or 4, frames, n_mels)`` for windows ``(b, window_length)`` (float32)."""
        with torch.autocast(self.device.type, enabled=False):
            mel = clap_log_mel(windows, self._filters, self.n_fft, self.hop).unsqueeze(1)
        return mel.expand(-1, 4, -1, -1) if self._fused else mel

    def _forward(self, windows: torch.Tensor) -> torch.Tensor:
        feats = self.features(windows)
        is_longer = torch.zeros((len(windows), 1), dtype=torch.bool, device=self.device)
        return self.model.get_audio_features(input_features=feats, is_longer=is_longer).pooler_output

    def _pool(self, outputs: np.ndarray, weights: np.ndarray) -> np.ndarray:
        mean = super()._pool(outputs, weights)
        norm = np.linalg.norm(mean)
        if not norm > 0:
            raise ValueError("CLAP window vectors cancel out (zero mean vector)")
        return mean / norm

    def encode_text(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised text vectors ``(n, dim)`` float32, in the same space as the audio vectors.

        Raises
        ------
        ValueError
            If ``texts`` is a bare string or holds an empty or non-string entry.
        """
        if self.tokenizer is None:
            raise CheckpointError(f"CLAP checkpoint {self.source}: no tokenizer, cannot encode text")
        if isinstance(texts, str):
            raise ValueError("encode_text expects a list of strings, got one string")
        texts = list(texts)
        for i, t in enumerate(texts):
            if not isinstance(t, str) or not t.strip():
                raise ValueError(f"text {i} is empty or not a string: {t!r}")
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        limit = int(self.model.config.text_config.max_position_embeddings) - 2
        max_length = min(int(getattr(self.tokenizer, "model_max_length", limit) or limit), limit)
        out = []
        for i in range(0, len(texts), self.batch_size):
            enc = self.tokenizer(texts[i:i + self.batch_size], padding=True, truncation=True, max_length=max_length,
                                 return_tensors="pt")
            enc = {k: v.to(self.device) for k, v in enc.items() if k in ("input_ids", "attention_mask")}
            with torch.inference_mode(), autocast(self.device, self.amp_dtype):
                vec = self.model.get_text_features(**enc).pooler_output
            out.append(vec.float().cpu().numpy())
        vecs = np.concatenate(out).astype(np.float32)
        return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)


def resolve_clap_source(path: str) -> str | None:
    """A local directory for ``path``, the repo id itself when it is in the local HF cache, else ``None``."""
    local = Path(path).expanduser()
    if local.is_dir():
        return str(local.resolve())
    if local.exists() or "/" not in path or path.startswith((".", "/", "~")):
        return None
    from huggingface_hub import try_to_load_from_cache
    try:
        found = try_to_load_from_cache(path, "config.json")
    except ValueError:  # not a valid repo id
        return None
    return path if isinstance(found, str) else None


def load_clap_parts(source: str, device: torch.device) -> tuple[Any, Any, Any]:
    """``(ClapModel, ClapFeatureExtractor, tokenizer)`` from a directory or cached repo id, offline.

    Raises
    ------
    CheckpointError
        If the files are not a CLAP checkpoint, or weights are missing or of the wrong shape.
    """
    from transformers import AutoTokenizer, ClapFeatureExtractor, ClapModel

    for name, why in DISCOURAGED_CHECKPOINTS.items():
        if name in source or name.replace("/", "--") in source:
            log.warning("CLAP checkpoint %s: %s; use %s instead", name, why, DEFAULT_CLAP_CHECKPOINT)
    try:
        model, info = ClapModel.from_pretrained(source, local_files_only=True, output_loading_info=True)
        fe = ClapFeatureExtractor.from_pretrained(source, local_files_only=True)
        tok = AutoTokenizer.from_pretrained(source, local_files_only=True)
    except (OSError, ValueError, KeyError, RuntimeError, TypeError) as exc:
        raise CheckpointError(f"CLAP checkpoint {source}: cannot load ({exc})") from exc
    missing = [k for k in info.get("missing_keys", []) if not k.endswith(_HARMLESS_MISSING)]
    mismatched = list(info.get("mismatched_keys", []))
    if missing or mismatched:
        raise CheckpointError(f"CLAP checkpoint {source}: weights do not match ClapModel "
                              f"(missing {few_keys(missing)}; wrong shape {few_keys(mismatched)})")
    if info.get("unexpected_keys"):
        log.info("CLAP checkpoint %s: ignoring unused weights %s", source, few_keys(info["unexpected_keys"]))
    return model.float().eval().to(device), fe, tok

