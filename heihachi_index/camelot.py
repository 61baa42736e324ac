"""Musical keys, Camelot codes and DJ-compatible keys."""
from __future__ import annotations

import re

PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_FLATS = {"Db": "C#", "Eb": "D#", "Gb": "F#", "Ab": "G#", "Bb": "A#", "Cb": "B", "Fb": "E", "E#": "F", "B#": "C"}
# Camelot number of each major key's tonic (B), minor keys are their relative minors (A).
_MAJOR_CAMELOT = {"B": 1, "F#": 2, "C#": 3, "G#": 4, "D#": 5, "A#": 6, "F": 7, "C": 8, "G": 9, "D": 10, "A": 11,
                  "E": 12}
_MINOR_CAMELOT = {"G#": 1, "D#": 2, "A#": 3, "F": 4, "C": 5, "G": 6, "D": 7, "A": 8, "E": 9, "B": 10, "F#": 11,
                  "C#": 12}
_KEY_RE = re.compile(r"^\s*([A-Ga-g])\s*([#b♯♭]?)\s*(maj(?:or)?|min(?:or)?|m)?\s*$")
_CAMELOT_RE = re.compile(r"^\s*(1[0-2]|[1-9])\s*([ABab])\s*$")


def normalize_pitch(name: str) -> str:
    name = name.strip().replace("♯", "#").replace("♭", "b")
    name = name[0].upper() + name[1:]
    return _FLATS.get(name, name)


def parse_key(text: str) -> tuple[str, str]:
    """Parse ``"F minor"``, ``"Fm"``, ``"Bb major"`` or a Camelot code ``"4A"`` into (tonic, mode).

    Raises
    ------
    ValueError
        If the text is not a key.
    """
    cam = _CAMELOT_RE.match(text)
    if cam:
        number, letter = int(cam.group(1)), cam.group(2).upper()
        table = _MINOR_CAMELOT if letter == "A" else _MAJOR_CAMELOT
        tonic = next(k for k, v in table.items() if v == number)
        return tonic, "minor" if letter == "A" else "major"
    m = _KEY_RE.match(text)
    if not m:
        raise ValueError(f"not a key: {text!r}")
    tonic = normalize_pitch(m.group(1) + m.group(2))
    quality = (m.group(3) or "major").lower()
    return tonic, "minor" if quality in {"m", "min", "minor"} else "major"


def camelot(tonic: str, mode: str) -> str:
    """Camelot code of a key, e.g. ``camelot("F", "minor") == "4A"``."""
    tonic = normalize_pitch(tonic)
    if mode == "minor":
        return f"{_MINOR_CAMELOT[tonic]}A"
    return f"{_MAJOR_CAMELOT[tonic]}B"


def key_name(tonic: str, mode: str) -> str:
    return f"{normalize_pitch(tonic)} {mode}"


def compatible_camelot(code: str) -> list[str]:
    """Keys a DJ can mix into from ``code``: same, ±1 on the wheel, and the relative major/minor."""
    m = _CAMELOT_RE.match(code)
    if not m:
        raise ValueError(f"not a Camelot code: {code!r}")
    number, letter = int(m.group(1)), m.group(2).upper()
    other = "B" if letter == "A" else "A"
    up = number % 12 + 1
    down = (number - 2) % 12 + 1
    return [f"{number}{letter}", f"{up}{letter}", f"{down}{letter}", f"{number}{other}"]
