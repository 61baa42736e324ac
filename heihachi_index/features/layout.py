"""Index layout of the 641-d handcrafted vector.

Indices 0-633 keep the MusicClassifier reference layout; 634-640 add what electronic music needs.
"""
from __future__ import annotations

DIM = 641
REFERENCE_DIM = 634

SLICES: dict[str, slice] = {
    "mfcc_mean": slice(0, 20),
    "mfcc_std": slice(20, 40),
    "mfcc_delta_mean": slice(40, 60),
    "chroma_mean": slice(60, 72),
    "chroma_std": slice(72, 84),
    "centroid": slice(84, 86),
    "rolloff": slice(86, 88),
    "bandwidth": slice(88, 90),
    "contrast_mean": slice(90, 97),
    "contrast_std": slice(97, 104),
    "flatness": slice(104, 105),
    "zcr": slice(105, 107),
    "tempo": slice(107, 108),
    "rms": slice(108, 110),
    "tonnetz_mean": slice(110, 116),
    "tonnetz_std": slice(116, 122),
    "mel_mean": slice(122, 250),
    "mel_p25": slice(250, 378),
    "mel_median": slice(378, 506),
    "mel_p75": slice(506, 634),
    "onset_rate": slice(634, 635),
    "tempo_confidence": slice(635, 636),
    "sub_bass_ratio": slice(636, 637),
    "bass_ratio": slice(637, 638),
    "crest_db": slice(638, 639),
    "mode_clarity": slice(639, 640),
    "key_strength": slice(640, 641),
}

# Feature groups used to explain a similarity (which part of the sound made two tracks alike).
GROUPS: dict[str, tuple[str, ...]] = {
    "timbre": ("mfcc_mean", "mfcc_std", "mfcc_delta_mean"),
    "harmony": ("chroma_mean", "chroma_std", "tonnetz_mean", "tonnetz_std"),
    "spectral": ("centroid", "rolloff", "bandwidth", "contrast_mean", "contrast_std", "flatness", "zcr"),
    "rhythm_energy": ("tempo", "rms"),
    "mel": ("mel_mean", "mel_p25", "mel_median", "mel_p75"),
    "edm": ("onset_rate", "tempo_confidence", "sub_bass_ratio", "bass_ratio", "crest_db", "mode_clarity",
            "key_strength"),
}


def group_indices(group: str) -> list[int]:
    """Vector indices belonging to a feature group (see ``GROUPS``)."""
    out: list[int] = []
    for name in GROUPS[group]:
        s = SLICES[name]
        out.extend(range(s.start, s.stop))
    return out


def _check() -> None:
    covered = sorted(i for s in SLICES.values() for i in range(s.start, s.stop))
    assert covered == list(range(DIM)), "layout must cover 0..640 exactly once"
    grouped = sorted(i for g in GROUPS for i in group_indices(g))
    assert grouped == list(range(DIM)), "groups must cover every index exactly once"


_check()
