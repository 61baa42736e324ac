"""Finding the audio files an ingest was pointed at."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

AUDIO_EXTENSIONS = frozenset({
    ".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".mp4", ".aac", ".aif", ".aiff",
    ".aifc", ".w64", ".rf64", ".caf", ".wv", ".alac",
})


@dataclass(frozen=True)
class Discovery:
    files: list[Path]
    missing: list[Path]  # named paths that do not exist


def discover(paths: Iterable[str | os.PathLike[str]], recursive: bool = False) -> Discovery:
    """Expand files and folders into a sorted, de-duplicated list of audio files.

    A file named explicitly is always taken (its decoder decides whether it is audio); inside a
    folder only known audio extensions are taken, and sub-folders only with ``recursive``.
    """
    files: dict[Path, None] = {}
    missing: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            pattern = "**/*" if recursive else "*"
            for child in sorted(path.glob(pattern)):
                if child.is_file() and child.suffix.lower() in AUDIO_EXTENSIONS:
                    files[child.resolve()] = None
        elif path.exists():
            files[path.resolve()] = None
        else:
            missing.append(path)
    return Discovery(files=sorted(files), missing=missing)
