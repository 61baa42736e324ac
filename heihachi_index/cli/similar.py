"""``heihachi-index similar (TRACK_ID|FILE) [-k 10] [--mmr 0.7] [--bpm 170-178] [--explain] [--json]``."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from heihachi_index.cli import CliError
from heihachi_index.audio import AudioError
from heihachi_index.client.cli import add_remote_options, remote_similar
from heihachi_index.config import Config
from heihachi_index.features import FeatureError
from heihachi_index.index import TrackIndex, TrackNotFoundError
from heihachi_index.search import SearchFilters, similar
from heihachi_index.pipeline.featurize import handcrafted_featurizer


def parse_range(text: str, name: str) -> tuple[float, float]:
    try:
        if "-" in text.strip("-"):
            lo, hi = text.split("-", 1)
            return float(lo), float(hi)
        value = float(text)
        return value, value
    except ValueError:
        raise CliError(f"--{name}: expected a number or a range like 170-178, got {text!r}") from None


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("similar", parents=[parent], help="tracks like this one (a track id or an audio file)")
    p.add_argument("query", metavar="TRACK_ID|FILE")
    p.add_argument("-k", type=int, default=10, help="number of results (default 10)")
    p.add_argument("--mmr", type=float, nargs="?", const=0.7, default=None, metavar="LAMBDA",
                   help="diversify with MMR (lambda, default 0.7; 1 = plain ranking)")
    p.add_argument("--bpm", help="tempo range, e.g. 170-178 (half/double time also matches)")
    p.add_argument("--strict-bpm", action="store_true", help="no half/double-time matches")
    p.add_argument("--key", help="a key or Camelot code: matches it and its mixable keys")
    p.add_argument("--duration", help="duration range in seconds, e.g. 120-400")
    p.add_argument("--tag", action="append", help="match any of these tags (repeatable)")
    p.add_argument("--explain", action="store_true", help="show which feature groups made each match")
    p.add_argument("--json", action="store_true")
    add_remote_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace, cfg: Config) -> int:
    if args.k < 1:
        raise CliError("-k must be at least 1")
    try:
        filters = SearchFilters(
            tempo=parse_range(args.bpm, "bpm") if args.bpm else None,
            half_double_time=not args.strict_bpm,
            key=args.key,
            duration=parse_range(args.duration, "duration") if args.duration else None,
            tags=args.tag,
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None
    hits = remote_similar(args, filters) if args.server else local_similar(args, cfg, filters)
    if args.json:
        print(json.dumps([h.to_dict() for h in hits], indent=1, default=_json_default))
        return 0
    for rank, hit in enumerate(hits, 1):
        p = hit.payload
        name = p.get("title") or Path(p.get("path", hit.track_id)).name
        print(f"{rank:2d}. {hit.score:6.3f}  {name}  [{p.get('tempo', 0):.1f} BPM, {p.get('key', '?')} "
              f"{p.get('camelot', '')}, {p.get('duration', 0):.0f} s]  {hit.track_id}")
        if hit.explanation:
            parts = sorted(hit.explanation.items(), key=lambda kv: -kv[1])
            print("      " + ", ".join(f"{group} {value:+.3f}" for group, value in parts))
    if not hits:
        print("no matches")
    return 0


def local_similar(args: argparse.Namespace, cfg: Config, filters: SearchFilters) -> list:
    with TrackIndex.open(cfg, read_only=True, featurize=handcrafted_featurizer(cfg)) as index:
        query = args.query
        if Path(query).exists():
            query = Path(query)
        try:
            return similar(index, query, k=args.k, filters=filters, mmr=args.mmr, explain=args.explain)
        except (TrackNotFoundError, FileNotFoundError) as exc:
            raise CliError(f"{exc} (give a track id from `heihachi-index info --list` or an audio file)") from None
        except (AudioError, FeatureError, ValueError) as exc:
            raise CliError(str(exc)) from None


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    return str(value)
