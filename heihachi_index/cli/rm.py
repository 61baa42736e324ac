"""``heihachi-index rm ID...``: delete tracks from the index."""
from __future__ import annotations

import argparse

from heihachi_index.cli import CliError
from heihachi_index.config import Config
from heihachi_index.embed.store import WindowStore
from heihachi_index.index import TrackIndex


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("rm", parents=[parent], help="delete tracks by id")
    p.add_argument("track_ids", nargs="+", metavar="ID")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, cfg: Config) -> int:
    with TrackIndex.open(cfg) as index:
        present = {r.track_id for r in index.retrieve(args.track_ids)}
        missing = [t for t in args.track_ids if t not in present]
        removed = index.delete([t for t in args.track_ids if t in present])
        index.finalize()
    windows = WindowStore(cfg.data_dir)
    for track_id in present:
        windows.delete(track_id)
    print(f"removed {removed} track(s)")
    if missing:
        raise CliError(f"not in the index: {', '.join(missing)}")
    return 0
