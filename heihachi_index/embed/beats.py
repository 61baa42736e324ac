"""BEATs embeddings from an official checkpoint (``BEATs_iter3_plus_AS2M.pt`` and the like).

16 kHz audio in consecutive 10 s windows (the last piece repeat-padded, see :mod:`.windows`);
each window -> 128-bin Kaldi fbank (:mod:`.fbank`, BEATs' normalisation) -> encoder tokens. A
window's segment vector is the mean of its tokens; the track vector is the mean of the segment
vectors weighted by the real audio in each window (all windows have the same number of tokens, so
this is the mean of the frame features). Vectors are not normalised; the index z-scores them.
"""
from __future__ import annotations

import logging
import os
import pickle
from pathlib import Path
from typing import Any

import torch

from heihachi_index.embed.base import WindowEmbedder, cached_model
from heihachi_index.embed.beats_model import BEATs, BEATsConfig, official_state_dict
from heihachi_index.embed.device import resolve_device
from heihachi_index.embed.errors import CheckpointError, few_keys
from heihachi_index.embed.fbank import beats_features

log = logging.getLogger(__name__)

DEFAULT_BEATS_CHECKPOINT = "BEATs_iter3_plus_AS2M.pt"
BEATS_SAMPLE_RATE = 16000
BEATS_WINDOW_SECONDS = 10.0


class BeatsEmbedder(WindowEmbedder):
    """BEATs embedder around a loaded :class:`~.beats_model.BEATs` (eval mode, on ``device``)."""

    family = "beats"
    standardize = True
    sample_rate = BEATS_SAMPLE_RATE
    window_seconds = BEATS_WINDOW_SECONDS

    def __init__(self, model: BEATs, *, device: torch.device, batch_size: int = 16, autocast: bool | None = None,
                 source: str = "") -> None:
        super().__init__(device=device, batch_size=batch_size, autocast=autocast)
        self.model, self.source = model, source
        self.dim = int(model.cfg.encoder_embed_dim)

    @classmethod
    def from_checkpoint(cls, path: str | os.PathLike[str], *, device: str | torch.device = "auto",
                        batch_size: int = 16, autocast: bool | None = None) -> "BeatsEmbedder":
        """Load an official BEATs checkpoint (once per process and device)."""
        dev = resolve_device(device)
        resolved = str(Path(path).expanduser().resolve())
        model = cached_model(("beats", resolved, str(dev)), lambda: load_beats_checkpoint(resolved).to(dev))
        return cls(model, device=dev, batch_size=batch_size, autocast=autocast, source=resolved)

    def _forward(self, windows: torch.Tensor) -> torch.Tensor:
        with torch.autocast(self.device.type, enabled=False):
            fbank = beats_features(windows)
        return self.model(fbank).float().mean(dim=1)


def read_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """``torch.load`` of a BEATs checkpoint, tensors only when possible.

    Official files hold plain dicts and tensors and load with ``weights_only=True``. A file that
    needs full unpickling is loaded that way with a warning: it was named in the configuration,
    so it is trusted as much as any code the operator installs.
    """
    p = Path(path)
    if not p.is_file():
        raise CheckpointError(f"BEATs checkpoint {p}: no such file")
    try:
        ckpt = torch.load(p, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        try:
            ckpt = torch.load(p, map_location="cpu", weights_only=False)
        except Exception as exc:  # any unpickling failure means "not a checkpoint"
            raise CheckpointError(f"BEATs checkpoint {p}: not a PyTorch checkpoint ({exc})") from exc
        log.warning("BEATs checkpoint %s holds Python objects besides tensors; loaded it with full unpickling", p)
    except (RuntimeError, EOFError, OSError) as exc:
        raise CheckpointError(f"BEATs checkpoint {p}: not a PyTorch checkpoint ({exc})") from exc
    if not isinstance(ckpt, dict) or "cfg" not in ckpt or "model" not in ckpt:
        keys = sorted(ckpt)[:8] if isinstance(ckpt, dict) else type(ckpt).__name__
        raise CheckpointError(f"BEATs checkpoint {p}: expected a dict with 'cfg' and 'model' (the official format), "
                              f"got {keys}")
    return ckpt


def load_beats_checkpoint(path: str | os.PathLike[str]) -> BEATs:
    """The BEATs encoder of an official checkpoint, weights loaded strictly, in eval mode on the CPU.

    Raises
    ------
    CheckpointError
        If the file is missing, not in the official format, or its weights do not match its ``cfg``.
    """
    ckpt = read_checkpoint(path)
    raw_cfg = ckpt["cfg"]
    if not isinstance(raw_cfg, dict):
        raw_cfg = getattr(raw_cfg, "__dict__", None)
        if not isinstance(raw_cfg, dict):
            raise CheckpointError(f"BEATs checkpoint {path}: 'cfg' is not a dict of BEATsConfig fields")
    try:
        cfg = BEATsConfig.from_dict(raw_cfg)
        model = BEATs(cfg)
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"BEATs checkpoint {path}: unusable cfg ({exc})") from exc
    state = official_state_dict(ckpt["model"], cfg)
    expected, given = set(model.state_dict()), set(state)
    missing, unexpected = sorted(expected - given), sorted(given - expected)
    if missing or unexpected:
        raise CheckpointError(f"BEATs checkpoint {path}: weights do not match the architecture in its cfg "
                              f"(missing {few_keys(missing)}; unexpected {few_keys(unexpected)})")
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise CheckpointError(f"BEATs checkpoint {path}: weights do not match the architecture in its cfg "
                              f"({str(exc).splitlines()[-1].strip()})") from exc
    return model.eval()


def save_checkpoint(model: BEATs, path: str | os.PathLike[str]) -> None:
    """Write ``model`` in the official format (``{"cfg": dict, "model": state_dict}``)."""
    torch.save({"cfg": model.cfg.to_dict(), "model": model.state_dict()}, path)
