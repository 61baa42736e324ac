"""Beat grid and drum-pattern evaluation on the synthetic corpus (issue #6, "Beat grid" and "Patterns").

Sections (each a function, so ``benchmarks/eval_drums.py`` can call them):

- :func:`eval_corpus` - tempo within 2 %, beat F-measure (+-70 ms, as ``mir_eval.beat.f_measure``; beats in
  the first 5 s ignored, as ``mir_eval.beat.evaluate`` does) and downbeat F-measure, from the audio alone
  and with the generator's drum hits, per style and overall.
- :func:`eval_patterns` - pattern type, Amen similarity, swing and syncopation against the generator's truth.
- :func:`eval_drift` - tracks whose tempo drifts (varispeed ramps) and a two-track mix with a tempo jump:
  tempo-curve error, beat and downbeat F.
- :func:`eval_speed` - seconds for ``beat_grid`` + ``analyze_patterns`` on a 3-minute track, one thread.

Run: ``.venv/bin/python benchmarks/eval_beats.py [--seeds N] [--seconds S] [--sections corpus,patterns,...]``
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from heihachi_index.analysis.beat import BeatGrid, beat_grid  # noqa: E402
from heihachi_index.analysis.patterns import analyze_patterns  # noqa: E402
from heihachi_index.analysis.types import DrumHit  # noqa: E402
from heihachi_index.synth import STYLES, generate  # noqa: E402

WINDOW = 0.07
TRIM = 5.0
DRUM_STYLES = tuple(s for s in STYLES if s != "ambient")


def f_measure(reference: np.ndarray, estimated: np.ndarray, window: float = WINDOW) -> float:
    """F-measure of estimated against reference event times: one-to-one matches within ``window``
    (greedy by distance, which is the maximum matching when events are more than 2 windows apart)."""
    reference = np.asarray(reference, dtype=float)
    estimated = np.asarray(estimated, dtype=float)
    if reference.size == 0 and estimated.size == 0:
        return 1.0
    if reference.size == 0 or estimated.size == 0:
        return 0.0
    d = np.abs(reference[:, None] - estimated[None, :])
    i, j = np.nonzero(d <= window)
    order = np.argsort(d[i, j], kind="stable")
    used_r, used_e = set(), set()
    hits = 0
    for a, b in zip(i[order], j[order]):
        if a not in used_r and b not in used_e:
            used_r.add(a)
            used_e.add(b)
            hits += 1
    p, r = hits / estimated.size, hits / reference.size
    return 0.0 if hits == 0 else 2 * p * r / (p + r)


def trim(times: np.ndarray, start: float = TRIM) -> np.ndarray:
    times = np.asarray(times, dtype=float)
    return times[times >= start]


def truth_hits(track) -> list[DrumHit]:
    return [DrumHit(float(h["time"]), h["label"], 1.0, float(h["velocity"])) for h in track.truth.hits]


@dataclass
class Row:
    style: str
    seed: int
    tempo_true: float
    tempo_est: float
    beat_f: float
    beat_f_hits: float
    downbeat_f: float
    downbeat_f_audio: float
    offset_ms: float


def _offset_ms(ref: np.ndarray, est: np.ndarray) -> float:
    """Median signed distance (ms) from each estimated beat to the nearest reference beat."""
    if ref.size == 0 or est.size == 0:
        return float("nan")
    k = np.clip(np.searchsorted(ref, est), 1, ref.size - 1)
    near = np.where(np.abs(ref[k] - est) < np.abs(ref[k - 1] - est), ref[k], ref[k - 1])
    return float(np.median(est - near) * 1000)


def eval_corpus(seeds: int = 4, seconds: float = 45.0, styles: tuple[str, ...] = STYLES,
                verbose: bool = True, detected: bool = False) -> list[Row]:
    """Tempo, beat F and downbeat F of every (style, seed) track, from the audio alone and with drum hits:
    the generator's (default) or, with ``detected``, those of ``detect_hits`` (as ``analyze_drums`` does).
    Ambient has no drums: both are the audio grid."""
    rows = []
    for style in styles:
        for seed in range(seeds):
            track = generate(style, seed, seconds)
            y, sr, truth = track.mono(), track.sr, track.truth
            if detected:
                from heihachi_index.analysis.drums import detect_hits

                hits = detect_hits(y, sr)
            else:
                hits = truth_hits(track)
            g_audio = beat_grid(y, sr)
            g = beat_grid(y, sr, hits=hits) if hits else g_audio
            ref_b, ref_d = np.array(truth.beats), np.array(truth.downbeats)
            row = Row(style, seed, truth.tempo, g_audio.tempo, f_measure(trim(ref_b), trim(g_audio.beats)),
                      f_measure(trim(ref_b), trim(g.beats)), f_measure(trim(ref_d), trim(g.downbeats)),
                      f_measure(trim(ref_d), trim(g_audio.downbeats)), _offset_ms(ref_b, g_audio.beats))
            rows.append(row)
            if verbose:
                print(f"  {style:10s} seed {seed}: tempo {truth.tempo:6.1f} -> {g_audio.tempo:7.2f}  "
                      f"beat F (audio) {row.beat_f:.3f} (hits) {row.beat_f_hits:.3f}  downbeat F (audio) "
                      f"{row.downbeat_f_audio:.3f} (hits) {row.downbeat_f:.3f}  offset {row.offset_ms:+.1f} ms",
                      flush=True)
    return rows


def corpus_table(rows: list[Row]) -> str:
    lines = ["| style | tracks | tempo within 2 % | beat F (audio only) | beat F (with hits) | downbeat F (audio only) "
             "| downbeat F (with hits) | median beat offset ms (audio only) |", "|---|---|---|---|---|---|---|---|"]

    def line(name: str, rs: list[Row]) -> str:
        ok = np.mean([abs(r.tempo_est / r.tempo_true - 1) <= 0.02 for r in rs])
        return (f"| {name} | {len(rs)} | {ok:.2f} | {np.mean([r.beat_f for r in rs]):.3f} | "
                f"{np.mean([r.beat_f_hits for r in rs]):.3f} | {np.mean([r.downbeat_f_audio for r in rs]):.3f} | "
                f"{np.mean([r.downbeat_f for r in rs]):.3f} | {np.nanmedian([r.offset_ms for r in rs]):+.1f} |")

    for style in dict.fromkeys(r.style for r in rows):
        lines.append(line(style, [r for r in rows if r.style == style]))
    lines.append(line("**all**", rows))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------

EXPECTED_PATTERN = {"neurofunk": "two_step", "liquid": "two_step", "jungle": "amen_like", "dubstep": "half_time",
                    "techno": "four_on_the_floor", "house": "four_on_the_floor", "hiphop": "breakbeat"}


def eval_patterns(seeds: int = 3, seconds: float = 45.0, verbose: bool = True) -> str:
    """Overall pattern type, Amen similarity, swing (measured vs truth) and syncopation per style; the grid
    from the audio with the truth's hits, the patterns from those hits."""
    lines = ["| style | tracks | pattern (counts) | expected share | amen sim | swing truth | swing measured "
             "| syncopation | density | fill bars |", "|---|---|---|---|---|---|---|---|---|---|"]
    for style in DRUM_STYLES:
        types, amen, sw_t, sw_m, sync, dens, fills = [], [], [], [], [], [], []
        for seed in range(seeds):
            track = generate(style, seed, seconds)
            hits = truth_hits(track)
            g = beat_grid(track.mono(), track.sr, hits=hits)
            p = analyze_patterns(hits, g)
            s = p.summary()
            types.append(s["pattern"])
            amen.append(s["amen_similarity"])
            sw_t.append(track.truth.swing)
            sw_m.append(s["swing"])
            sync.append(s["syncopation"])
            dens.append(s["density"])
            fills.append(len(p.fills))
        counts = {t: types.count(t) for t in dict.fromkeys(types)}
        share = types.count(EXPECTED_PATTERN[style]) / len(types)
        lines.append(f"| {style} | {len(types)} | {counts} | {share:.2f} ({EXPECTED_PATTERN[style]}) | "
                     f"{np.mean(amen):.2f} | {' '.join(f'{a:.3f}' for a in sw_t)} | "
                     f"{' '.join(f'{a:.3f}' for a in sw_m)} | {np.mean(sync):.2f} | {np.mean(dens):.1f} | "
                     f"{np.mean(fills):.1f} |")
        if verbose:
            print(lines[-1], flush=True)
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------

def varispeed(y: np.ndarray, sr: int, rate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Play ``y`` at a time-varying ``rate`` (one value per output sample, 1 = unchanged), like a DJ's
    pitch fader: returns the output and, per output sample, the input time it plays (seconds)."""
    src = np.concatenate([[0.0], np.cumsum(rate[:-1])])
    src = src[src <= y.size - 1]
    out = np.interp(src, np.arange(y.size), y).astype(np.float32)
    return out, src / sr


def drift_track(style: str = "neurofunk", seed: int = 0, seconds: float = 60.0, start_bpm: float = 170.0,
                end_bpm: float = 178.0, sr: int = 22050):
    """A track whose tempo ramps linearly from ``start_bpm`` to ``end_bpm``: (audio, sr, true beat
    times, true tempo as a function of time)."""
    # Enough source material for the faster end.
    track = generate(style, seed, seconds * max(end_bpm, start_bpm) / start_bpm + 1.0, sr=sr, tempo=start_bpm,
                     structure=False)
    y = track.mono()
    n_out = int(seconds * sr)
    rate = np.linspace(1.0, end_bpm / start_bpm, n_out)
    out, src_t = varispeed(y, sr, rate)
    t_out = np.arange(out.size) / sr
    beats = np.interp(np.array(track.truth.beats), src_t, t_out, right=np.nan)
    beats = beats[np.isfinite(beats) & (beats <= t_out[-1])]

    def tempo_at(t: np.ndarray) -> np.ndarray:
        return start_bpm * np.interp(t, t_out, rate[: out.size])

    return out, sr, beats, tempo_at


MIX_CUT = 30.0 - 1.37


def mix_track(seconds_each: float = 30.0, sr: int = 22050):
    """House at 122 then house at 128 BPM, cut together off the beat at ``MIX_CUT`` s: (audio, sr, beats,
    downbeats, tempo_at, hits)."""
    a = generate("house", 0, seconds_each, sr=sr, tempo=122.0, structure=False)
    b = generate("house", 1, seconds_each, sr=sr, tempo=128.0, structure=False)
    cut = int(round(MIX_CUT * sr))
    y = np.concatenate([a.mono()[:cut], b.mono()])
    t_cut = cut / sr
    beats = np.concatenate([np.array(a.truth.beats)[np.array(a.truth.beats) < t_cut], t_cut + np.array(b.truth.beats)])
    downs = np.concatenate([np.array(a.truth.downbeats)[np.array(a.truth.downbeats) < t_cut],
                            t_cut + np.array(b.truth.downbeats)])
    hits = [DrumHit(float(h["time"]), h["label"], 1.0, float(h["velocity"])) for h in a.truth.hits
            if h["time"] < t_cut] + [DrumHit(t_cut + float(h["time"]), h["label"], 1.0, float(h["velocity"]))
                                     for h in b.truth.hits]

    def tempo_at(t: np.ndarray) -> np.ndarray:
        return np.where(np.asarray(t) < t_cut, 122.0, 128.0)

    return y, sr, beats, downs, tempo_at, hits


def curve_error(grid: BeatGrid, tempo_at, skip: float = 4.0) -> float:
    """Largest relative error of the tempo curve (bars more than ``skip`` s from the ends)."""
    t, bpm = grid.tempo_curve[:, 0], grid.tempo_curve[:, 1]
    sel = (t > skip) & (t < grid.duration - skip)
    return float(np.max(np.abs(bpm[sel] / tempo_at(t[sel]) - 1)))


def eval_drift(verbose: bool = True) -> str:
    lines = ["| case | true tempo | est. curve range | max curve error | beat F | downbeat F |",
             "|---|---|---|---|---|---|"]
    for style, lo, hi in (("neurofunk", 170.0, 178.0), ("techno", 126.0, 132.0), ("house", 124.0, 118.0)):
        y, sr, beats, tempo_at = drift_track(style, 0, 60.0, lo, hi)
        g = beat_grid(y, sr)
        err = curve_error(g, tempo_at)
        lines.append(f"| {style} ramp, audio only | {lo:.0f} -> {hi:.0f} | {g.tempo_curve[:, 1].min():.1f}-"
                     f"{g.tempo_curve[:, 1].max():.1f} | {100 * err:.2f} % | "
                     f"{f_measure(trim(beats), trim(g.beats)):.3f} | - |")
        if verbose:
            print(lines[-1], flush=True)
    y, sr, beats, downs, tempo_at, hits = mix_track()
    for name, h in (("audio only", None), ("with hits", hits)):
        g = beat_grid(y, sr, hits=h)
        t = g.tempo_curve[:, 0]
        away = np.abs(t - MIX_CUT) > 4.0
        err = float(np.max(np.abs(g.tempo_curve[away, 1] / tempo_at(t[away]) - 1)))
        lines.append(f"| house mix (hard cut), {name} | 122 / 128 | {g.tempo_curve[:, 1].min():.1f}-"
                     f"{g.tempo_curve[:, 1].max():.1f} | {100 * err:.2f} % (>4 s from the cut) | "
                     f"{f_measure(trim(beats), trim(g.beats)):.3f} | {f_measure(trim(downs), trim(g.downbeats)):.3f} |")
        if verbose:
            print(lines[-1], flush=True)
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------

def eval_speed(seconds: float = 180.0, repeats: int = 3) -> str:
    """Wall time of beat_grid (with hits) + analyze_patterns on a 3-minute 44.1 kHz track, one thread."""
    track = generate("neurofunk", 7, seconds)
    hits = truth_hits(track)
    y = track.mono()
    beat_grid(y, track.sr, hits=hits)  # warm-up (numba, caches)
    tg, tp = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        g = beat_grid(y, track.sr, hits=hits)
        t1 = time.perf_counter()
        analyze_patterns(hits, g)
        t2 = time.perf_counter()
        tg.append(t1 - t0)
        tp.append(t2 - t1)
    total = min(tg) + min(tp)
    return (f"{seconds:.0f} s track at {track.sr} Hz, {len(hits)} hits: beat_grid {min(tg):.3f} s, "
            f"analyze_patterns {min(tp):.3f} s, total {total:.3f} s = {seconds / total:.0f}x realtime "
            f"(best of {repeats}, one thread)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=45.0)
    ap.add_argument("--sections", default="corpus,patterns,drift,speed")
    args = ap.parse_args(argv)
    sections = set(args.sections.split(","))
    if "corpus" in sections:
        print("## Beat grid on the generator corpus", flush=True)
        rows = eval_corpus(args.seeds, args.seconds)
        print(corpus_table(rows), flush=True)
    if "patterns" in sections:
        print("\n## Drum patterns (grid from the audio + truth hits, patterns from the truth hits)", flush=True)
        print(eval_patterns(max(2, args.seeds - 1), args.seconds, verbose=False), flush=True)
    if "drift" in sections:
        print("\n## Tempo curve", flush=True)
        print(eval_drift(verbose=False), flush=True)
    if "speed" in sections:
        print("\n## Speed", flush=True)
        print(eval_speed(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
