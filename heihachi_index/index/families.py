"""Vector families: the named vectors stored per track.

Every family ``f`` is a cosine named vector ``f`` holding the standardised vector. A family with
``standardize=True`` also has the named vector ``f__raw`` (dot distance, never normalised by the
engine, no HNSW graph) holding the raw vector, so the store can re-standardise itself.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from heihachi_index.features.layout import DIM as HANDCRAFTED_DIM
from heihachi_index.features.layout import group_indices

RAW_SUFFIX = "__raw"
DEFAULT_FAMILY = "handcrafted"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class FamilySpec:
    """One vector family.

    Parameters
    ----------
    name : str
        Named-vector name, lowercase ``[a-z0-9_]`` without ``__``.
    dim : int
        Vector length.
    standardize : bool
        Z-score the family with corpus statistics (and keep raw vectors).
    """

    name: str
    dim: int
    standardize: bool = True

    def __post_init__(self) -> None:
        validate_family_name(self.name)
        if int(self.dim) <= 0:
            raise ValueError(f"family {self.name!r}: dimension must be positive, got {self.dim}")

    @property
    def raw_name(self) -> str:
        return raw_name(self.name)

    @property
    def vector_names(self) -> tuple[str, ...]:
        return (self.name, self.raw_name) if self.standardize else (self.name,)


def validate_family_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name) or "__" in name:
        raise ValueError(f"invalid vector family name {name!r}: use lowercase letters, digits and single '_'")
    return name


def raw_name(family: str) -> str:
    """Named vector holding the raw (unstandardised) vectors of ``family``."""
    return f"{family}{RAW_SUFFIX}"


KNOWN_FAMILIES: dict[str, FamilySpec] = {
    "handcrafted": FamilySpec("handcrafted", HANDCRAFTED_DIM),
    "clap": FamilySpec("clap", 512),
    "beats": FamilySpec("beats", 768),
}
HANDCRAFTED = KNOWN_FAMILIES[DEFAULT_FAMILY]


# Weight of each feature group of the handcrafted vector in cosine similarity. Unweighted, the 512
# mel-statistics dimensions outvote everything else (precision@5 by style 0.58 on the generator
# corpus); equal total weight per group gives 0.86, and halving harmony 0.90: the key is better used
# as a filter (Camelot) than as a likeness.
HANDCRAFTED_GROUP_WEIGHTS: dict[str, float] = {
    "timbre": 1.0, "harmony": 0.5, "spectral": 1.0, "rhythm_energy": 1.0, "mel": 1.0, "edm": 1.0,
}


def family_weights(name: str, dim: int) -> np.ndarray:
    """Per-dimension weights applied after z-scoring (a group's weights have unit norm times its weight)."""
    weights = np.ones(dim)
    if name == DEFAULT_FAMILY and dim == HANDCRAFTED_DIM:
        for group, weight in HANDCRAFTED_GROUP_WEIGHTS.items():
            idx = group_indices(group)
            weights[idx] = weight / np.sqrt(len(idx))
    return weights


def family_spec(name: str, dim: int | None = None, standardize: bool = True) -> FamilySpec:
    """Spec of a family; ``dim`` may be omitted for the known families (handcrafted, clap, beats)."""
    if dim is None:
        if name not in KNOWN_FAMILIES:
            raise ValueError(f"family {name!r} is not a known family; give its dimension")
        known = KNOWN_FAMILIES[name]
        return FamilySpec(name, known.dim, standardize)
    return FamilySpec(name, int(dim), standardize)


def specs_from_vectors(vectors: dict[str, int]) -> dict[str, FamilySpec]:
    """Families from an engine's named vectors ``{name: dim}`` (raw companions folded in)."""
    out: dict[str, FamilySpec] = {}
    for name, dim in vectors.items():
        if name.endswith(RAW_SUFFIX):
            continue
        out[name] = FamilySpec(name, int(dim), standardize=raw_name(name) in vectors)
    return out
