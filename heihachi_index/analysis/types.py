"""Small value types shared by the drum, beat and pattern analyses."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

DRUM_CLASSES: tuple[str, ...] = ("kick", "snare", "clap", "hihat_closed", "hihat_open", "tom", "crash", "ride")
"""The eight drum classes, in the order of the classifier's outputs; ``"other"`` is anything else."""

OTHER = "other"


@dataclass(frozen=True)
class DrumHit:
    """One drum hit: onset ``time`` in seconds, class ``label`` (one of :data:`DRUM_CLASSES` or ``"other"``),
    calibrated ``confidence`` in [0, 1] and ``velocity`` in [0, 1] from the hit's level.

    Layered sounds (kick and hi-hat on the same 16th) are separate hits with the same time.
    """

    time: float
    label: str
    confidence: float = 1.0
    velocity: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
