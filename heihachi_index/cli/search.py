"""``heihachi-index search "dark neurofunk" [-k 10] [--mmr 0.7] [--bpm 170-178] [--key 4A] [--json]``."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from heihachi_index.cli import CliError
from heihachi_index.cli.similar import parse_range
from heihachi_index.cli.text import analyze, describe
from heihachi_index.client.cli import add_remote_options, remote_search_text
from heihachi_index.config import Config
from heihachi_index.index import StoreError, TrackIndex
from heihachi_index.search import SearchFilters
from heihachi_index.search.hit import Hit
from heihachi_index.search.text import search_text

TOP_CONCEPTS = 4  # contributions printed per hit


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("search", parents=[parent], help="tracks matching a text description")
    p.add_argument("query", metavar="TEXT", help='e.g. "calm liquid around 172 bpm, no vocals"')
    p.add_argument("-k", type=int, default=10, help="number of results (default 10)")
    p.add_argument("--mmr", type=float, nargs="?", const=0.7, default=None, metavar="LAMBDA",
                   help="diversify with MMR (lambda, default 0.7; 1 = plain ranking)")
    p.add_argument("--bpm", help="tempo range, e.g. 170-178 (half/double time also matches), besides the text's own")
    p.add_argument("--strict-bpm", action="store_true", help="no half/double-time matches for --bpm")
    p.add_argument("--key", help="a key or Camelot code: matches it and its mixable keys")
    p.add_argument("--duration", help="duration range in seconds, e.g. 120-400")
    p.add_argument("--tag", action="append", help="match any of these tags (repeatable)")
    p.add_argument("--no-clap", action="store_true",
                   help="rank by concepts only, even when the index has CLAP vectors and embed.clap_path is set")
    p.add_argument("--json", action="store_true")
    add_remote_options(p)
    p.set_defaults(func=run)


def _filters(args: argparse.Namespace) -> SearchFilters | None:
    if not (args.bpm or args.key or args.duration or args.tag):
        return None
    try:
        return SearchFilters(tempo=parse_range(args.bpm, "bpm") if args.bpm else None,
                             half_double_time=not args.strict_bpm, key=args.key,
                             duration=parse_range(args.duration, "duration") if args.duration else None,
                             tags=args.tag)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def format_hit(rank: int, hit: Hit) -> list[str]:
    """One result: rank, score, name, tempo/key/duration, id; then its main contributions."""
    p = hit.payload
    name = p.get("title") or Path(p.get("path") or hit.track_id).name
    tempo = f"{p['tempo']:.1f} BPM" if isinstance(p.get("tempo"), (int, float)) else "? BPM"
    dur = f"{p['duration']:.0f} s" if isinstance(p.get("duration"), (int, float)) else "? s"
    lines = [f"{rank:2d}. {hit.score:6.3f}  {name}  [{tempo}, {p.get('key') or '?'} {p.get('camelot') or ''}, {dur}]"
             f"  {hit.track_id}"]
    if hit.explanation:
        parts = sorted(hit.explanation.items(), key=lambda kv: -abs(kv[1]))[:TOP_CONCEPTS]
        lines.append("      " + ", ".join(f"{name} {value:+.3f}" for name, value in parts))
    return lines


def clap_encoder(cfg: Config, index: TrackIndex) -> Any:
    """The configured CLAP model when the index has CLAP vectors (``None`` otherwise, with a note on stderr)."""
    if "clap" not in index.families():
        return None
    if not cfg.embed.clap_path:
        print("note: the index has CLAP vectors but embed.clap_path is not set: ranking by concepts only",
              file=sys.stderr)
        return None
    from heihachi_index.embed import EmbedError, load_embedders

    try:
        embedders, messages = load_embedders(cfg, ["clap"])
    except (EmbedError, ValueError) as exc:
        raise CliError(f"CLAP: {exc}") from None
    for m in messages:
        print(f"note: {m}", file=sys.stderr)
    return embedders.get("clap")


def run(args: argparse.Namespace, cfg: Config) -> int:
    if args.k < 1:
        raise CliError("-k must be at least 1")
    filters = _filters(args)
    if args.server:
        return _remote(args, filters)
    analysis = analyze(args.query, cfg)
    try:
        with TrackIndex.open(cfg, read_only=True) as index:
            clap = None if args.no_clap else clap_encoder(cfg, index)
            hits = search_text(index, analysis, k=args.k, filters=filters, mmr=args.mmr, clap=clap)
    except (ValueError, StoreError) as exc:
        raise CliError(str(exc)) from None
    if args.json:
        print(json.dumps({"analysis": analysis.to_dict(), "hits": [h.to_dict() for h in hits]}, indent=1,
                         default=str))
        return 0
    for line in describe(analysis):
        print(line)
    print()
    for rank, hit in enumerate(hits, 1):
        print("\n".join(format_hit(rank, hit)))
    if not hits:
        print("no matches")
    return 0


def _remote(args: argparse.Namespace, filters: SearchFilters | None) -> int:
    found = remote_search_text(args, filters)
    if args.json:
        print(json.dumps({"analysis": found.analysis, "hits": [h.to_dict() for h in found.hits]}, indent=1,
                         default=str))
        return 0
    understood = ", ".join(f"{c['name']} {c['weight']:+.2f}" for c in found.analysis["concepts"])
    print(f"understood: {understood or 'no concepts'}")
    if found.analysis["unparsed"]:
        print(f"not understood: {', '.join(found.analysis['unparsed'])}")
    print()
    for rank, hit in enumerate(found.hits, 1):
        print("\n".join(format_hit(rank, hit)))
    if not found.hits:
        print("no matches")
    return 0
