"""Handcrafted features: the reference (plain librosa calls) against ours, side by side, on one core.

Prints seconds per track, x realtime, peak memory and the speed ratio on generated 3-minute tracks,
then the tempo accuracy of both on the generator's corpus (70-180 BPM, every style).

    python benchmarks/bench_features.py            # 3 tracks of 180 s, 48 tempo tracks of 30 s
    python benchmarks/bench_features.py --quick    # 1 track, 16 tempo tracks
"""
from __future__ import annotations

import os

# One core for both pipelines: pin BLAS/OpenMP before numpy is imported, and the process to CPU 0.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from heihachi_index.audio import load
from heihachi_index.features import SAMPLE_RATE, extract
from heihachi_index.features.reference import reference_vector
from heihachi_index.synth import STYLES, generate, write_corpus


def pin_one_core() -> str:
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    except (AttributeError, OSError):
        return "not pinned (no sched_setaffinity)"


def timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


def peak_mib(fn, *args) -> float:
    tracemalloc.start()
    fn(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def speed(n_tracks: int, seconds: float, workdir: Path) -> None:
    styles = ["neurofunk", "liquid", "dubstep", "techno", "jungle", "house", "hiphop", "ambient"]
    tracks = [generate(styles[i % len(styles)], seed=100 + i, seconds=seconds) for i in range(n_tracks)]
    paths = [workdir / row["file"] for row in write_corpus(workdir, tracks, fmt="flac")]
    warm = load(paths[0], sr=SAMPLE_RATE).samples[: SAMPLE_RATE * 10]
    reference_vector(warm, SAMPLE_RATE)
    extract(warm, SAMPLE_RATE)

    print(f"\n== speed: {n_tracks} generated tracks x {seconds:.0f} s, 44.1 kHz stereo FLAC, one core ==")
    print(f"{'track':28s} {'decode s':>9s} {'reference s':>12s} {'ours s':>8s} {'ratio':>7s}")
    ref_t, our_t, dec_t = [], [], []
    for path in paths:
        audio, t_dec = timed(load, path, SAMPLE_RATE)
        _, t_ref = timed(reference_vector, audio.samples, SAMPLE_RATE)
        _, t_our = timed(extract, audio.samples, SAMPLE_RATE)
        ref_t.append(t_ref)
        our_t.append(t_our)
        dec_t.append(t_dec)
        print(f"{path.name:28s} {t_dec:9.3f} {t_ref:12.3f} {t_our:8.3f} {t_ref / t_our:7.1f}")
    audio = load(paths[0], sr=SAMPLE_RATE)
    mem_ref = peak_mib(reference_vector, audio.samples, SAMPLE_RATE)
    mem_our = peak_mib(extract, audio.samples, SAMPLE_RATE)
    med_ref, med_our, med_dec = (statistics.median(x) for x in (ref_t, our_t, dec_t))
    print(f"\n{'':20s} {'s/track':>9s} {'x realtime':>11s} {'peak MiB':>9s}")
    print(f"{'reference':20s} {med_ref:9.3f} {seconds / med_ref:11.1f} {mem_ref:9.0f}")
    print(f"{'ours':20s} {med_our:9.3f} {seconds / med_our:11.1f} {mem_our:9.0f}")
    print(f"{'decode (both)':20s} {med_dec:9.3f} {seconds / med_dec:11.1f}")
    print(f"speed ratio (median, features only): {med_ref / med_our:.1f}x")
    print(f"speed ratio (median, decode + features): {(med_ref + med_dec) / (med_our + med_dec):.1f}x")


def tempo_accuracy(n_tracks: int, seconds: float) -> None:
    import librosa

    print(f"\n== tempo: {n_tracks} generated tracks x {seconds:.0f} s, every style, within 2 % of the truth ==")
    per_style: dict[str, list[tuple[bool, bool]]] = {}
    misses = []
    for i in range(n_tracks):
        style = STYLES[i % len(STYLES)]
        track = generate(style, seed=1000 + i, seconds=seconds)
        y = librosa.resample(track.mono(), orig_sr=track.sr, target_sr=SAMPLE_RATE, res_type="soxr_hq")
        truth = track.truth.tempo
        ours = extract(y, SAMPLE_RATE).tempo
        ref = float(np.atleast_1d(librosa.beat.beat_track(y=y, sr=SAMPLE_RATE)[0])[0])
        ok_ours = abs(ours - truth) <= 0.02 * truth
        ok_ref = abs(ref - truth) <= 0.02 * truth
        per_style.setdefault(style, []).append((ok_ours, ok_ref))
        if not ok_ours:
            misses.append(f"{style} seed {1000 + i}: truth {truth:.1f}, ours {ours:.1f}")
    print(f"{'style':12s} {'n':>3s} {'ours':>7s} {'reference':>10s}")
    for style, rows in per_style.items():
        print(f"{style:12s} {len(rows):3d} {np.mean([r[0] for r in rows]):7.0%} {np.mean([r[1] for r in rows]):10.0%}")
    all_rows = [r for rows in per_style.values() for r in rows]
    print(f"{'all':12s} {len(all_rows):3d} {np.mean([r[0] for r in all_rows]):7.0%} "
          f"{np.mean([r[1] for r in all_rows]):10.0%}")
    for miss in misses:
        print("  miss:", miss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tracks", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--tempo-tracks", type=int, default=48)
    parser.add_argument("--tempo-seconds", type=float, default=30.0)
    parser.add_argument("--quick", action="store_true", help="1 speed track, 16 tempo tracks")
    args = parser.parse_args()
    if args.quick:
        args.tracks, args.tempo_tracks = 1, 16
    print("heihachi-index feature benchmark:", pin_one_core())
    with tempfile.TemporaryDirectory() as tmp:
        speed(args.tracks, args.seconds, Path(tmp))
    tempo_accuracy(args.tempo_tracks, args.tempo_seconds)


if __name__ == "__main__":
    main()
