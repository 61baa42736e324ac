"""``heihachi-index ingest PATH... [--workers N] [--recursive] [--json]``."""
from __future__ import annotations

import argparse
import json

from heihachi_index.client.cli import add_remote_options, remote_ingest
from heihachi_index.config import Config
from heihachi_index.pipeline import ingest


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("ingest", parents=[parent], help="analyse audio files and add them to the index",
                       description="Decode, featurise and store audio files. Idempotent and resumable: "
                                   "files already in the index are skipped.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="audio files or folders")
    p.add_argument("--workers", type=int, help="worker processes (default: config ingest.workers; 0 = per core)")
    p.add_argument("-r", "--recursive", action="store_true", help="descend into sub-folders")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    add_remote_options(p, server_side=True)
    p.set_defaults(func=run)


def run(args: argparse.Namespace, cfg: Config) -> int:
    if args.server:
        report = remote_ingest(args)
    else:
        report = ingest(args.paths, cfg, workers=args.workers, recursive=args.recursive)
    if args.json:
        print(json.dumps(report.to_dict(), indent=1, default=str))
    else:
        print(report.summary())
    return 1 if report.failed else 0
