"""Synthetic electronic music with ground truth: the project's deterministic test and demo data.

>>> from heihachi_index.synth import generate
>>> track = generate("neurofunk", seed=1, seconds=10)
>>> track.audio.shape, track.truth.tempo  # doctest: +SKIP
((441000, 2), 174.0)

Modules: :mod:`~.styles` (per-style ranges), :mod:`~.patterns` (drum templates, the Amen break),
:mod:`~.drums` (drum synthesis, sample kits), :mod:`~.harmony` (keys, progressions), :mod:`~.instruments`
(basses, pads, keys, arps, leads, vocals, risers), :mod:`~.structure` (sections), :mod:`~.arrange`
(the score), :mod:`~.render` (:func:`generate`), :mod:`~.corpus` (corpora, files, manifests).

Names are imported lazily, so ``import heihachi_index.synth.styles`` (as the CLI does to build its
parser) does not pull in scipy.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "AMEN_BREAK": "patterns", "AMEN_PATTERN": "patterns", "LABELS": "patterns",
    "BASS_TYPES": "styles", "STYLE_SPECS": "styles", "STYLES": "styles",
    "SECTION_NAMES": "structure",
    "MOODS": "truth", "GroundTruth": "truth", "SynthTrack": "truth", "mood_label": "truth",
    "DrumKit": "drums", "label_for_name": "drums",
    "generate": "render",
    "generate_corpus": "corpus", "iter_corpus": "corpus", "read_manifest": "corpus", "track_filename": "corpus",
    "write_corpus": "corpus",
}
__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from heihachi_index.synth.corpus import generate_corpus, iter_corpus, read_manifest, track_filename, write_corpus
    from heihachi_index.synth.drums import DrumKit, label_for_name
    from heihachi_index.synth.patterns import AMEN_BREAK, AMEN_PATTERN, LABELS
    from heihachi_index.synth.render import generate
    from heihachi_index.synth.structure import SECTION_NAMES
    from heihachi_index.synth.styles import BASS_TYPES, STYLE_SPECS, STYLES
    from heihachi_index.synth.truth import MOODS, GroundTruth, SynthTrack, mood_label


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
