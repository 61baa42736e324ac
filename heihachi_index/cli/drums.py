"""``heihachi-index drums FILE [--json | --csv | --midi OUT]``: beat grid, drum hits and patterns of a file."""
from __future__ import annotations

import argparse
import sys

from heihachi_index.audio import AudioError, load
from heihachi_index.cli import CliError
from heihachi_index.config import Config
from heihachi_index.features import SAMPLE_RATE

_NAMES = {"kick": "kick", "snare": "snare", "clap": "clap", "hihat_closed": "hat", "hihat_open": "open hat",
          "tom": "tom", "crash": "crash", "ride": "ride"}


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("drums", parents=[parent], help="drum hits, beat grid and patterns of an audio file",
                       description="Detect and classify every drum hit of a file, track its beats and bars, and "
                                   "describe the drum programming bar by bar (16-step grids, swing, syncopation, "
                                   "pattern type, Amen-break similarity).")
    p.add_argument("file", metavar="FILE")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print hits, grid and patterns as JSON")
    out.add_argument("--csv", action="store_true", help="print the hits as CSV (time,label,confidence,velocity)")
    out.add_argument("--midi", metavar="OUT.mid", help="write the hits as a General MIDI drum file")
    p.add_argument("--bars", type=int, default=4, help="bars of the 16-step grid to print (text output)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, cfg: Config) -> int:
    from heihachi_index.analysis import export
    from heihachi_index.analysis.rhythm import analyze_drums

    try:
        audio = load(args.file, sr=SAMPLE_RATE, config=cfg.audio)
    except AudioError as exc:
        raise CliError(str(exc)) from None
    try:
        result = analyze_drums(audio.samples, audio.sr, tempo_min=cfg.features.tempo_min,
                               tempo_max=cfg.features.tempo_max)
    except ValueError as exc:
        raise CliError(f"{args.file}: {exc}") from None
    if args.json:
        print(export.hits_to_json(result.hits, result.grid, result.patterns))
    elif args.csv:
        sys.stdout.write(export.hits_to_csv(result.hits))
    elif args.midi:
        export.hits_to_midi(result.hits, args.midi, tempo=result.grid.tempo)
        print(f"wrote {len(result.hits)} hits to {args.midi} at {result.grid.tempo:.1f} BPM")
    else:
        print(_text(args.file, result, args.bars))
    return 0


def _text(path: str, result, n_bars: int) -> str:
    grid, pat = result.grid, result.patterns
    summary = result.summary()
    rates = ", ".join(f"{_NAMES.get(k, k)} {v:.2f}/s" for k, v in summary["per_second"].items() if v > 0)
    lines = [
        f"{path}: {result.duration:.1f} s, {grid.tempo:.1f} BPM (confidence {grid.tempo_confidence:.2f}), "
        f"{len(grid.beats)} beats, {len(grid.bars)} bars",
        f"  {len(result.hits)} hits: {rates or 'none'}",
        f"  pattern {pat.pattern}, Amen similarity {pat.amen_similarity:.2f}, swing {pat.swing:+.2f}, "
        f"syncopation {pat.syncopation:.2f}, {pat.mean_density:.1f} hits/bar, fills in bars "
        f"{', '.join(str(b) for b in pat.fills[:12]) or 'none'}",
    ]
    from heihachi_index.analysis.types import DRUM_CLASSES

    for b in range(min(n_bars, pat.n_bars)):
        lines.append(f"  bar {b} at {pat.bar_times[b, 0]:.2f} s ({pat.bar_types[b]}):")
        for i, label in enumerate(DRUM_CLASSES):
            steps = pat.grid[b, i]
            if (steps > 0).any():
                cells = "".join("X" if v >= 0.66 else "x" if v >= 0.33 else "." if v > 0 else "-" for v in steps)
                lines.append(f"    {_NAMES[label]:>8} |{cells[:4]}|{cells[4:8]}|{cells[8:12]}|{cells[12:]}|")
    return "\n".join(lines)
