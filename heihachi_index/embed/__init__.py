"""Neural embeddings: CLAP (audio + text, 512-d) and BEATs (audio, 768-d).

- :class:`Embedding` - a track vector plus its per-window vectors and their start times.
- :class:`ClapEmbedder`, :class:`BeatsEmbedder` - ``embed``, ``embed_many``, ``embed_blocks``
  (streamed long files), ``ClapEmbedder.encode_text``.
- :func:`load_embedders` - the embedders configured in ``cfg.embed`` and messages for missing ones.
- :class:`WindowStore` - window vectors on disk for moment search.
- :func:`backfill` - add the families to tracks already in the index.

Names are imported on first use, so that ``WindowStore`` (and this package) load without torch.
"""
from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "BackfillReport": "backfill", "BackfillResult": "backfill", "backfill": "backfill", "embed_file": "backfill",
    "Embedding": "base", "EmbeddingStream": "base", "WindowEmbedder": "base", "Embedder": "base",
    "clear_model_cache": "base",
    "BeatsEmbedder": "beats", "load_beats_checkpoint": "beats", "save_checkpoint": "beats",
    "ITER3_CONFIG": "beats_model", "BEATs": "beats_model", "BEATsConfig": "beats_model",
    "DEFAULT_CLAP_CHECKPOINT": "clap", "ClapEmbedder": "clap",
    "resolve_device": "device",
    "CheckpointError": "errors", "EmbedError": "errors",
    "FAMILIES": "loader", "load_embedders": "loader",
    "WindowSet": "store", "WindowStore": "store",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.{_WHERE[name]}")
    value = getattr(module, "WindowEmbedder" if name == "Embedder" else name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
