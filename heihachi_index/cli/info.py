"""``heihachi-index info [--list] [--json]``: what the index holds."""
from __future__ import annotations

import argparse
import json

from heihachi_index.client.cli import add_remote_options, remote_info
from heihachi_index.config import Config
from heihachi_index.index import TrackIndex
from heihachi_index.index.ids import normalize_track_id


def disk_usage(path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("info", parents=[parent], help="counts, vector families, statistics, disk use")
    p.add_argument("--list", action="store_true", help="also list the tracks")
    p.add_argument("--json", action="store_true")
    add_remote_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace, cfg: Config) -> int:
    if args.server:
        return remote_info(args)
    with TrackIndex.open(cfg, read_only=True) as index:
        families = {}
        for name, spec in index.families().items():
            stats = index.stats(name)
            families[name] = {"dim": spec.dim, "standardized": spec.standardize,
                              "stats_version": stats.version if stats else None,
                              "stats_count": stats.count if stats else 0}
        info = {
            "data_dir": str(cfg.data_path.resolve()),
            "backend": cfg.index.backend if not cfg.index.url else f"qdrant at {cfg.index.url}",
            "tracks": index.count(),
            "families": families,
            "disk_bytes": disk_usage(cfg.data_path),
        }
        if args.list:
            info["list"] = [{"track_id": normalize_track_id(r.track_id), "path": r.payload.get("path"),
                             "tempo": r.payload.get("tempo"), "key": r.payload.get("key")}
                            for r in index.store.iter_points(with_payload=["path", "tempo", "key"])]
    if args.json:
        print(json.dumps(info, indent=1))
        return 0
    print(f"data dir   {info['data_dir']}  ({info['backend']})")
    print(f"tracks     {info['tracks']}")
    for name, fam in families.items():
        stats = (f"statistics v{fam['stats_version']} over {fam['stats_count']} tracks"
                 if fam["standardized"] else "not standardised")
        print(f"family     {name}: {fam['dim']}-d cosine, {stats}")
    print(f"disk       {info['disk_bytes'] / 2**20:.1f} MiB")
    for row in info.get("list", []):
        print(f"  {row['track_id']}  {row['tempo']} BPM  {row['key']}  {row['path']}")
    return 0
