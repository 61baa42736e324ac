"""``heihachi-index synth``: write a synthetic corpus (audio, manifest.json, manifest.csv) with ground truth."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from heihachi_index.config import Config
from heihachi_index.logs import get_logger
from heihachi_index.progress import progress
from heihachi_index.synth.styles import STYLES

log = get_logger("cli.synth")


def _styles(text: str) -> list[str]:
    styles = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in styles if s not in STYLES]
    if unknown or not styles:
        raise argparse.ArgumentTypeError(f"unknown style(s): {', '.join(unknown) or repr(text)} "
                                         f"(known: {', '.join(STYLES)})")
    return styles


def _number(kind: type, low: float, high: float | None = None, *, strict: bool = False):
    """An argparse type: a number of ``kind`` in ``[low, high]`` (``(low, high]`` when ``strict``)."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value < low or (strict and value == low) or (high is not None and value > high):
            bound = f"{'above' if strict else 'at least'} {low:g}" + (f" and at most {high:g}" if high else "")
            raise argparse.ArgumentTypeError(f"{text} is out of range (must be {bound})")
        return value
    return parse


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "synth",
        parents=[parent],
        help="write a synthetic test corpus with ground truth",
        description="Render synthetic tracks (cycling through the styles) to OUT_DIR as 16-bit audio files, "
                    "with manifest.json (full ground truth) and manifest.csv (one row per track).",
    )
    p.add_argument("out_dir", metavar="OUT_DIR", help="folder to write the corpus to (created if missing)")
    p.add_argument("--n", type=_number(int, 1), default=24, help="number of tracks (default 24)")
    p.add_argument("--seconds", type=_number(float, 0.0, 3600.0, strict=True), default=60.0,
                   help="duration of each track in seconds (default 60)")
    p.add_argument("--seed", type=_number(int, 0), default=0, help="corpus seed (default 0)")
    p.add_argument("--styles", type=_styles, help=f"comma-separated styles (default all: {','.join(STYLES)})")
    p.add_argument("--format", choices=("flac", "wav"), default="flac", help="audio format (default flac)")
    p.add_argument("--sr", type=_number(int, 8000, 192000), default=44100, help="sample rate (default 44100)")
    p.add_argument("--json", action="store_true", help="print a JSON summary instead of one line per track")
    p.set_defaults(func=run)


def _summary(entry: dict) -> dict:
    keys = ("file", "style", "seed", "tempo", "key", "mode", "camelot", "bass_type", "mood", "vocals", "duration")
    return {**{k: entry[k] for k in keys}, "n_hits": len(entry["hits"])}


def run(args: argparse.Namespace, cfg: Config) -> int:
    # Imported here: the parser is built for every command, rendering needs scipy.
    from heihachi_index.synth.corpus import corpus_plan, iter_corpus, write_manifest, write_track

    styles = args.styles or list(STYLES)
    out = Path(args.out_dir)
    plan = corpus_plan(args.n, args.seed, styles)
    entries = []
    with progress(total=len(plan), desc="synth", unit="track") as bar:
        for i, track in enumerate(iter_corpus(args.n, args.seconds, args.seed, styles, args.sr)):
            entry = write_track(out, i, track, args.format)
            entries.append(entry)
            if not args.json:
                bar.write(f"{entry['file']}  {entry['style']:<9}  {entry['tempo']:6.1f} BPM  "
                          f"{entry['key']} {entry['mode']} ({entry['camelot']})  {entry['mood']}", file=sys.stdout)
            bar.update(1)
    write_manifest(out, entries)
    log.info("synthetic corpus written", extra={"out_dir": str(out), "tracks": len(entries)})
    if args.json:
        print(json.dumps({"out_dir": str(out), "tracks": [_summary(e) for e in entries]}, indent=1))
    return 0
