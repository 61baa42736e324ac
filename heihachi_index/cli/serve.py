"""``heihachi-index serve [--host H] [--port P] [--metrics-port P|off] [--workers N]``: the gRPC server."""
from __future__ import annotations

import argparse
import asyncio

from heihachi_index.cli import CliError
from heihachi_index.config import Config, ConfigError
from heihachi_index.index import StoreLockedError


def metrics_port(text: str) -> int | None:
    if text.lower() in {"off", "none", "no"}:
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number or 'off', got {text!r}") from None


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("serve", parents=[parent], help="run the gRPC server (IndexService, SearchService)",
                       description="Serve the index over gRPC with health checks, reflection and Prometheus "
                                   "metrics; SIGTERM stops it gracefully. Settings: the server section of the "
                                   "config (HEIHACHI_SERVER__* variables); these options win over it.")
    p.add_argument("--host", help="address to listen on (config server.host)")
    p.add_argument("--port", type=int, help="gRPC port, 0 = any free one (config server.port)")
    p.add_argument("--metrics-port", type=metrics_port, default=argparse.SUPPRESS, metavar="PORT|off",
                   help="Prometheus /metrics port, 0 = any free one, off = none (config server.metrics_port)")
    p.add_argument("--workers", type=int, help="decoding/feature processes, 0 = per core (config server.workers)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, cfg: Config) -> int:
    from services.server import serve  # the server's imports (grpc, workers) only for this command

    if args.host is not None:
        cfg.server.host = args.host
    if args.port is not None:
        cfg.server.port = args.port
    if hasattr(args, "metrics_port"):
        cfg.server.metrics_port = args.metrics_port
    if args.workers is not None:
        cfg.server.workers = args.workers
    try:
        asyncio.run(serve(cfg))
    except (ConfigError, StoreLockedError) as exc:
        raise CliError(str(exc)) from None
    return 0
