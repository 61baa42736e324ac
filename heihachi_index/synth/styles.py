"""Per-style defaults: tempo range, control ranges and which parts play."""
from __future__ import annotations

from dataclasses import dataclass

STYLES: tuple[str, ...] = ("neurofunk", "liquid", "jungle", "dubstep", "techno", "house", "hiphop", "ambient")
BASS_TYPES: tuple[str, ...] = ("sub", "reese", "wobble", "none")


@dataclass(frozen=True)
class StyleSpec:
    """What a style sounds like by default; every range is drawn from uniformly by the seeded RNG.

    ``parts`` names the melodic parts besides bass: pad, keys (electric piano comping), stab (short
    filtered chord), pluck (arpeggio), lead (monophonic melody).
    """

    name: str
    tempo: tuple[float, float]
    p_minor: float
    bass: tuple[str, ...]
    bass_weights: tuple[float, ...]
    brightness: tuple[float, float]
    density: tuple[float, float]
    distortion: tuple[float, float]
    drums: bool = True
    swing: tuple[float, float] = (0.0, 0.0)
    # Microtiming: standard deviation in ms of a per-hit random offset (humanised/chopped breaks).
    jitter_ms: float = 0.0
    bars_per_chord: int = 1
    parts: tuple[str, ...] = ("pad",)
    arp_step: int = 2                    # arpeggio note length in 16th steps
    tom_fills: bool = False
    four_on_floor: bool = False


STYLE_SPECS: dict[str, StyleSpec] = {
    "neurofunk": StyleSpec(
        "neurofunk", (170, 178), 0.95, ("reese", "sub"), (0.9, 0.1), (0.3, 0.6), (0.6, 0.95), (0.55, 0.95),
        bars_per_chord=2, parts=("pad", "stab"), tom_fills=True),
    "liquid": StyleSpec(
        "liquid", (168, 176), 0.6, ("sub", "reese"), (0.85, 0.15), (0.5, 0.85), (0.4, 0.8), (0.0, 0.15),
        bars_per_chord=2, parts=("pad", "keys", "pluck"), arp_step=1, tom_fills=True),
    "jungle": StyleSpec(
        "jungle", (160, 176), 0.8, ("sub", "reese"), (0.7, 0.3), (0.4, 0.7), (0.5, 0.95), (0.1, 0.4),
        jitter_ms=2.0, bars_per_chord=2, parts=("pad", "stab"), tom_fills=True),
    "dubstep": StyleSpec(
        "dubstep", (138, 142), 0.95, ("wobble", "sub"), (0.75, 0.25), (0.3, 0.7), (0.4, 0.9), (0.5, 1.0),
        bars_per_chord=2, parts=("pad", "lead")),
    "techno": StyleSpec(
        "techno", (125, 138), 0.8, ("sub", "reese"), (0.85, 0.15), (0.3, 0.7), (0.4, 0.9), (0.1, 0.5),
        bars_per_chord=2, parts=("pad", "stab", "pluck"), arp_step=1, four_on_floor=True),
    "house": StyleSpec(
        "house", (118, 128), 0.35, ("sub",), (1.0,), (0.5, 0.9), (0.4, 0.8), (0.0, 0.2),
        swing=(0.0, 0.1), parts=("pad", "keys"), four_on_floor=True),
    "hiphop": StyleSpec(
        "hiphop", (70, 100), 0.6, ("sub",), (1.0,), (0.3, 0.6), (0.3, 0.7), (0.05, 0.3),
        swing=(0.12, 0.3), jitter_ms=3.0, parts=("pad", "keys"), tom_fills=True),
    "ambient": StyleSpec(
        "ambient", (70, 110), 0.5, ("none", "sub"), (0.6, 0.4), (0.2, 0.6), (0.1, 0.4), (0.0, 0.05),
        drums=False, parts=("pad", "pluck"), arp_step=2),
}


def spec(style: str) -> StyleSpec:
    try:
        return STYLE_SPECS[style]
    except KeyError:
        raise ValueError(f"unknown style {style!r} (known: {', '.join(STYLES)})") from None
