"""``heihachi-index train-drums [--out PATH] [--quick]``: train the drum hit classifier."""
from __future__ import annotations

import argparse

from heihachi_index.cli import CliError
from heihachi_index.config import Config


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "train-drums", parents=[parent], help="train the drum hit classifier from the installed drum kits",
        description="Train the drum hit classifier (an ensemble of small nets) on rendered patterns and one-shots "
                    "of the Hydrogen drum kits (plus the LMMS, Sonic Pi, eXaDrums and Freepats samples and the "
                    "SoundFont kits when installed) and write its weights (.npz). Held-out kits are never used. "
                    "Deterministic for a given --seed, --threads and package versions (recorded in the weights).")
    p.add_argument("--out", metavar="PATH", help="weights file to write (default: the package's shipped weights)")
    p.add_argument("--quick", action="store_true", help="a small fast run, for trying things out")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    p.add_argument("--epochs", type=int, help="training epochs (default 30, 5 with --quick)")
    p.add_argument("--members", type=int, help="pairs of nets (perceptron, convolutional) in the ensemble, one per "
                                               "cross-validation fold of the kits "
                                               "(default 5, 2 with --quick; at least 2)")
    p.add_argument("--no-extra-kits", action="store_true", help="Hydrogen kits only (no LMMS / Sonic Pi samples)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, cfg: Config) -> int:
    from dataclasses import replace

    from heihachi_index.analysis.drums.classify import WEIGHTS_PATH
    from heihachi_index.analysis.drums.train import QUICK, TrainConfig, train

    tc = TrainConfig(seed=args.seed, threads=args.threads, extra_kits=not args.no_extra_kits)
    if args.quick:
        tc = replace(tc, **QUICK)
    if args.epochs is not None:
        if args.epochs < 1:
            raise CliError(f"--epochs must be at least 1, got {args.epochs}")
        tc = replace(tc, epochs=args.epochs)
    if args.members is not None:
        if args.members < 2:
            raise CliError(f"--members must be at least 2 (one net per cross-validation fold), got {args.members}")
        tc = replace(tc, members=args.members)
    try:
        train(args.out or WEIGHTS_PATH, tc, progress=lambda msg: print(msg, flush=True))
    except (ValueError, OSError) as exc:
        raise CliError(str(exc)) from exc
    return 0
