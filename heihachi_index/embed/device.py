"""Device and precision selection for the embedding models.

``auto`` picks CUDA when ``torch.cuda.is_available()``, else the CPU. On CUDA the transformer runs
under autocast in bfloat16 (float16 on GPUs without bf16); the front ends (STFT, Kaldi fbank, logs)
run outside autocast in float32, and pooled outputs are returned as float32. LayerNorm, softmax and
batch norm stay in float32 under autocast. On the CPU everything is float32.
"""
from __future__ import annotations

import contextlib
from typing import ContextManager

import torch


def resolve_device(name: str | torch.device | None = "auto") -> torch.device:
    """The torch device for a config value (``auto``, ``cpu``, ``cuda``, ``cuda:1``, ...).

    Raises
    ------
    ValueError
        If the name is not a device, or names CUDA on a machine without one.
    """
    if isinstance(name, torch.device):
        device = name
    elif name is None or str(name).strip().lower() in {"", "auto"}:
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        try:
            device = torch.device(str(name).strip())
        except RuntimeError as exc:
            raise ValueError(f"embed.device: {name!r} is not a torch device (use auto, cpu or cuda[:N])") from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"embed.device is {str(device)!r} but torch sees no CUDA device (use auto or cpu)")
    return device


def autocast_dtype(device: torch.device, enabled: bool | None = None) -> torch.dtype | None:
    """Reduced precision used for ``device``: bf16 (or fp16) on CUDA, ``None`` (float32) elsewhere.

    ``enabled=False`` forces float32; ``True`` on a CPU is ignored (CPU autocast is slower here).
    """
    if enabled is False or device.type != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def autocast(device: torch.device, dtype: torch.dtype | None) -> ContextManager:
    """``torch.autocast`` for ``dtype``, or a no-op context for float32."""
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)
