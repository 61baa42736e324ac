"""Entry point of the ``heihachi-index`` console script."""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from heihachi_index import __version__
from heihachi_index.cli import CliError
from heihachi_index.config import Config, ConfigError, load_config
from heihachi_index.logs import configure_logging

# Each name is a module heihachi_index.cli.<name> exposing register(subparsers, parent).
COMMAND_MODULES: tuple[str, ...] = ("synth", "features", "ingest", "similar", "search", "text", "drums", "info", "rm",
                                     "embed", "train_drums", "serve")


def common_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("common options")
    group.add_argument("--config", help="YAML config file (default: $HEIHACHI_CONFIG or configs/default.yaml)")
    group.add_argument("--data-dir", help="index data directory (default: $HEIHACHI_DATA_DIR or config)")
    group.add_argument("--log-level", help="DEBUG, INFO, WARNING or ERROR")
    return parent


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="heihachi-index",
        description="Embedding index and semantic search for electronic music.",
    )
    parser.add_argument("--version", action="version", version=f"heihachi-index {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    parent = common_options()
    for name in COMMAND_MODULES:
        importlib.import_module(f"heihachi_index.cli.{name}").register(sub, parent)
    return parser


def config_from_args(args: argparse.Namespace) -> Config:
    return load_config(
        getattr(args, "config", None),
        data_dir=getattr(args, "data_dir", None),
        **{"logging.level": getattr(args, "log_level", None)},
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        cfg = config_from_args(args)
        configure_logging(cfg.logging.level, cfg.logging.format)
        return int(args.func(args, cfg) or 0)
    except (CliError, ConfigError) as exc:
        print(f"heihachi-index: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("heihachi-index: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
