"""``make demo``: the main job end to end on the embedded store.

Generates a small synthetic corpus (every style, known tempo/key/structure), ingests it into the
embedded Qdrant Edge index with the progress bar, then answers "tracks like this" with explanations,
with MMR, with a DJ tempo filter and for an audio file that is not in the index.

    python -m heihachi_index.demo [--corpus demo-corpus] [--n 24] [--seconds 45]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from heihachi_index.config import load_config
from heihachi_index.index import TrackIndex
from heihachi_index.logs import configure_logging
from heihachi_index.pipeline import ingest
from heihachi_index.pipeline.featurize import handcrafted_featurizer
from heihachi_index.search import SearchFilters, similar
from heihachi_index.synth import STYLES, generate, generate_corpus, read_manifest, write_corpus


def ensure_corpus(folder: Path, n: int, seconds: float) -> list:
    manifest = folder / "manifest.json"
    if manifest.exists():
        rows = read_manifest(folder)
        if len(rows) == n:
            print(f"demo corpus: {n} tracks already in {folder}")
            return rows
    print(f"demo corpus: generating {n} tracks x {seconds:.0f} s ({', '.join(STYLES)}) into {folder}")
    write_corpus(folder, generate_corpus(n, seconds, seed=0), fmt="flac")
    return read_manifest(folder)


def show_hits(title: str, hits, truth_by_path: dict) -> None:
    print(f"\n{title}")
    for rank, hit in enumerate(hits, 1):
        p = hit.payload
        name = Path(p["path"]).name
        truth = truth_by_path.get(name)
        style = truth.style if truth else "?"
        print(f"  {rank}. {hit.score:+.3f}  {name:28s} {style:10s} {p['tempo']:6.1f} BPM  {p['key']:9s} {p['camelot']}")
        if hit.explanation:
            top = sorted(hit.explanation.items(), key=lambda kv: -abs(kv[1]))[:3]
            print("       why: " + ", ".join(f"{group} {value:+.3f}" for group, value in top))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="demo-corpus")
    parser.add_argument("--n", type=int, default=24)
    parser.add_argument("--seconds", type=float, default=45.0)
    args = parser.parse_args(argv)
    cfg = load_config()
    configure_logging("WARNING", cfg.logging.format)
    corpus = Path(args.corpus)
    rows = ensure_corpus(corpus, args.n, args.seconds)
    truth_by_path = {Path(path).name: truth for path, truth in rows}

    print(f"\ningest: {corpus} -> {cfg.data_path} (embedded Qdrant Edge + FAISS)")
    report = ingest([corpus], cfg)
    print(report.summary())

    with TrackIndex.open(cfg, read_only=True, featurize=handcrafted_featurizer(cfg)) as index:
        records = list(index.store.iter_points(with_payload=True))
        by_name = {Path(r.payload["path"]).name: r for r in records}
        print(f"\nindex: {index.count()} tracks, 641-d handcrafted vectors, statistics "
              f"v{index.stats().version}")
        print(f"\n{'file':28s} {'style':10s} {'true BPM':>8s} {'ours':>7s} {'true key':>10s} {'ours':>10s}")
        tempo_ok = 0
        for name in sorted(by_name):
            p, truth = by_name[name].payload, truth_by_path.get(name)
            if truth is None:
                continue
            tempo_ok += abs(p["tempo"] - truth.tempo) <= 0.02 * truth.tempo
            print(f"{name:28s} {truth.style:10s} {truth.tempo:8.1f} {p['tempo']:7.1f} "
                  f"{truth.key + ' ' + truth.mode:>10s} {p['key']:>10s}")
        print(f"tempo within 2 %: {tempo_ok}/{len(by_name)}")
        raw = np.stack([index.vector(r.track_id) for r in records])
        print(f"vectors: {raw.shape[0]} x {raw.shape[1]}, standardised norm "
              f"{np.linalg.norm(raw, axis=1).mean():.1f} on average")

        picks = [name for name in sorted(by_name) if truth_by_path.get(name) and
                 truth_by_path[name].style in ("neurofunk", "liquid", "dubstep")][:3]
        for name in picks:
            hits = similar(index, by_name[name].track_id, k=5, explain=True)
            show_hits(f"tracks like {name} ({truth_by_path[name].style}):", hits, truth_by_path)
        if picks:
            hits = similar(index, by_name[picks[0]].track_id, k=5, mmr=0.5)
            show_hits("the same, diversified with MMR (lambda 0.5):", hits, truth_by_path)
            hits = similar(index, by_name[picks[0]].track_id, k=5, filters=SearchFilters(tempo=(170, 178)))
            show_hits("the same, only 170-178 BPM (half/double time included):", hits, truth_by_path)
        clip = corpus.parent / "demo-query.flac"
        new = generate("neurofunk", seed=999, seconds=20.0)
        sf.write(clip, new.audio, new.sr, subtype="PCM_16")
        hits = similar(index, clip, k=5, explain=True)
        show_hits(f"tracks like {clip.name}, a new neurofunk clip that is not in the index:", hits, truth_by_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
