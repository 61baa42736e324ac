"""The whole drum analysis of a track: beat grid, drum hits, patterns, and the summary stored at ingest.

>>> result = analyze_drums(y, sr)                      # doctest: +SKIP
>>> result.summary()                                   # doctest: +SKIP
{'per_second': {'kick': 2.1, ...}, 'pattern': 'two_step', 'amen_similarity': 0.41, ...}
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Iterator

import numpy as np

from heihachi_index.analysis.beat import BeatGrid, beat_grid
from heihachi_index.analysis.drums import detect_hits, hits_summary
from heihachi_index.analysis.patterns import PATTERN_TYPES, PatternAnalysis, analyze_patterns
from heihachi_index.analysis.types import DRUM_CLASSES, OTHER, DrumHit
from heihachi_index.logs import get_logger

log = get_logger(__name__)


@dataclass
class DrumAnalysis:
    """Beat grid, hits and patterns of one signal (see :func:`analyze_drums`)."""

    duration: float
    grid: BeatGrid
    hits: list[DrumHit]
    patterns: PatternAnalysis

    def summary(self) -> dict[str, Any]:
        """What the index stores: hits per second by class and the pattern numbers."""
        rates = hits_summary(self.hits, self.duration)["per_second"]
        return {"per_second": {k: round(float(v), 4) for k, v in rates.items()}, **self.patterns.summary()}

    def to_dict(self) -> dict[str, Any]:
        return {"duration": round(self.duration, 4), "grid": self.grid.to_dict(),
                "hits": [h.to_dict() for h in self.hits], "patterns": self.patterns.to_dict(),
                "summary": self.summary()}


def analyze_drums(y: np.ndarray, sr: int, *, tempo_min: float = 60.0, tempo_max: float = 200.0,
                  model: Any = None) -> DrumAnalysis:
    """Beat grid, drum hits and patterns of mono audio.

    Parameters
    ----------
    y : np.ndarray
        Mono float audio.
    sr : int
        Sample rate.
    tempo_min, tempo_max : float
        Tempo search range (BPM).
    model : DrumClassifier or path, optional
        Drum classifier (default: the shipped weights).

    Returns
    -------
    DrumAnalysis

    Raises
    ------
    ValueError
        Subclasses for unusable input (empty, non-finite, too short for a beat grid).
    """
    hits = detect_hits(y, sr, model=model)
    grid = beat_grid(y, sr, hits=hits, tempo_min=tempo_min, tempo_max=tempo_max)
    patterns = analyze_patterns(hits, grid)
    return DrumAnalysis(float(len(y) / sr), grid, hits, patterns)


class BlockDrumSummary:
    """The drum summary of a long stream (a DJ mix), one block at a time in bounded memory.

    Each block is analysed on its own; the summary adds up hits per class over the whole duration and
    weighs the pattern numbers of each block by its bars (the pattern is the one with most bars).
    """

    def __init__(self, sr: int, *, tempo_min: float = 60.0, tempo_max: float = 200.0) -> None:
        self.sr, self.tempo_min, self.tempo_max = sr, tempo_min, tempo_max
        self.seconds = 0.0
        self.counts = dict.fromkeys((*DRUM_CLASSES, OTHER), 0)
        self.bars = dict.fromkeys(PATTERN_TYPES, 0.0)
        self._weighted = {"amen_similarity": 0.0, "swing": 0.0, "syncopation": 0.0, "density": 0.0}
        self._weight = 0.0

    def add(self, block: np.ndarray) -> None:
        """Analyse one block of mono audio at ``sr``."""
        self.seconds += len(block) / self.sr
        try:
            result = analyze_drums(block, self.sr, tempo_min=self.tempo_min, tempo_max=self.tempo_max)
        except ValueError as exc:  # a short last block, a silent stretch: it adds time, no hits
            log.debug("drum analysis skipped a block", extra={"reason": str(exc)})
            return
        for label, n in hits_summary(result.hits, result.duration)["counts"].items():
            self.counts[label] = self.counts.get(label, 0) + int(n)
        n_bars = float(result.patterns.n_bars)
        self.bars[result.patterns.pattern] = self.bars.get(result.patterns.pattern, 0.0) + n_bars
        if n_bars:
            summary = result.patterns.summary()
            for key in self._weighted:
                self._weighted[key] += n_bars * float(summary[key])
            self._weight += n_bars

    def tap(self, blocks: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        """Pass ``blocks`` through unchanged, analysing each on the way."""
        for block in blocks:
            self.add(np.asarray(block, dtype=np.float32))
            yield block

    def summary(self) -> dict[str, Any]:
        """The summary over everything added so far (same keys as :meth:`DrumAnalysis.summary`)."""
        seconds = max(self.seconds, 1e-9)
        pattern = max(self.bars, key=self.bars.get) if self._weight else "none"
        out: dict[str, Any] = {"per_second": {k: round(v / seconds, 4) for k, v in self.counts.items()},
                               "pattern": pattern}
        out.update({k: round(v / self._weight, 3) if self._weight else 0.0 for k, v in self._weighted.items()})
        return out
