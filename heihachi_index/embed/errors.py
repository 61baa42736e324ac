"""Errors of the embedding layer."""
from __future__ import annotations

from typing import Any, Sequence


class EmbedError(RuntimeError):
    """An embedding model that cannot be loaded or used."""


class CheckpointError(EmbedError):
    """A checkpoint file or directory that is not what its family expects (missing, wrong keys, bad config)."""


def few_keys(keys: Sequence[Any], n: int = 5) -> str:
    """The first ``n`` keys, comma-separated, for error messages."""
    keys = [str(k) for k in keys]
    return ", ".join(keys[:n]) + (f" and {len(keys) - n} more" if len(keys) > n else "") if keys else "none"
