"""Key, mode and key strength from a chromagram (Krumhansl-Schmuckler with Krumhansl-Kessler profiles)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from heihachi_index.camelot import PITCH_CLASSES, camelot

# Krumhansl & Kessler (1982) probe-tone profiles, tonic first.
MAJOR_PROFILE = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR_PROFILE = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


@dataclass(frozen=True)
class KeyEstimate:
    tonic: str
    mode: str
    strength: float  # best profile correlation, clipped to [0, 1]
    mode_clarity: float  # -1 (clearly minor) .. +1 (clearly major)

    @property
    def name(self) -> str:
        return f"{self.tonic} {self.mode}"

    @property
    def camelot(self) -> str:
        return camelot(self.tonic, self.mode)


def _profile_correlations(chroma_mean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pearson correlation of a 12-d pitch-class distribution with the 12 major and 12 minor keys."""
    x = chroma_mean - chroma_mean.mean()
    x_norm = np.linalg.norm(x)
    out = []
    for profile in (MAJOR_PROFILE, MINOR_PROFILE):
        rolled = np.stack([np.roll(profile, k) for k in range(12)])
        p = rolled - rolled.mean(axis=1, keepdims=True)
        denom = np.linalg.norm(p, axis=1) * x_norm
        out.append(np.where(denom > 0, p @ x / np.where(denom > 0, denom, 1.0), 0.0))
    return out[0], out[1]


def estimate_key(chroma: np.ndarray) -> KeyEstimate:
    """Estimate the key of a chromagram.

    Parameters
    ----------
    chroma : np.ndarray
        Shape (frames, 12), C first.
    """
    mean = np.asarray(chroma, dtype=np.float64).mean(axis=0)
    r_major, r_minor = _profile_correlations(mean)
    best_major, best_minor = int(np.argmax(r_major)), int(np.argmax(r_minor))
    if r_major[best_major] >= r_minor[best_minor]:
        tonic, mode, r = best_major, "major", r_major[best_major]
    else:
        tonic, mode, r = best_minor, "minor", r_minor[best_minor]
    clarity = float(np.tanh(4.0 * (r_major[best_major] - r_minor[best_minor])))
    return KeyEstimate(tonic=PITCH_CLASSES[tonic], mode=mode, strength=float(np.clip(r, 0.0, 1.0)),
                       mode_clarity=clarity)
