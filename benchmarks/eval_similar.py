"""Quality of "tracks like this": precision@5 per style on the generator corpus.

Every track of a corpus with several tracks per style (different seeds, tempi, keys, controls) asks
for its 5 nearest neighbours; precision@5 is the share of them with the query's style.

    python benchmarks/eval_similar.py [--per-style 8] [--seconds 30]
"""
from __future__ import annotations

import argparse
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

from heihachi_index.config import load_config
from heihachi_index.index import TrackIndex
from heihachi_index.pipeline import ingest
from heihachi_index.search import similar
from heihachi_index.synth import STYLES, iter_corpus, read_manifest, write_corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-style", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        write_corpus(corpus, iter_corpus(args.per_style * len(STYLES), args.seconds, seed=11), fmt="flac")
        style_of = {path.name: truth.style for path, truth in read_manifest(corpus)}
        cfg = load_config(None, environ={}, data_dir=str(Path(tmp) / "data"))
        ingest([corpus], cfg, workers=args.workers, show_progress=False)
        results: dict[str, dict[str, list[float]]] = {"plain": defaultdict(list), "mmr 0.7": defaultdict(list)}
        with TrackIndex.open(cfg, read_only=True) as index:
            records = list(index.store.iter_points(with_payload=["path"]))
            for rec in records:
                style = style_of[Path(rec.payload["path"]).name]
                for name, mmr in (("plain", None), ("mmr 0.7", 0.7)):
                    hits = similar(index, rec.track_id, k=5, mmr=mmr)
                    same = [style_of[Path(h.payload["path"]).name] == style for h in hits]
                    results[name][style].append(float(np.mean(same)))
    print(f"precision@5 of 'tracks like this', {args.per_style} tracks per style x {args.seconds:.0f} s")
    print(f"{'style':12s} " + " ".join(f"{name:>8s}" for name in results))
    for style in STYLES:
        print(f"{style:12s} " + " ".join(f"{np.mean(results[name][style]):8.2f}" for name in results))
    print(f"{'mean':12s} " + " ".join(f"{np.mean([np.mean(v) for v in results[name].values()]):8.2f}"
                                      for name in results))


if __name__ == "__main__":
    main()
