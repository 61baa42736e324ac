"""Train the drum classifier: ``python -m heihachi_index.analysis.drums.train [--out PATH]``.

Examples are the detector's own onsets in rendered audio, labelled by the exact ground truth:

- drum patterns of every style rendered by :func:`heihachi_index.synth.generate` with each training kit
  (Hydrogen's kits, LMMS, Sonic Pi, eXaDrums and Freepats samples, and the drum kits of the installed
  SoundFonts rendered by FluidSynth: the Debian packages of :data:`TRAINING_PACKAGES`, which
  ``make train-drums`` installs before it trains with the package versions the shipped weights record;
  sounds that are recordings of a held-out kit are dropped, see :func:`~.data.drop_recordings_of`),
  with the generator's synthetic kits and with random synthesised kits (:func:`~.data.random_kit`, far
  wider timbres: ten sample kits alone are memorised; no rides, see :data:`~.data.RANDOM_LABELS`), alone or
  under the track's music at a random drum-to-music ratio;
- sequences of isolated one-shots of the training kits and of random kits (and non-drum percussion for
  ``"other"``), some layered in pairs, some over a music bed;

all with random gain, pitch (resampling), EQ tilt and noise, and half of them in a random room
(:func:`add_room`: recorded kits carry their room, mixes add reverb). Onsets matching no hit are negatives (no
output active), which teaches the classifier to drop the onsets of synths and basses.

The classifier ships as an ensemble of :attr:`TrainConfig.members` pairs of nets (a perceptron on the
feature row and a convolutional net on its band image, :class:`~.classify.ConvNets`), cross-validated by kit:
the training kits are dealt into as many folds (:func:`kit_folds`), and pair ``m`` never sees the kits of fold
``m``. Its predictions on that fold are what the classifier does on a kit it has never heard, so the
confidences (Platt scaling) and the decision thresholds are fitted on these out-of-fold predictions of
every training kit, not on a couple of spare kits. The split is by kit: :data:`~.data.HELD_OUT_KITS` are
never seen and :data:`~.data.VALIDATION_KITS` are kept for tuning (``eval_drums.py --split validation``).
Everything is seeded and :func:`train` runs numpy's BLAS on one thread, so a run is deterministic for a given
torch thread count and the package versions and CPU kernels that the weights record (:func:`software_versions`).
"""
from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
import scipy.signal
import soxr

from heihachi_index.analysis.drums.classify import (IMAGE_ROWS, N_FEATURES, N_SIDE, OUTPUTS, UNREADABLE_NPZ,
                                                    WEIGHT_DTYPE, WEIGHTS_PATH, ConvNets, DrumClassifier,
                                                    active_outputs, conv_inputs, hit_features)
from heihachi_index.analysis.drums.data import KitSet, OneShot, kit_families, kit_one_shots, kit_split, random_kit
from heihachi_index.analysis.drums.onsets import N_BANDS, SR, detect_onsets, percussive_bands
from heihachi_index.analysis.types import OTHER
from heihachi_index.synth.drums import DrumKit

log = logging.getLogger("heihachi_index.analysis.drums")

DRUM_STYLES = ("neurofunk", "liquid", "jungle", "dubstep", "techno", "house", "hiphop")
MATCH_S = 0.03
# Onset detector thresholds used for training and shipped with the weights: lower than the detector's
# defaults, so that soft hits under music are found (recall ~0.98 on rendered mixtures of the validation
# kits) and the classifier, which learns to reject non-drum onsets, sets the precision.
ONSET_DELTA = 0.05
ONSET_REL = 0.08


@dataclass
class Examples:
    """Feature rows ``x``, multi-hot targets ``y`` over :data:`~.classify.OUTPUTS`, and the ``source`` of
    each row (the family of the kit it was played on, :func:`~.data.kit_families`, or its own synthesised
    kit)."""

    x: np.ndarray
    y: np.ndarray
    source: np.ndarray

    @classmethod
    def concat(cls, parts: Sequence[Examples]) -> Examples:
        parts = [p for p in parts if len(p.x)]
        if not parts:
            return cls(np.zeros((0, N_FEATURES), np.float32), np.zeros((0, len(OUTPUTS)), np.float32),
                       np.zeros(0, dtype=object))
        return cls(np.concatenate([p.x for p in parts]), np.concatenate([p.y for p in parts]),
                   np.concatenate([p.source for p in parts]))


def kit_folds(source: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """Fold (0..k-1) of each row: the sources are shuffled (seeded) and dealt round-robin into ``k`` folds."""
    names, index = np.unique(source.astype(str), return_inverse=True)
    rank = np.empty(len(names), dtype=np.int64)
    rank[np.random.default_rng(seed).permutation(len(names))] = np.arange(len(names))
    return (rank % k)[index]


def label_onsets(y: np.ndarray, truth: Sequence[tuple[float, str]], delta: float = ONSET_DELTA,
                 rel: float = ONSET_REL, source: str = "") -> Examples:
    """Detect onsets in ``y`` (at :data:`SR`, detector thresholds ``delta`` and ``rel``) and label each by
    the truth hits nearest to it; every row's source is ``source``.

    Each truth hit goes to its nearest onset within :data:`MATCH_S`; layered hits land on the same onset.
    """
    perc = percussive_bands(y)
    on = detect_onsets(y, delta, rel, perc=perc)
    if len(on.samples) == 0:
        return Examples.concat([])
    feats = hit_features(y, on.samples, perc, on.strength)
    target = np.zeros((len(on.samples), len(OUTPUTS)), dtype=np.float32)
    times = on.samples / SR
    for t, label in truth:
        i = int(np.argmin(np.abs(times - t)))
        if abs(times[i] - t) <= MATCH_S:
            target[i, OUTPUTS.index(label)] = 1.0
    return Examples(feats.x, target, np.full(len(target), source, dtype=object))


def room_response(rng: np.random.Generator, sr: int = SR) -> np.ndarray:
    """A synthetic room's impulse response without its direct sound (float64, unit energy): exponentially
    decaying noise after a 1-15 ms pre-delay, reverberation time (to -60 dB) 0.15-1.5 s drawn log-uniform,
    the part above 3 kHz dying 1.5-4 times faster (air and walls absorb the highs first)."""
    rt60 = float(np.exp(rng.uniform(np.log(0.15), np.log(1.5))))
    pre = int(rng.uniform(0.001, 0.015) * sr)
    t = np.arange(int(rt60 * sr)) / sr
    noise = rng.standard_normal(len(t))
    sos = scipy.signal.butter(2, 3000.0, "lowpass", fs=sr, output="sos")
    low = scipy.signal.sosfilt(sos, noise)
    tail = low * 10.0 ** (-3.0 * t / rt60) + (noise - low) * 10.0 ** (-3.0 * t * rng.uniform(1.5, 4.0) / rt60)
    tail = np.concatenate([np.zeros(pre), tail])
    return tail / np.sqrt(np.sum(tail**2))


def add_room(y: np.ndarray, rng: np.random.Generator, drr_db: tuple[float, float] = (0.0, 15.0),
             sr: int = SR) -> np.ndarray:
    """``y`` (at ``sr``) plus its reverberation in a random room (:func:`room_response`) at a
    direct-to-reverberant energy ratio drawn in ``drr_db``: recorded kits carry their room (a closed hat's
    tail, a cymbal's wash), and mixes add reverb of their own."""
    wet = scipy.signal.oaconvolve(y.astype(np.float64), room_response(rng, sr))[: len(y)]
    ratio = float(np.sum(y.astype(np.float64) ** 2) / max(float(np.sum(wet**2)), 1e-20))
    return (y + np.sqrt(ratio) * 10.0 ** (-rng.uniform(*drr_db) / 20.0) * wet).astype(np.float32)


def augment(y: np.ndarray, rng: np.random.Generator, room_p: float = 0.0) -> np.ndarray:
    """With probability ``room_p`` a random room (:func:`add_room`), then random gain (-24..0 dB), EQ tilt
    (shelves at 200 Hz and 5 kHz, +-9 dB) and white noise (80 to 45 dB under the peak: relative, so that
    quiet renderings do not bury soft hi-hats that are still labelled)."""
    if room_p > 0.0 and rng.random() < room_p:
        y = add_room(y, rng)
    out = y.astype(np.float64)
    for fc, kind in ((200.0, "lowpass"), (5000.0, "highpass")):
        g = 10.0 ** (rng.uniform(-9.0, 9.0) / 20.0) - 1.0
        sos = scipy.signal.butter(1, fc, kind, fs=SR, output="sos")
        out = out + g * scipy.signal.sosfilt(sos, out)
    peak = float(np.max(np.abs(out))) or 1.0
    gain = 10.0 ** (rng.uniform(-24.0, 0.0) / 20.0)
    out *= gain / peak
    out += gain * 10.0 ** (rng.uniform(-80.0, -45.0) / 20.0) * rng.standard_normal(len(out))
    return out.astype(np.float32)


def _mix(drums: np.ndarray, music: np.ndarray, ratio_db: float | None) -> np.ndarray:
    """``drums`` plus ``music`` scaled to ``ratio_db`` drum-to-music power ratio (None: drums alone)."""
    if ratio_db is None:
        return drums
    pd, pm = float(np.mean(drums**2)), float(np.mean(music**2))
    if pm <= 0.0 or pd <= 0.0:
        return drums
    return drums + np.sqrt(pd / pm) * 10.0 ** (-ratio_db / 20.0) * music


def render_pattern(kit: DrumKit | None, style: str, seed: int, seconds: float,
                   ratio_db: float | None) -> tuple[np.ndarray, list[tuple[float, str]]]:
    """A generated pattern of ``style`` played on ``kit`` (None: synthetic), mixed under its music."""
    from heihachi_index.synth import generate

    tr = generate(style, seed, seconds, sr=SR, kit=kit, stems=True, vocals=bool(seed % 3 == 0))
    stems = tr.stems or {}
    drums = stems["drums"].mean(axis=1)
    music = sum(stems[k] for k in ("bass", "music", "vocals", "fx")).mean(axis=1)
    truth = [(float(h["time"]), str(h["label"])) for h in tr.truth.hits]
    return _mix(drums, music, ratio_db).astype(np.float32), truth


def music_bed(i: int, seconds: float, seed: int) -> np.ndarray:
    """Drumless music excerpt number ``i`` (bass, pads, keys, leads) from the generator."""
    from heihachi_index.synth import STYLES, generate

    tr = generate(STYLES[(seed + i) % len(STYLES)], 10_000 + seed + i, seconds, sr=SR, drums=False,
                  vocals=i % 2 == 0)
    return tr.mono()


def _shot(s: OneShot, rng: np.random.Generator, max_len: int) -> np.ndarray:
    factor = rng.uniform(0.8, 1.25)  # resampling by this factor shifts pitch by up to +-4 semitones
    x = soxr.resample(s.audio, s.sr, int(round(SR * factor))).astype(np.float32)
    return x[:max_len]


def render_shots(shots: Sequence[OneShot], rng: np.random.Generator, bed: np.ndarray | None,
                 p_layer: float = 0.35) -> tuple[np.ndarray, list[tuple[float, str]]]:
    """All ``shots`` in random order, 0.3-0.9 s apart with random levels, some layered with another shot
    of a different label, optionally over a music bed at -12..+6 dB drum-to-music ratio."""
    order = rng.permutation(len(shots))
    gaps = rng.uniform(0.3, 0.9, size=len(order))
    starts = (np.concatenate([[0.2], 0.2 + np.cumsum(gaps)[:-1]]) * SR).astype(int)
    n = int(starts[-1] + 1.0 * SR)
    y = np.zeros(n, dtype=np.float32)
    truth: list[tuple[float, str]] = []
    for k, i in enumerate(order):
        s = shots[i]
        room = int(gaps[k] * SR)
        x = _shot(s, rng, room) * np.float32(10.0 ** (rng.uniform(-12.0, 0.0) / 20.0))
        y[starts[k] : starts[k] + len(x)] += x
        truth.append((starts[k] / SR, s.label))
        if rng.random() < p_layer:
            others = [j for j in range(len(shots)) if shots[j].label != s.label]
            if others:
                o = shots[others[int(rng.integers(len(others)))]]
                off = int(rng.integers(0, int(0.003 * SR)))
                x2 = _shot(o, rng, room - off) * np.float32(10.0 ** (rng.uniform(-12.0, 0.0) / 20.0))
                y[starts[k] + off : starts[k] + off + len(x2)] += x2
                truth.append(((starts[k] + off) / SR, o.label))
    if bed is not None:
        reps = int(np.ceil(n / len(bed)))
        y = _mix(y, np.tile(bed, reps)[:n], float(rng.uniform(-12.0, 6.0)))
    return y.astype(np.float32), truth


def _pattern_jobs(kits: KitSet, tracks_per_kit: int, soundfont_tracks_per_kit: int | None, synthetic_tracks: int,
                  random_tracks: int) -> list[tuple[DrumKit | None, str]]:
    """The patterns :func:`build_examples` renders, in order: ``(kit, kit name)``, kit None for the
    generator's synthetic kits (``"synthetic"``) and for random kits drawn at render time (``"random"``)."""
    n_sf = tracks_per_kit if soundfont_tracks_per_kit is None else soundfont_tracks_per_kit
    jobs: list[tuple[DrumKit | None, str]] = [(k, name) for name, k in kits.kits.items()
                                              for _ in range(n_sf if name in kits.soundfont else tracks_per_kit)]
    return jobs + [(None, "synthetic")] * synthetic_tracks + [(None, "random")] * random_tracks


def _pattern_source(j: int, kit: DrumKit | None, name: str, families: Mapping[str, str]) -> str:
    """Source of the rows of pattern ``j`` of :func:`_pattern_jobs` (before a random kit is drawn for it):
    the family of its kit, or a source of its own for a synthetic or random kit."""
    return f"{name}/{j}" if kit is None or name == "random" else families[name]


def _shot_kits(kits: KitSet) -> list[str]:
    """Names (sorted) of the kits whose one-shots (drums and ``"other"`` sounds) each one-shot pass plays."""
    return sorted(name for name in set(kits.kits) | set(kits.others) if kits.sounds(name))


def _donors(kits: KitSet) -> list[str]:
    """Kits whose ``"other"`` sounds the random one-shot sets borrow."""
    return sorted(name for name, shots in kits.others.items() if shots)


def example_sources(kits: KitSet, *, tracks_per_kit: int, synthetic_tracks: int, shot_passes: int,
                    random_tracks: int = 0, random_shot_kits: int = 0, soundfont_tracks_per_kit: int | None = None,
                    families: Mapping[str, str] | None = None) -> set[str]:
    """The sources of the renderings of :func:`build_examples` with these sizes, without rendering anything
    (``families``: :func:`~.data.kit_families` of ``kits``, computed if not given). The rows carry them all
    unless a rendering has no onset at all (its source is then missing from the rows).

    Raises
    ------
    ValueError
        If random one-shot sets borrow "other" sounds but no one-shot pass plays the kits: the families
        they borrow from are drawn at render time, so the sources cannot be known before.
    """
    families = kit_families(kits) if families is None else families
    jobs = _pattern_jobs(kits, tracks_per_kit, soundfont_tracks_per_kit, synthetic_tracks, random_tracks)
    out = {_pattern_source(j, kit, name, families) for j, (kit, name) in enumerate(jobs)}
    if shot_passes:
        out |= {families[name] for name in _shot_kits(kits)}
    if random_shot_kits:
        donors = _donors(kits)
        if not donors:
            out |= {f"random-shots/{k}" for k in range(random_shot_kits)}
        elif not shot_passes:
            raise ValueError("random one-shot sets borrow from kits drawn at render time; with no one-shot "
                             "pass their sources are unknown before rendering")
    return out


def family_folds(kits: KitSet, cfg: TrainConfig, families: Mapping[str, str] | None = None) -> dict[str, int]:
    """Cross-validation fold (:func:`kit_folds`) of each kit family in a training run of ``cfg`` on ``kits``,
    worked out again without rendering (:func:`example_sources`; training records the folds it used,
    :func:`recorded_run`, which is what to read for weights that have them): member pair ``m`` of the
    classifier it makes never heard the families of fold ``m`` (:func:`fold_members`). ``families``:
    :func:`~.data.kit_families` of ``kits``, computed if not given."""
    families = kit_families(kits) if families is None else families
    sources = example_sources(kits, tracks_per_kit=cfg.tracks_per_kit, synthetic_tracks=cfg.synthetic_tracks,
                              shot_passes=cfg.shot_passes, random_tracks=cfg.random_tracks,
                              random_shot_kits=cfg.random_shot_kits,
                              soundfont_tracks_per_kit=cfg.soundfont_tracks_per_kit, families=families)
    names = np.array(sorted(sources), dtype=object)
    fold = kit_folds(names, cfg.members, cfg.seed)
    kit_fams = set(families.values())
    return {str(n): int(f) for n, f in zip(names, fold) if n in kit_fams}


def build_examples(kits: KitSet, *, tracks_per_kit: int, synthetic_tracks: int, shot_passes: int,
                   seconds: float, seed: int, random_tracks: int = 0, random_shot_kits: int = 0,
                   delta: float = ONSET_DELTA, rel: float = ONSET_REL,
                   soundfont_tracks_per_kit: int | None = None, room_p: float = 0.0,
                   progress: Callable[[str], None] | None = None) -> Examples:
    """Training examples from every kit of ``kits`` (see the module docstring), plus ``random_tracks``
    patterns and ``random_shot_kits`` sequences of one-shots played on random synthesised kits
    (:func:`~.data.random_kit`). Kits from SoundFonts get ``soundfont_tracks_per_kit`` patterns
    (default ``tracks_per_kit``); a share ``room_p`` of the renderings gets a random room (:func:`augment`).

    Every row's source is the family of its kit (:func:`~.data.kit_families`), or its own for the
    sounds of a synthesised kit; nothing heard in one source (a recording, a music bed) is in another."""
    rng = np.random.default_rng(seed)
    parts: list[Examples] = []
    families = kit_families(kits)
    jobs = _pattern_jobs(kits, tracks_per_kit, soundfont_tracks_per_kit, synthetic_tracks, random_tracks)
    for j, (kit, name) in enumerate(jobs):
        style = DRUM_STYLES[int(rng.integers(len(DRUM_STYLES)))]
        ratio = None if rng.random() < 0.25 else float(rng.uniform(-10.0, 6.0))
        source = _pattern_source(j, kit, name, families)
        if name == "random":
            kit = random_kit(rng, SR)
        y, truth = render_pattern(kit, style, int(rng.integers(1_000_000)), seconds, ratio)
        parts.append(label_onsets(augment(y, rng, room_p), truth, delta, rel, source))
        if progress and j % 50 == 0:
            progress(f"patterns {j}/{len(jobs)}")
    shot_sets: list[tuple[list[OneShot], str]] = []
    played = _shot_kits(kits)
    for _ in range(shot_passes):
        shot_sets += [(kits.sounds(name), families[name]) for name in played]
    donors = _donors(kits)
    for k in range(random_shot_kits):
        shots = kit_one_shots(random_kit(rng, SR, sounds=3), f"random-{k}")
        source = f"random-shots/{k}"
        if donors:
            # Random kits carry no "other" sounds of their own: borrow a few from one kit, whose family the
            # set then belongs to.
            donor = donors[int(rng.integers(len(donors)))]
            pool = kits.others[donor]
            shots += [pool[i] for i in rng.choice(len(pool), size=min(6, len(pool)), replace=False)]
            source = families[donor]
        shot_sets.append((shots, source))
    for i, (shots, source) in enumerate(shot_sets):
        # A music bed of its own under each set: beds shared between sets would be heard in every fold.
        bed = music_bed(i, 8.0, seed) if rng.random() < 0.6 else None
        y, truth = render_shots(shots, rng, bed)
        parts.append(label_onsets(augment(y, rng, room_p), truth, delta, rel, source))
        if progress and i % 50 == 0:
            progress(f"one-shot sets {i}/{len(shot_sets)}")
    return Examples.concat(parts)


def standardisation(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature ``(mean, scale)`` of the inputs (scale: the standard deviation plus 1e-3)."""
    return x.mean(axis=0).astype(np.float32), (x.std(axis=0) + 1e-3).astype(np.float32)


def _train_net(net, inputs: Sequence, noise: Sequence[float], y: np.ndarray, *, epochs: int, seed: int,
               balance: float) -> None:
    """Fit torch module ``net`` (called on the tensors ``inputs``) to multi-hot targets ``y``: AdamW, cosine
    learning rate, batches of 256, Gaussian noise of std ``noise[i]`` on input ``i``; positives of each
    output are weighted by (negatives / positives) ** ``balance`` (at most 20)."""
    import torch

    Y = torch.from_numpy(y)
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-2)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, epochs))
    n_pos = y.sum(axis=0)
    pos_weight = np.clip(((len(y) - n_pos) / np.maximum(n_pos, 1.0)) ** balance, 1.0, 20.0)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.from_numpy(pos_weight.astype(np.float32)))
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        net.train()
        perm = torch.randperm(len(Y), generator=gen)
        for b in range(0, len(Y), 256):
            idx = perm[b : b + 256]
            opt.zero_grad()
            batch = [x[idx] for x in inputs]
            batch = [xb + s * torch.randn(xb.shape, generator=gen) if s > 0 else xb for xb, s in zip(batch, noise)]
            loss = loss_fn(net(*batch), Y[idx])
            loss.backward()
            opt.step()
        sched.step()
    net.eval()


def fit_mlp(ex: Examples, *, hidden: Sequence[int] = (128, 64), epochs: int = 25, seed: int = 0,
            threads: int = 1, input_noise: float = 0.3, dropout: float = 0.3, balance: float = 0.5,
            standardise: tuple[np.ndarray, np.ndarray] | None = None,
            ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Train the MLP with torch (CPU); returns the input standardisation (``standardise``, the ``(mean,
    scale)`` given, or else the examples' own) and the layer weights.

    With about ten kits to learn from, the net easily memorises kits: dropout, weight decay and Gaussian
    noise on the standardised inputs keep it to what kits share. Positives of each output are weighted
    by (negatives / positives) ** ``balance`` (at most 20), so rare drum classes (claps, crashes) count.
    """
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    mean, scale = standardise if standardise is not None else standardisation(ex.x)
    sizes = [ex.x.shape[1], *hidden, ex.y.shape[1]]
    layers: list[torch.nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers += [torch.nn.ReLU(), torch.nn.Dropout(dropout)]
    net = torch.nn.Sequential(*layers)
    _train_net(net, [torch.from_numpy((ex.x - mean) / scale)], [input_noise], ex.y, epochs=epochs, seed=seed,
               balance=balance)
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    ws = [m.weight.detach().numpy().T.copy() for m in linears]
    bs = [m.bias.detach().numpy().copy() for m in linears]
    return mean.astype(np.float32), scale.astype(np.float32), ws, bs


def conv_net(channels: tuple[int, int] = (32, 32), hidden: int = 128, dropout: float = 0.3):
    """The torch module of one convolutional member (:class:`~.classify.ConvNets`), called on the image and
    side features of :func:`~.classify.conv_inputs`; :func:`conv_arrays` exports its layers."""
    import torch

    c1, c2 = channels

    class ConvNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = torch.nn.Conv1d(IMAGE_ROWS, c1, 5, padding=2)
            self.conv2 = torch.nn.Conv1d(c1, c2, 3, padding=1)
            self.hidden = torch.nn.Linear(c2 * (N_BANDS // 4) + N_SIDE, hidden)  # after two poolings of band pairs
            self.out = torch.nn.Linear(hidden, len(OUTPUTS))
            self.drop = torch.nn.Dropout(dropout)

        def forward(self, image, side):
            pool = torch.nn.functional.max_pool1d
            h = pool(torch.relu(self.conv2(pool(torch.relu(self.conv1(image)), 2))), 2)
            h = torch.cat([h.flatten(1), side], 1)
            return self.out(self.drop(torch.relu(self.hidden(self.drop(h)))))

    return ConvNet()


def conv_arrays(net) -> tuple[np.ndarray, ...]:
    """Layers of :func:`conv_net` module ``net`` in :attr:`~.classify.ConvNets.layers` order, without the
    members axis."""
    arrays = []
    for layer in (net.conv1, net.conv2, net.hidden, net.out):
        w = layer.weight.detach().numpy()
        arrays += [(w.T if w.ndim == 2 else w).copy(), layer.bias.detach().numpy().copy()]
    return tuple(arrays)


def fit_conv(ex: Examples, standardise: tuple[np.ndarray, np.ndarray], *, channels: tuple[int, int] = (32, 32),
             hidden: int = 128, epochs: int = 25, seed: int = 0, threads: int = 1, image_noise: float = 0.05,
             input_noise: float = 0.3, dropout: float = 0.3, balance: float = 0.5) -> tuple[np.ndarray, ...]:
    """Train one convolutional member (:func:`conv_net`) with torch (CPU); returns :func:`conv_arrays`.

    Gaussian noise of std ``image_noise`` on the image (levels in units of 60 dB) and ``input_noise`` on the
    standardised side features; dropout before and after the hidden layer; positives weighted as in
    :func:`fit_mlp`."""
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    net = conv_net(channels, hidden, dropout)
    image, side = conv_inputs(ex.x, *standardise)
    _train_net(net, [torch.from_numpy(image), torch.from_numpy(side)], [image_noise, input_noise], ex.y,
               epochs=epochs, seed=seed, balance=balance)
    return conv_arrays(net)


def platt(logits: np.ndarray, y: np.ndarray, iters: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Per-output Platt scaling ``sigmoid(a z + b)`` fitted by damped Newton steps on the log loss, with
    Platt's smoothed targets (so separable data cannot push ``a`` to infinity).

    Outputs with fewer than 5 positives or negatives keep ``a = 1, b = 0``; ``a`` stays in [0.1, 5].
    """
    k = logits.shape[1]
    a, b = np.ones(k), np.zeros(k)
    for j in range(k):
        z, t = logits[:, j].astype(np.float64), y[:, j].astype(np.float64)
        n_pos, n_neg = t.sum(), (1 - t).sum()
        if n_pos < 5 or n_neg < 5:
            continue
        t = np.where(t > 0, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
        p_ = np.array([1.0, 0.0])
        for _ in range(iters):
            s = 1.0 / (1.0 + np.exp(-np.clip(p_[0] * z + p_[1], -50, 50)))
            g = np.array([np.sum((s - t) * z), np.sum(s - t)])
            w = s * (1 - s) + 1e-9
            H = np.array([[np.sum(w * z * z), np.sum(w * z)], [np.sum(w * z), np.sum(w)]]) + 1e-3 * np.eye(2)
            step = np.clip(np.linalg.solve(H, g), -1.0, 1.0)
            p_ -= step
            if np.max(np.abs(step)) < 1e-7:
                break
        a[j], b[j] = np.clip(p_[0], 0.1, 5.0), np.clip(p_[1], -10.0, 10.0)
    return a.astype(np.float32), b.astype(np.float32)


def best_thresholds(proba: np.ndarray, y: np.ndarray, lo: float = 0.25, hi: float = 0.6,
                    layered_hi: float = 0.95, step: float = 0.01,
                    exclusive: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per-output decision thresholds maximising F1 on held-out examples, as
    :meth:`~.classify.DrumClassifier.decide` applies them: ``threshold`` in [lo, hi] where the output is the
    onset's most probable one, ``layered`` in [threshold, layered_hi] where it is not (every ``step``; both
    0.5 when an output has fewer than 10 positives). Output ``exclusive`` (``"other"``) is fitted last, on
    the onsets where no other output is active under the thresholds fitted for them, since ``decide`` drops
    it beside them. The out-of-fold examples number ~200k, thousands per class, enough for a fine grid.

    Returns
    -------
    threshold, layered : np.ndarray
        float32 arrays of one value per output.

    Raises
    ------
    ValueError
        Unless ``lo <= hi <= layered_hi``.
    """
    if not lo <= hi <= layered_hi:
        raise ValueError(f"thresholds need lo <= hi <= layered_hi, got {lo}, {hi}, {layered_hi}")
    # float32, as the thresholds are stored and compared in decide.
    grid = np.arange(lo, layered_hi + 1e-9, step).astype(np.float32)
    n_first = int(np.sum(grid <= np.float32(hi) + 1e-6))
    k = proba.shape[1]
    threshold, layered = np.full(k, 0.5, dtype=np.float32), np.full(k, 0.5, dtype=np.float32)
    top = proba.argmax(axis=1)
    below = np.tril_indices(n_first, -1, len(grid))  # layered under threshold: the same decisions as equal
    order = [j for j in range(k) if j != exclusive] + ([exclusive] if exclusive is not None else [])
    for j in order:
        t = y[:, j] > 0
        if t.sum() < 10:
            continue
        reach = proba[None, :, j] >= grid[:, None]  # (grid, examples)
        if j == exclusive:  # the onsets where another output is active, as decide finds them
            reach &= ~active_outputs(proba, np.where(np.arange(k) == j, np.inf, threshold), layered).any(axis=1)
        is_top = top == j
        # Decisions and true positives per threshold among the onsets where j is the top output, and elsewhere.
        first, first_tp, other, other_tp = ((reach & m).sum(axis=1) for m in (is_top, is_top & t, ~is_top, ~is_top & t))
        tp = first_tp[:n_first, None] + other_tp[None, :]
        f1 = 2.0 * tp / np.maximum(first[:n_first, None] + other[None, :] + t.sum(), 1)
        f1[below] = -1.0
        a, b = np.unravel_index(int(np.argmax(f1)), f1.shape)
        threshold[j], layered[j] = grid[a], grid[b]
    return threshold, layered


@dataclass(frozen=True)
class TrainConfig:
    """Sizes of a training run; the defaults make the shipped weights."""

    tracks_per_kit: int = 24
    soundfont_tracks_per_kit: int = 6
    synthetic_tracks: int = 60
    random_tracks: int = 200
    shot_passes: int = 6
    random_shot_kits: int = 150
    #: Share of the rendered patterns and one-shot sets put in a random room (:func:`add_room`).
    room_p: float = 0.5
    seconds: float = 12.0
    epochs: int = 30
    hidden: tuple[int, ...] = (256, 128)
    members: int = 5
    #: Channels of the two convolutions of the convolutional members, one per fold beside each perceptron
    #: (empty: perceptrons only).
    conv_channels: tuple[int, int] | tuple[()] = (32, 32)
    conv_hidden: int = 128
    balance: float = 0.5
    input_noise: float = 0.3
    dropout: float = 0.3
    onset_delta: float = ONSET_DELTA
    onset_rel: float = ONSET_REL
    seed: int = 0
    threads: int = 1
    extra_kits: bool = True
    max_train_kits: int | None = None


#: Overrides of :class:`TrainConfig` for ``--quick`` runs.
QUICK: dict[str, int] = {"tracks_per_kit": 3, "soundfont_tracks_per_kit": 1, "synthetic_tracks": 10,
                         "random_tracks": 20, "shot_passes": 1,
                         "random_shot_kits": 10, "epochs": 5, "members": 2}


def fold_members(clf: DrumClassifier, m: int) -> DrumClassifier:
    """The members of ``clf`` trained without fold ``m`` (its ``m``-th perceptron and convolutional net)."""
    conv = None if clf.conv is None else ConvNets(tuple(a[m : m + 1] for a in clf.conv.layers))
    return replace(clf, weights=tuple(w[m : m + 1] for w in clf.weights),
                   biases=tuple(b[m : m + 1] for b in clf.biases), conv=conv)


def fit_classifier(ex: Examples, cfg: TrainConfig, progress: Callable[[str], None] | None = None) -> DrumClassifier:
    """Fit ``cfg.members`` MLPs and as many convolutional nets (unless ``cfg.conv_channels`` is empty) on
    ``ex``, cross-validated by source (:func:`kit_folds`; the two nets of fold ``m`` have seed ``cfg.seed + m``
    and never see that fold), then the Platt calibration and per-output thresholds (:func:`best_thresholds`: one
    for an onset's most probable output, one for a layered label beside it) on their out-of-fold logits.

    Calibrating on two spare kits set the thresholds by a few hundred sounds of each class (a few dozen
    claps and crashes) and left open hats under-confident on new kits; the out-of-fold logits cover every
    training kit. One net's figures also move a lot with its seed; the mean of several is steadier. The
    calibration is fitted on one fold's logits (the mean of its perceptron and convolutional net) and applied
    to the mean of all members, which is a little less extreme where they disagree (expected calibration
    error on the held-out kits: 0.018).

    Raises
    ------
    ValueError
        If ``cfg.members`` < 2, ``cfg.conv_channels`` is neither empty nor two channel counts, or the
        examples come from fewer sources than there are folds.
    """
    k = cfg.members
    if k < 2:
        raise ValueError(f"the ensemble needs at least 2 members (one per cross-validation fold), got {k}")
    if len(cfg.conv_channels) not in (0, 2) or any(int(c) < 1 for c in cfg.conv_channels):
        raise ValueError(f"conv_channels must be two channel counts (or empty for no convolutional nets), "
                         f"got {cfg.conv_channels!r}")
    fold = kit_folds(ex.source, k, cfg.seed)
    if len(np.unique(fold)) < k:
        raise ValueError(f"{len(np.unique(ex.source))} example sources cannot fill {k} cross-validation folds")
    # The members share one input standardisation, that of the whole set.
    mean, scale = standardisation(ex.x)
    members, convs = [], []
    for m in range(k):
        fit = fold != m
        part = Examples(ex.x[fit], ex.y[fit], ex.source[fit])
        members.append(fit_mlp(part, hidden=cfg.hidden, epochs=cfg.epochs, seed=cfg.seed + m, threads=cfg.threads,
                               input_noise=cfg.input_noise, dropout=cfg.dropout, balance=cfg.balance,
                               standardise=(mean, scale)))
        if cfg.conv_channels:
            convs.append(fit_conv(part, (mean, scale), channels=tuple(cfg.conv_channels), hidden=cfg.conv_hidden,
                                  epochs=cfg.epochs, seed=cfg.seed + m, threads=cfg.threads,
                                  input_noise=cfg.input_noise, dropout=cfg.dropout, balance=cfg.balance))
        if progress:
            progress(f"ensemble members of fold {m + 1}/{k} fitted (fold {m} held out)")
    # Rounded as stored before calibrating: the shipped model is the one measured.
    as_stored = lambda arrays, dtype: np.stack(arrays).astype(dtype).astype(np.float32)
    ws = tuple(as_stored([mb[2][i] for mb in members], WEIGHT_DTYPE) for i in range(len(members[0][2])))
    bs = tuple(np.stack([mb[3][i] for mb in members]) for i in range(len(members[0][3])))
    conv = (ConvNets(tuple(as_stored([c[i] for c in convs], ConvNets.stored_dtype(i)) for i in range(len(convs[0]))))
            if convs else None)
    n_out = len(OUTPUTS)
    raw = DrumClassifier(mean, scale, ws, bs, np.ones(n_out, np.float32), np.zeros(n_out, np.float32),
                         np.full(n_out, 0.5, np.float32), cfg.onset_delta, cfg.onset_rel, conv)
    oof = np.empty((len(ex.x), n_out), dtype=np.float32)
    for m in range(k):
        held = fold == m
        oof[held] = fold_members(raw, m).logits(ex.x[held])
    a, b = platt(oof, ex.y)
    clf = replace(raw, cal_a=a, cal_b=b)
    proba = clf.calibrated(oof)
    threshold, layered = best_thresholds(proba, ex.y, exclusive=OUTPUTS.index(OTHER))
    clf = replace(clf, threshold=threshold, layered_threshold=layered)
    if progress:
        pred, true = clf.decide(proba), ex.y > 0
        f1 = 2.0 * (pred & true).sum(axis=0) / np.maximum(pred.sum(axis=0) + true.sum(axis=0), 1)
        progress("out-of-fold F1 (each example scored by the nets that never heard its kit): "
                 + ", ".join(f"{name} {f:.2f}" for name, f in zip(OUTPUTS, f1)))
    return clf


def _numeric_blas(infos: list[dict]) -> list[dict]:
    """The BLAS libraries of :func:`threadpoolctl.threadpool_info` ``infos`` that numpy and scipy bring (their
    wheels keep them in ``numpy.libs`` and ``scipy.libs``), or every BLAS where none lies there (a conda or
    system BLAS): others loaded in the process, such as faiss's own OpenBLAS once the command line has
    imported the index, compute nothing of the training."""
    blas = [i for i in infos if i.get("user_api") == "blas"]
    own = [i for i in blas if Path(str(i.get("filepath", ""))).parent.name in ("numpy.libs", "scipy.libs")]
    return own or blas


def software_versions() -> dict[str, str]:
    """Versions of what the shipped weights depend on, bit for bit: Python, the numeric packages and
    libsndfile, the CPU kernels of OpenBLAS and torch, and the FluidSynth that renders the SoundFont kits (a
    release or kernel with other rounding moves the features by ~1e-7, and training amplifies that into
    other nets)."""
    import importlib.metadata
    import platform
    import shutil
    import subprocess

    import soundfile
    import torch
    from threadpoolctl import threadpool_info

    out = {"python": platform.python_version(), "libsndfile": str(soundfile.__libsndfile_version__),
           "torch_cpu": str(torch.backends.cpu.get_cpu_capability()),
           # OpenBLAS picks its kernels by CPU: other kernels, other last bits.
           "blas": "; ".join(sorted({f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')}"
                                     for i in _numeric_blas(threadpool_info())}))}
    for package in ("numpy", "scipy", "soxr", "soundfile", "torch"):
        try:
            out[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            out[package] = "missing"
    exe = shutil.which("fluidsynth")
    try:
        text = (subprocess.run([exe, "--version"], capture_output=True, text=True, errors="replace",
                               timeout=30).stdout if exe else "")
    except (OSError, subprocess.SubprocessError):
        text = ""
    out["fluidsynth"] = next((line.strip() for line in text.splitlines() if "version" in line.lower()), "missing")
    return out


#: Debian packages of the drum sounds (and of FluidSynth, their renderer) that the shipped weights were trained
#: on; ``make train-drums`` installs them.
TRAINING_PACKAGES: tuple[str, ...] = (
    "hydrogen-drumkits", "hydrogen-data", "lmms-common", "sonic-pi-samples", "exadrums", "freepats", "fluidsynth",
    "fluid-soundfont-gm", "timgm6mb-soundfont", "musescore-general-soundfont", "csound-soundfont",
    "avldrums.lv2-soundfont",
)
#: pip constraints pinning the packages whose versions the shipped weights record (``make train-drums``
#: installs them in a virtual environment of its own).
TRAINING_CONSTRAINTS = Path(__file__).with_name("training-constraints.txt")


def recorded_versions(path: str | Path) -> dict[str, str] | None:
    """The :func:`software_versions` that the weights at ``path`` record, or None (no file, none recorded,
    unreadable)."""
    try:
        with np.load(path) as z:
            return dict(json.loads(str(z["meta_versions"]))) if "meta_versions" in z.files else None
    except UNREADABLE_NPZ:
        return None


def recorded_run(path: str | Path) -> tuple[TrainConfig, list[str], dict[str, int] | None] | None:
    """The :class:`TrainConfig`, the training kits and the cross-validation fold of each example source (kit
    families, synthetic and random kits) that the weights at ``path`` record, or None (no file, none recorded,
    unreadable).

    Weights written before the configuration and the folds were recorded record only their seed: their
    configuration reads as the default one with that seed (as the shipped weights were made), and their folds
    as None (:func:`family_folds` works them out again). A recorded configuration missing a field of today's
    :class:`TrainConfig` takes its default; fields no longer known are ignored.
    """
    try:
        with np.load(path) as z:
            if "meta_seed" not in z.files or "meta_train_kits" not in z.files:
                return None
            kits = [str(k) for k in z["meta_train_kits"]]
            folds = json.loads(str(z["meta_folds"])) if "meta_folds" in z.files else None
            recorded = json.loads(str(z["meta_config"])) if "meta_config" in z.files else {"seed": int(z["meta_seed"])}
    except UNREADABLE_NPZ:   # json's decoding errors are ValueErrors
        return None
    if not isinstance(recorded, dict) or not (folds is None or isinstance(folds, dict)):
        return None
    known = {f.name for f in fields(TrainConfig)}
    cfg = TrainConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in recorded.items() if k in known})
    return cfg, kits, folds


def version_differences(recorded: Mapping[str, str], current: Mapping[str, str]) -> list[str]:
    """What of ``current`` differs from the ``recorded`` versions, as ``"numpy 2.5.0 (recorded: 2.4.6)"``,
    in the order of ``recorded``; a name missing from either side counts as ``"missing"``."""
    return [f"{name} {current.get(name, 'missing')} (recorded: {version})"
            for name, version in recorded.items() if current.get(name, "missing") != version]


def _weight_arrays(path: str | Path) -> dict[str, np.ndarray]:
    with np.load(path) as z:
        return {k: z[k] for k in z.files if not k.startswith("meta_")}


def weight_differences(a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray]) -> list[str]:
    """Names (sorted) of the arrays of two weights files (:func:`_weight_arrays`: everything but the
    ``meta_`` entries) that are missing from one or differ in shape, type or any bit; [] when every array is
    bit-identical (so the two make the same decisions)."""
    return sorted(k for k in set(a) | set(b) if k not in a or k not in b or a[k].dtype != b[k].dtype
                  or a[k].shape != b[k].shape or a[k].tobytes() != b[k].tobytes())


def training_kits(cfg: TrainConfig) -> KitSet:
    """The kits a training run of ``cfg`` learns from: the ``"train"`` split (:func:`~.data.kit_split`, with
    the extra sample packs and SoundFonts if ``cfg.extra_kits``), the first ``cfg.max_train_kits`` by name if
    set."""
    kits = kit_split("train", extra=cfg.extra_kits)
    if cfg.max_train_kits is None:
        return kits
    keep = sorted(kits.kits)[: cfg.max_train_kits]
    return KitSet({k: kits.kits[k] for k in keep}, {k: kits.others.get(k, []) for k in keep}, kits.soundfont & set(keep))


def train(out: str | Path = WEIGHTS_PATH, cfg: TrainConfig = TrainConfig(),
          progress: Callable[[str], None] | None = None) -> DrumClassifier:
    """Build the examples, fit and calibrate the classifier, and write its weights to ``out`` (with
    :func:`software_versions` in its metadata).

    numpy's BLAS runs on one thread throughout: its result depends on its thread count in the last bits, so a
    machine with more cores would otherwise build other examples and, through training, other nets
    (``cfg.threads`` sets torch's threads)."""
    from threadpoolctl import threadpool_limits

    if not str(out).endswith(".npz"):
        out = f"{out}.npz"  # what numpy's savez writes anyway
    with threadpool_limits(limits=1, user_api="blas"):
        return _train(Path(out), cfg, progress)


def _train(out: Path, cfg: TrainConfig, progress: Callable[[str], None] | None) -> DrumClassifier:
    t0 = time.perf_counter()
    current = software_versions()  # before the hours of work, not after
    versions = json.dumps(current, sort_keys=True)
    say = progress or (lambda msg: log.info(msg))
    # Read now: ``out`` may be the shipped file itself. A damaged one is what a retrain replaces.
    try:
        shipped = _weight_arrays(WEIGHTS_PATH) if WEIGHTS_PATH.is_file() else None
    except UNREADABLE_NPZ as exc:
        say(f"the shipped weights {WEIGHTS_PATH} are unreadable ({exc}); nothing to compare the new ones with")
        shipped = None
    differ = version_differences(recorded_versions(WEIGHTS_PATH) or {}, current)
    if differ:
        say("not the versions that made the shipped weights, so expect nets of like quality but not the same "
            f"bytes ({'; '.join(differ)}); `make train-drums` trains with the recorded ones")
    train_kits = training_kits(cfg)
    say(f"training kits: {len(train_kits.kits) - len(train_kits.soundfont)} sample kits, "
        f"{len(train_kits.soundfont)} SoundFont kits")
    ex = build_examples(train_kits, tracks_per_kit=cfg.tracks_per_kit, synthetic_tracks=cfg.synthetic_tracks,
                        shot_passes=cfg.shot_passes, seconds=cfg.seconds, seed=cfg.seed,
                        random_tracks=cfg.random_tracks, random_shot_kits=cfg.random_shot_kits,
                        delta=cfg.onset_delta, rel=cfg.onset_rel,
                        soundfont_tracks_per_kit=cfg.soundfont_tracks_per_kit, room_p=cfg.room_p, progress=say)
    say(f"{len(ex.x)} training examples from {len(np.unique(ex.source))} sources "
        f"({time.perf_counter() - t0:.0f} s)")
    clf = fit_classifier(ex, cfg, progress=say)
    names, first = np.unique(ex.source.astype(str), return_index=True)
    folds = dict(zip(names.tolist(), kit_folds(ex.source, cfg.members, cfg.seed)[first].tolist()))
    clf.save(out, train_kits=sorted(train_kits.kits), n_examples=len(ex.x), seed=cfg.seed, versions=versions,
             config=json.dumps(asdict(cfg), sort_keys=True), folds=json.dumps(folds, sort_keys=True))
    say(f"wrote {out} ({time.perf_counter() - t0:.0f} s)")
    if shipped is not None:
        written = _weight_arrays(out)
        changed = weight_differences(shipped, written)
        say("every array is identical to the shipped weights'" if not changed else
            f"{len(changed)} of {len(set(shipped) | set(written))} arrays differ from the shipped weights' "
            f"({', '.join(changed[:6])}{', ...' if len(changed) > 6 else ''})"
            + ("" if cfg == TrainConfig() else "; expected: this is not the default configuration"))
    return clf


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m heihachi_index.analysis.drums.train", description=__doc__.split("\n")[0])
    p.add_argument("--out", default=str(WEIGHTS_PATH), help="weights file to write (default: the shipped one)")
    p.add_argument("--quick", action="store_true", help="a small fast run (for trying things out)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--no-extra-kits", action="store_true", help="Hydrogen kits only (no LMMS / Sonic Pi samples)")
    args = p.parse_args(argv)
    cfg = TrainConfig(seed=args.seed, threads=args.threads, extra_kits=not args.no_extra_kits)
    if args.quick:
        cfg = replace(cfg, **QUICK)
    train(args.out, cfg, progress=lambda m: print(m, flush=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
