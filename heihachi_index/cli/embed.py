"""``heihachi-index embed [--backfill] [--family clap|beats] [--batch-size N] [--json]``.

Without ``--backfill``: which embedding models are configured and present, and how to add the
missing ones. With it: embed every indexed track that lacks a family (resumable).
"""
from __future__ import annotations

import argparse
import json

from heihachi_index.cli import CliError
from heihachi_index.config import Config

FAMILIES = ("clap", "beats")  # = heihachi_index.embed.FAMILIES, without importing torch for --help


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("embed", parents=[parent], help="neural embeddings (CLAP, BEATs) for indexed tracks",
                       description="Show the configured embedding models, or with --backfill add their vectors "
                                   "to every indexed track that lacks them (resumable).")
    p.add_argument("--backfill", action="store_true", help="embed indexed tracks that lack a family")
    p.add_argument("--family", action="append", choices=FAMILIES,
                   help="only this family (repeatable; default: every configured one)")
    p.add_argument("--batch-size", type=int, default=16, help="tracks per index write (default 16)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, cfg: Config) -> int:
    from heihachi_index.embed import CheckpointError, EmbedError, WindowStore, backfill, load_embedders
    from heihachi_index.index import TrackIndex

    if args.batch_size < 1:
        raise CliError("--batch-size must be at least 1")
    try:
        embedders, messages = load_embedders(cfg, args.family)
    except (CheckpointError, ValueError) as exc:
        raise CliError(str(exc)) from None
    if not args.backfill:
        status = {"available": {name: {"dim": e.dim, "sample_rate": e.sample_rate, "device": str(e.device),
                                       "source": e.source} for name, e in embedders.items()},
                  "missing": messages}
        if args.json:
            print(json.dumps(status, indent=1))
        else:
            for name, info in status["available"].items():
                print(f"{name}: {info['dim']}-d, {info['sample_rate']} Hz on {info['device']} ({info['source']})")
            for line in messages:
                print(line)
        return 0
    if not embedders:
        raise CliError("no embedding model is available:\n" + "\n".join(messages))
    try:
        with TrackIndex.open(cfg) as index:
            report = backfill(index, embedders, window_store=WindowStore(cfg.data_path), batch_size=args.batch_size,
                              audio_config=cfg.audio)
    except EmbedError as exc:
        raise CliError(str(exc)) from None
    if args.json:
        print(json.dumps({**report.to_dict(), "missing": messages}, indent=1, default=str))
    else:
        print(report.summary())
        for line in messages:
            print(line)
    return 1 if report.failed else 0
