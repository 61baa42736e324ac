"""Ground truth of a synthetic track and the rendered track itself."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

MOODS: tuple[str, ...] = ("aggressive", "dark", "melancholic", "calm", "uplifting", "euphoric")


def energy(tempo: float, density: float, distortion: float, drums: bool) -> float:
    """A 0-1 energy score: mostly density, then distortion and tempo; a track without drums is halved."""
    score = 0.5 * density + 0.3 * distortion + 0.2 * float(np.clip((tempo - 70.0) / 110.0, 0.0, 1.0))
    return float(score if drums else 0.5 * score)


def mood_label(mode: str, tempo: float, brightness: float, density: float, distortion: float,
               drums: bool) -> str:
    """Mood derived from the controls.

    With ``e = energy(...)``:

    - ``e < 0.3``: "calm" in major, "melancholic" in minor;
    - distortion >= 0.55 and ``e >= 0.5``: "aggressive";
    - minor: "dark" if brightness < 0.5, else "melancholic";
    - major: "euphoric" if brightness >= 0.6 and ``e >= 0.5``, else "uplifting".
    """
    e = energy(tempo, density, distortion, drums)
    if e < 0.3:
        return "calm" if mode == "major" else "melancholic"
    if distortion >= 0.55 and e >= 0.5:
        return "aggressive"
    if mode == "minor":
        return "dark" if brightness < 0.5 else "melancholic"
    return "euphoric" if brightness >= 0.6 and e >= 0.5 else "uplifting"


@dataclass
class GroundTruth:
    """Everything known about a synthetic track; JSON-serialisable through :meth:`to_dict`.

    Times are in seconds. ``hits`` are ``{"time", "label", "velocity"}`` with ``time`` the exact sample
    where that sound starts (swing and microtiming included) divided by the sample rate. ``sections``
    are contiguous, bar-aligned and cover ``[0, duration]``. ``chords`` are ``{"start", "end", "chord"}``.
    ``swing`` is the delay of odd 16th notes as a fraction of a 16th.
    """

    style: str
    seed: int
    tempo: float
    key: str
    mode: str
    camelot: str
    bass_type: str
    brightness: float
    density: float
    distortion: float
    drums: bool
    vocals: bool
    gain_db: float
    duration: float
    mood: str
    beats: list[float] = field(default_factory=list)
    downbeats: list[float] = field(default_factory=list)
    hits: list[dict[str, Any]] = field(default_factory=list)
    sections: list[dict[str, Any]] = field(default_factory=list)
    chords: list[dict[str, Any]] = field(default_factory=list)
    swing: float = 0.0
    sr: int = 44100
    kit: str = "synthetic"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GroundTruth:
        """Build from :meth:`to_dict` output; unknown keys (such as a manifest's ``"file"``) are ignored."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def hit_times(self, label: str | None = None) -> np.ndarray:
        """Times of all hits, or of one label, as a float array."""
        return np.array([h["time"] for h in self.hits if label is None or h["label"] == label], dtype=float)


@dataclass
class SynthTrack:
    """A rendered track: stereo float32 ``audio`` of shape ``(n, 2)`` at ``sr`` and its ``truth``.

    ``stems`` (only when asked for) holds the drums, bass, music (pads, keys, arps, leads), vocals and fx
    (risers) as ``(n, 2)`` arrays at the gain of the mix, before the master limiter and the end fade; the
    mix itself is the same with or without stems.
    """

    audio: np.ndarray
    sr: int
    truth: GroundTruth
    stems: dict[str, np.ndarray] | None = None

    def mono(self) -> np.ndarray:
        return self.audio.mean(axis=1).astype(np.float32)

    @property
    def duration(self) -> float:
        return self.audio.shape[0] / self.sr
