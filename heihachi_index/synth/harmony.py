"""Keys, scales and chord progressions: the harmonic skeleton every pitched part follows."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from heihachi_index.camelot import PITCH_CLASSES, normalize_pitch

SCALES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
}

# Roman numeral -> (semitones above the tonic, chord quality). "V" in minor is the harmonic-minor
# dominant, whose leading tone makes minor keys unambiguous against their relative major.
_NUMERALS: dict[str, tuple[int, str]] = {
    "I": (0, "maj"), "ii": (2, "min"), "iii": (4, "min"), "IV": (5, "maj"), "V": (7, "maj"),
    "vi": (9, "min"), "i": (0, "min"), "III": (3, "maj"), "iv": (5, "min"), "v": (7, "min"),
    "VI": (8, "maj"), "VII": (10, "maj"),
}
_INTERVALS = {"maj": (0, 4, 7), "min": (0, 3, 7)}

# Four-chord loops, each starting on the tonic chord; most give the tonic chord half the time so the
# key is recognisable rather than ambiguous with the relative major/minor.
PROGRESSIONS: dict[str, tuple[tuple[str, ...], ...]] = {
    "minor": (
        ("i", "VI", "III", "VII"),
        ("i", "iv", "i", "V"),
        ("i", "i", "VI", "VII"),
        ("i", "VI", "i", "VII"),
        ("i", "iv", "VI", "V"),
    ),
    "major": (
        ("I", "V", "vi", "IV"),
        ("I", "IV", "I", "V"),
        ("I", "I", "IV", "V"),
        ("I", "vi", "IV", "V"),
        ("I", "IV", "vi", "V"),
    ),
}


@dataclass(frozen=True)
class Chord:
    """A triad: root pitch class (0 = C), quality ("maj"/"min") and its Roman numeral in the key."""

    root: int
    quality: str
    numeral: str

    @property
    def tones(self) -> tuple[int, int, int]:
        return tuple((self.root + i) % 12 for i in _INTERVALS[self.quality])  # type: ignore[return-value]

    @property
    def name(self) -> str:
        return PITCH_CLASSES[self.root] + ("m" if self.quality == "min" else "")


def pitch_class(tonic: str) -> int:
    return PITCH_CLASSES.index(normalize_pitch(tonic))


def scale_pitches(tonic: str, mode: str) -> tuple[int, ...]:
    """Pitch classes of the (natural) scale of a key."""
    root = pitch_class(tonic)
    return tuple((root + i) % 12 for i in SCALES[mode])


def chord(tonic: str, numeral: str) -> Chord:
    offset, quality = _NUMERALS[numeral]
    return Chord((pitch_class(tonic) + offset) % 12, quality, numeral)


def choose_progression(tonic: str, mode: str, rng: np.random.Generator) -> list[Chord]:
    options = PROGRESSIONS[mode]
    return [chord(tonic, numeral) for numeral in options[int(rng.integers(len(options)))]]


def place(pc: int, low: int) -> int:
    """The MIDI note of pitch class ``pc`` in the octave ``[low, low + 12)``."""
    return low + (pc - low) % 12


def voicing(ch: Chord, low: int) -> list[int]:
    """Close voicing of a chord with every tone in ``[low, low + 12)`` (smooth voice leading for free)."""
    return sorted(place(pc, low) for pc in ch.tones)
