"""Turn a query (track id, raw vector or audio file) into a standardised vector."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Union

import numpy as np

from heihachi_index.index.ids import is_track_id, normalize_track_id
from heihachi_index.index.track_index import Featurizer, TrackIndex

Query = Union[str, os.PathLike, np.ndarray]


@dataclass(frozen=True)
class ResolvedQuery:
    """A query as a standardised vector, and the track id when it came from the index."""

    vector: np.ndarray
    track_id: str | None = None


def _featurizer(index: TrackIndex, family: str,
                featurize: Featurizer | Mapping[str, Featurizer] | None) -> Callable[[str], Any]:
    fn = featurize if featurize is not None else index.featurize
    if isinstance(fn, Mapping):
        fn = fn.get(family)
    if fn is None:
        raise ValueError(f"audio-file queries on family {family!r} need a featurizer: "
                         "pass featurize= to TrackIndex or to similar()")
    return fn


def resolve_query(index: TrackIndex, query: Query, family: str,
                  featurize: Featurizer | Mapping[str, Featurizer] | None = None) -> ResolvedQuery:
    """Resolve ``query``.

    * ``np.ndarray`` (or list of numbers): a raw vector, standardised with the stored statistics.
    * ``str`` that is a track id in the index: that track's stored vector.
    * ``str`` / path-like naming an existing file: featurised on the fly, then standardised; a
      featurizer that also returns the file's track id lets ``similar`` leave that track out.

    Raises
    ------
    TrackNotFoundError
        A track id that is neither in the index nor an existing file.
    FileNotFoundError
        A string that is neither a track id nor an existing file.
    """
    if isinstance(query, (np.ndarray, list, tuple)):
        return ResolvedQuery(index.standardize(np.asarray(query, dtype=np.float32), family))
    if not isinstance(query, (str, os.PathLike)):
        raise TypeError(f"query must be a track id, a raw vector or an audio file path, got {type(query).__name__}")
    text = os.fspath(query)
    path = Path(text).expanduser()
    if isinstance(query, str) and is_track_id(text) and not path.is_file():
        tid = normalize_track_id(text)
        return ResolvedQuery(index.vector(tid, family), tid)
    if not path.is_file():
        raise FileNotFoundError(f"query {text!r} is neither a track id in the index nor an audio file")
    out = _featurizer(index, family, featurize)(str(path))
    raw, track_id = out if isinstance(out, tuple) else (out, None)
    return ResolvedQuery(index.standardize(np.asarray(raw, dtype=np.float32), family),
                         normalize_track_id(track_id) if track_id else None)

