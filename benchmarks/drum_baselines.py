"""Simple classifiers on the band levels of clean drum one-shots, as yardsticks for the drum classifier:
``.venv/bin/python benchmarks/drum_baselines.py [--sections bandwidth nets] [--model W.npz]``.

Every one-shot of the training kits recorded at 44.1 kHz or more (the eight drum classes) is described by its
band levels in seven windows from the attack to 0.65 s, up to 11.025 kHz ("to 11 kHz"), and with four bands
of 11.025-20 kHz added ("to 20 kHz"). Three classifiers read them: a logistic regression, gradient-boosted
trees and a perceptron with two hidden layers.

1. ``bandwidth``: would the drum classifier gain from sound above 11.025 kHz? The drum analysis runs at 22.05
   kHz (:data:`~heihachi_index.analysis.drums.onsets.SR`), so it never hears 11-22 kHz, where hi-hats and
   cymbals hold much of their energy. Each classifier is scored leave-one-kit-family-out, to 11 and to 20 kHz:
   each family's one-shots are read by a model that never saw that family. The held-out kits' one-shots, read
   by models fitted on all the training one-shots, are printed for reference only (108, 12 open hats).
2. ``nets``: how far is the drum classifier from these? The same one-shots, split by the family folds of the
   weights' own training run (``eval_drums.training_folds``): each fold is heard by the member pair of the
   nets that never heard it, played alone through the whole detector (as ``eval_drums.py --sections
   crossval``), and read by each classifier fitted on the other folds' one-shots, to 11 kHz. All are scored
   alike (``eval_drums._isolated_scores``); the classifiers pick one class of the eight, the detector may find
   none, several or ``"other"``.
"""
from __future__ import annotations

import sys
from pathlib import Path

# eval_drums beside this file: its scoring, folds and tables; imported first, as it pins the math libraries to one
# thread before they load, so that these figures are measured as every drum evaluation's are.
sys.path.insert(0, str(Path(__file__).resolve().parent))
import eval_drums  # noqa: E402

import argparse  # noqa: E402
import time  # noqa: E402
from typing import Callable  # noqa: E402

import numpy as np  # noqa: E402
import soxr  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from heihachi_index.analysis.drums.data import KitSet, OneShot, kit_families, kit_one_shots, kit_split  # noqa: E402
from heihachi_index.analysis.types import DRUM_CLASSES  # noqa: E402

RATE = 44100
#: Window starts (s) after the hit: the attack, then the decay where cymbals and open hats differ.
TIMES: tuple[float, ...] = (0.0, 0.012, 0.035, 0.08, 0.17, 0.35, 0.65)
#: Band edges (Hz): 24 log-spaced bands to the analysis rate's Nyquist frequency, and four above it.
LOW_EDGES = np.geomspace(30.0, 11025.0, 25)
HIGH_EDGES = np.array([11025.0, 13000.0, 15000.0, 17500.0, 20000.0])
#: Levels further than this (dB) under the loudest band of the attack windows read as the floor.
FLOOR_DB = -60.0
#: Attack windows (indices into :data:`TIMES`) whose loudest band under 11.025 kHz is the 0 dB reference.
ATTACK = slice(0, 3)


def band_levels(x: np.ndarray, sr: int, edges: np.ndarray, n_fft: int, times: tuple[float, ...] = TIMES) -> np.ndarray:
    """Power (dB) in the bands between ``edges`` of Hann windows of ``n_fft`` samples of ``x`` starting at
    ``times`` seconds, shape (windows, bands); audio past the end reads as silence."""
    pad = np.zeros(int(max(times) * sr) + n_fft, np.float32)
    x = np.concatenate([np.asarray(x, np.float32), pad])
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    bands = np.stack([(freqs >= lo) & (freqs < hi) for lo, hi in zip(edges[:-1], edges[1:])], axis=1)
    frames = np.stack([x[int(t * sr) : int(t * sr) + n_fft] for t in times]) * np.hanning(n_fft)
    return 10.0 * np.log10((np.abs(np.fft.rfft(frames, axis=1)) ** 2) @ bands + 1e-12)


def describe(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Band levels of one-shot ``x`` (at :data:`RATE`, starting at its hit) relative to the loudest band under
    11.025 kHz of the attack windows, floored at :data:`FLOOR_DB` and scaled to [-1, 0] (above the reference,
    which only the high bands can be, up to +1): those under 11.025 kHz (heard at 22.05 kHz, as the drum
    analysis hears them) and those above, both flattened (windows x bands)."""
    low = band_levels(soxr.resample(x, RATE, RATE // 2), RATE // 2, LOW_EDGES, 1024)
    # Windows of the same length in time at twice the rate hold twice the samples: -3 dB puts noise, what cymbals
    # are, on one scale in both (a pure tone reads 3 dB higher in the high bands).
    high = band_levels(x, RATE, HIGH_EDGES, 2048) - 10.0 * np.log10(2.0)
    ref = low[ATTACK].max()
    scale = -FLOOR_DB
    return (np.maximum(low - ref, FLOOR_DB) / scale).ravel(), np.clip((high - ref) / scale, -1.0, 1.0).ravel()


def drum_shots(kits: KitSet) -> list[OneShot]:
    """The drum one-shots of ``kits`` (kits by name) recorded at :data:`RATE` or more: a band-limited recording
    says nothing of the high bands."""
    return [s for name in sorted(kits.kits) for s in kit_one_shots(kits.kits[name], name)
            if s.sr >= RATE and s.label in DRUM_CLASSES]


def shot_table(shots: list[OneShot], group: Callable[[str], str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(low, low and high, labels, groups)`` of one-shots at :data:`RATE` or more (:func:`drum_shots`),
    ``group(kit name)`` for each."""
    described = [describe(soxr.resample(s.audio, s.sr, RATE) if s.sr != RATE else s.audio) for s in shots]
    n_low, n_high = len(TIMES) * (len(LOW_EDGES) - 1), len(TIMES) * (len(HIGH_EDGES) - 1)
    low = np.array([lo for lo, _ in described]).reshape(-1, n_low)
    both = np.concatenate([low, np.array([hi for _, hi in described]).reshape(-1, n_high)], axis=1)
    return low, both, np.array([s.label for s in shots], dtype=str), np.array([group(s.kit) for s in shots], dtype=str)


CLASSIFIERS: dict[str, Callable[[], object]] = {
    "logistic regression": lambda: make_pipeline(StandardScaler(), LogisticRegression(
        C=1.0, class_weight="balanced", max_iter=3000)),
    "gradient-boosted trees": lambda: HistGradientBoostingClassifier(class_weight="balanced", max_iter=200,
                                                                     random_state=0),
    "perceptron (256, 128)": lambda: make_pipeline(StandardScaler(), MLPClassifier(
        (256, 128), alpha=1e-4, max_iter=300, random_state=0)),
}


def leave_group_out(x: np.ndarray, y: np.ndarray, groups: np.ndarray, make: Callable[[], object]) -> np.ndarray:
    """Label of each row predicted by a model (``make()``) fitted on the rows of every other group."""
    pred = np.empty(len(y), dtype=y.dtype)
    for g in np.unique(groups):
        mine = groups == g
        pred[mine] = make().fit(x[~mine], y[~mine]).predict(x[mine])
    return pred


def class_f1(y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """F1 of each of the eight drum classes, in :data:`DRUM_CLASSES` order."""
    return f1_score(y, pred, labels=list(DRUM_CLASSES), average=None, zero_division=0)


_SHORT = {"hihat_closed": "hh closed", "hihat_open": "hh open"}


def section_bandwidth() -> None:
    """Section 1: each classifier leave-one-family-out, with the bands to 11 kHz and to 20 kHz."""
    start = time.perf_counter()
    train = kit_split("train")
    families = kit_families(train)
    low, both, y, groups = shot_table(drum_shots(train), families.__getitem__)
    held_low, held_both, held_y, _ = shot_table(drum_shots(kit_split("test")), str)
    print(f"## 1. Drum one-shots recorded at {RATE / 1000:.1f} kHz or more: {len(y)} of the training kits in "
          f"{len(set(groups))} families, {len(held_y)} of the held-out kits ({time.perf_counter() - start:.0f} s)")
    header = ["classifier", "bands", "macro-F1", *(_SHORT.get(c, c) for c in DRUM_CLASSES), "held-out macro-F1",
              "held-out hh open"]
    rows = []
    for name, make in CLASSIFIERS.items():
        for bands, x, held in (("to 11 kHz", low, held_low), ("to 20 kHz", both, held_both)):
            f = class_f1(y, leave_group_out(x, y, groups, make))
            fh = class_f1(held_y, make().fit(x, y).predict(held))
            rows.append([name, bands, f"{f.mean():.3f}", *(f"{v:.2f}" for v in f), f"{fh.mean():.3f}",
                         f"{fh[DRUM_CLASSES.index('hihat_open')]:.2f}"])
            print(f"  {name}, {bands}: {time.perf_counter() - start:.0f} s", flush=True)
    print("\nleave-one-family-out F on the training kits' one-shots (and the held-out kits' for reference):")
    print(eval_drums._table(rows, header))


def section_nets(model: str | None) -> None:
    """Section 2: the nets' member pairs and the classifiers on the same one-shots and folds."""
    from heihachi_index.analysis.drums.classify import WEIGHTS_PATH

    start = time.perf_counter()
    path = Path(model) if model else WEIGHTS_PATH
    print(f"\n## 2. The nets ({path.name}) and the classifiers, each fold of their training run read by what never "
          "heard it")
    run = eval_drums.training_folds(path)
    if isinstance(run, str):
        print(f"{run}; skipped")
        return
    clf, kits, families, folds = run
    shots = drum_shots(KitSet({k: v for k, v in kits.kits.items() if families[k] in folds}, {}))
    low, _, y, fams = shot_table(shots, families.__getitem__)
    fold = np.array([folds[f] for f in fams], dtype=int)
    reads = {"nets (one member pair per fold)": eval_drums.classify_by_fold(clf, shots, fold.tolist())}
    print(f"  nets: {time.perf_counter() - start:.0f} s", flush=True)
    for name, make in CLASSIFIERS.items():
        pred = leave_group_out(low, y, fold.astype(str), make)
        reads[f"{name}, to 11 kHz"] = [(label, {p}) for label, p in zip(y, pred)]
        print(f"  {name}: {time.perf_counter() - start:.0f} s", flush=True)
    rows = []
    for name, results in reads.items():
        per_class, macro = eval_drums._isolated_scores(results)
        rows.append([name, f"{macro:.3f}", *(f"{per_class[c][3]:.2f}" for c in DRUM_CLASSES)])
    print(f"{len(y)} one-shots of {len(set(fams))} families in {len(set(fold))} folds; F:")
    print(eval_drums._table(rows, ["read by", "macro-F1", *(_SHORT.get(c, c) for c in DRUM_CLASSES)]))


SECTIONS = ("bandwidth", "nets")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--model", help="weights file for section 2 (default: the shipped weights)")
    args = parser.parse_args()
    if "bandwidth" in args.sections:
        section_bandwidth()
    if "nets" in args.sections:
        section_nets(args.model)


if __name__ == "__main__":
    main()
