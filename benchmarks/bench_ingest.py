"""End-to-end ingest throughput (decode -> features -> embedded store) with 1 and 2 workers.

    python benchmarks/bench_ingest.py [--tracks 12] [--seconds 60]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from heihachi_index.config import load_config
from heihachi_index.pipeline import ingest
from heihachi_index.synth import iter_corpus, write_corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tracks", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        write_corpus(corpus, iter_corpus(args.tracks, args.seconds, seed=7), fmt="flac")
        audio_minutes = args.tracks * args.seconds / 60
        print(f"corpus: {args.tracks} generated tracks x {args.seconds:.0f} s (44.1 kHz stereo FLAC), "
              f"{audio_minutes:.1f} min of audio")
        print(f"{'workers':>7s} {'seconds':>8s} {'tracks/min':>11s} {'x realtime':>11s} {'ingested':>9s} {'failed':>7s}")
        for workers in (int(w) for w in args.workers.split(",")):
            cfg = load_config(None, environ={}, data_dir=str(Path(tmp) / f"data-{workers}"))
            t0 = time.perf_counter()
            report = ingest([corpus], cfg, workers=workers, show_progress=False)
            wall = time.perf_counter() - t0
            print(f"{workers:7d} {wall:8.1f} {len(report.ingested) / wall * 60:11.1f} "
                  f"{report.audio_seconds / wall:11.1f} {len(report.ingested):9d} {len(report.failed):7d}")
        print("(wall time includes starting the worker processes and opening/finalising the store)")


if __name__ == "__main__":
    main()
