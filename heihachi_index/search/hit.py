"""Search result."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Hit:
    """One similar track.

    Attributes
    ----------
    track_id : str
    score : float
        Cosine similarity to the query.
    payload : dict
        Stored payload.
    explanation : dict of str to float, optional
        Feature group -> contribution to ``score`` (they sum to it), when asked for.
    """

    track_id: str
    score: float
    payload: dict[str, Any]
    explanation: dict[str, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
