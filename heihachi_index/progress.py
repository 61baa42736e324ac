"""Progress bars that show on a terminal and stay quiet in CI or when output is piped."""
from __future__ import annotations

import os
import sys
from typing import Any, Iterable

from tqdm import tqdm


def progress_enabled() -> bool:
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        return False
    return sys.stderr.isatty()


def progress(iterable: Iterable[Any] | None = None, **kwargs: Any) -> tqdm:
    """A tqdm bar, disabled off-terminal unless ``disable`` is given explicitly."""
    kwargs.setdefault("disable", not progress_enabled())
    kwargs.setdefault("dynamic_ncols", True)
    kwargs.setdefault("file", sys.stderr)
    return tqdm(iterable, **kwargs)
