"""``--server HOST:PORT`` for the ingest, similar and info commands: the same commands on a remote index."""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import grpc

from heihachi_index.cli import CliError
from heihachi_index.client.errors import RemoteError
from heihachi_index.client.results import Hit
from heihachi_index.client.sync import Client


def add_remote_options(parser: argparse.ArgumentParser, *, server_side: bool = False) -> None:
    """Add ``--server``, ``--token``, ``--token-file``, ``--tls``, ``--ca`` (and ``--server-side``)."""
    group = parser.add_argument_group("remote server (instead of the local data dir)")
    group.add_argument("--server", metavar="HOST:PORT", help="run against a heihachi-index gRPC server")
    group.add_argument("--token", help="bearer token for the server")
    group.add_argument("--token-file", metavar="FILE", help="read the bearer token from a file")
    group.add_argument("--tls", action="store_true", help="connect with TLS (system CA roots)")
    group.add_argument("--ca", metavar="FILE", help="CA certificate (PEM) of the server; implies --tls")
    if server_side:
        group.add_argument("--server-side", action="store_true",
                           help="the PATHs are on the server (under its allowed roots) instead of uploads")


def client_from_args(args: argparse.Namespace) -> Client:
    token = args.token
    if args.token_file:
        try:
            token = Path(args.token_file).read_text().strip()
        except OSError as exc:
            raise CliError(f"--token-file: {exc}") from None
    return Client(args.server, token=token, tls=args.tls, root_certificates=args.ca)


def _error(exc: RemoteError, hint: str = "") -> CliError:
    return CliError(f"server {exc.code.name}: {exc.details}{hint}")


def remote_ingest(args: argparse.Namespace) -> Any:
    """The ingest report of a remote ingest (uploads, or server-side paths)."""
    with client_from_args(args) as client:
        try:
            if args.server_side:
                return client.ingest_server_paths(args.paths, recursive=args.recursive)
            return client.ingest(args.paths, recursive=args.recursive)
        except RemoteError as exc:
            raise _error(exc) from None


def remote_similar(args: argparse.Namespace, filters: Any) -> list[Hit]:
    """Hits for a track id (SearchSimilar) or a local audio file (SearchAudio, uploaded)."""
    kwargs = {"k": args.k, "filters": filters, "mmr": args.mmr, "explain": args.explain}
    with client_from_args(args) as client:
        try:
            if Path(args.query).is_file():
                return client.search_audio(args.query, **kwargs).hits
            return client.search_similar(args.query, **kwargs)
        except RemoteError as exc:
            hint = (" (give a track id from `heihachi-index info --list` or an audio file)"
                    if exc.code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT) else "")
            raise _error(exc, hint) from None


def remote_search_text(args: argparse.Namespace, filters: Any) -> Any:
    """Hits for a description (SearchText) and how the server understood it."""
    with client_from_args(args) as client:
        try:
            return client.search_text(args.query, k=args.k, filters=filters, mmr=args.mmr)
        except RemoteError as exc:
            raise _error(exc) from None


def remote_info(args: argparse.Namespace) -> int:
    """``info`` of a remote index."""
    with client_from_args(args) as client:
        try:
            stats = client.stats()
            rows = ([{"track_id": t.track_id, "path": t.payload.get("path"), "tempo": t.payload.get("tempo"),
                      "key": t.payload.get("key")} for t in client.iter_tracks()] if args.list else None)
        except RemoteError as exc:
            raise _error(exc) from None
    info = {"server": args.server, "backend": stats.backend, "tracks": stats.tracks, "families": stats.families,
            "disk_bytes": stats.disk_bytes, "server_info": stats.server}
    if rows is not None:
        info["list"] = rows
    if args.json:
        print(json.dumps(info, indent=1))
        return 0
    print(f"server     {args.server}  ({stats.backend}, heihachi-index {stats.server['version']}, "
          f"{stats.server['workers']} workers)")
    print(f"tracks     {stats.tracks}")
    for name, fam in stats.families.items():
        detail = (f"statistics v{fam['stats_version']} over {fam['stats_count']} tracks"
                  if fam["standardized"] else "not standardised")
        print(f"family     {name}: {fam['dim']}-d cosine, {detail}")
    print(f"disk       {stats.disk_bytes / 2**20:.1f} MiB")
    for row in rows or []:
        print(f"  {row['track_id']}  {row['tempo']} BPM  {row['key']}  {row['path']}")
    return 0
