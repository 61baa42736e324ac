"""Search latency, ANN recall, build time and memory of the in-process serving path.

Builds catalogues of 10k and 100k tracks in a temporary Qdrant Edge data dir through
``TrackIndex`` (the path the ingest uses), then times ``similar()`` on the FAISS path a server
uses in-process: k=10 by track id, with and without MMR, and with DJ filters. Recall@10 compares
the ANN (HNSW) results with exact search. Without ``--vectors`` the catalogue is a few hundred
"real-like" base vectors (per-dimension scales and offsets like the 641-d layout's) replicated
with noise; ``--vectors file.npy`` (n x 641 raw vectors) uses real ones as the bases instead.

    python benchmarks/bench_search.py               # 10k and 100k
    python benchmarks/bench_search.py --quick       # 10k, fewer queries (< 1 minute)
    python benchmarks/bench_search.py --sizes 20000 --vectors real.npy
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

from heihachi_index.camelot import PITCH_CLASSES
from heihachi_index.config import Config
from heihachi_index.features.layout import DIM, SLICES
from heihachi_index.index import AnnParams, Track, TrackIndex
from heihachi_index.search import SearchFilters, similar

TARGETS = {"p50_ms": 2.0, "p99_ms": 8.0, "recall": 0.95}


def rss_mib() -> float:
    """Resident set size of this process (Linux)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def synthetic_bases(n: int, rng: np.random.Generator) -> np.ndarray:
    """Base vectors with layout-like magnitudes: dB-scale mel bands, small ratios, tempo in BPM."""
    scale = np.ones(DIM)
    offset = np.zeros(DIM)
    for name, sl in SLICES.items():
        if name.startswith("mel_"):
            scale[sl], offset[sl] = 12.0, -45.0
        elif name.startswith("mfcc"):
            scale[sl], offset[sl] = 20.0, 0.0
        elif name in ("centroid", "rolloff", "bandwidth"):
            scale[sl], offset[sl] = 800.0, 2500.0
        elif name == "tempo":
            scale[sl], offset[sl] = 20.0, 160.0
        else:
            scale[sl], offset[sl] = 0.2, 0.5
    return offset + scale * rng.normal(size=(n, DIM))


def catalogue(n: int, bases: np.ndarray, rng: np.random.Generator) -> tuple[list[str], np.ndarray, list[dict]]:
    spread = bases.std(axis=0) + 1e-9
    pick = rng.integers(0, len(bases), n)
    x = (bases[pick] + 0.35 * spread * rng.normal(size=(n, DIM))).astype(np.float32)
    ids = [uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | i).hex for i in range(n)]
    tempos = rng.choice([87.0, 140.0, 170.0, 172.0, 174.0, 175.0, 128.0], size=n) + rng.normal(0, 1.0, n)
    payloads = [{"title": f"track {i}", "tempo": float(tempos[i]), "duration": float(rng.uniform(120, 480)),
                 "key": f"{PITCH_CLASSES[rng.integers(12)]} {'minor' if rng.random() < 0.7 else 'major'}",
                 "tags": [["neuro", "liquid", "jump-up", "roller", "halftime"][pick[i] % 5]],
                 "genre": "drum & bass"} for i in range(n)]
    return ids, x, payloads


def percentiles(fn, queries: list[str]) -> tuple[float, float]:
    for q in queries[:20]:  # warm-up
        fn(q)
    times = []
    for q in queries:
        t0 = time.perf_counter()
        fn(q)
        times.append(time.perf_counter() - t0)
    ms = np.array(times) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def recall_at_10(index: TrackIndex, queries: list[str]) -> float:
    hits = []
    for q in queries:
        approx = {h.track_id for h in similar(index, q, 10)}
        exact = {h.track_id for h in similar(index, q, 10, exact=True)}
        hits.append(len(approx & exact) / 10)
    return float(np.mean(hits))


def run(n: int, bases: np.ndarray, n_queries: int, workdir: Path, params: AnnParams, edge_optimize: bool) -> dict:
    rng = np.random.default_rng(n)
    ids, x, payloads = catalogue(n, bases, rng)
    data_dir = workdir / f"n{n}"
    row: dict = {"n": n}
    rss0 = rss_mib()
    index = TrackIndex.open(Config(data_dir=str(data_dir)), ann=params)
    t0 = time.perf_counter()
    index.upsert((Track(t, {"handcrafted": v}, p) for t, v, p in zip(ids, x, payloads)), batch_size=1000)
    row["ingest_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    index.finalize()
    row["finalize_s"] = time.perf_counter() - t0
    if edge_optimize:
        t0 = time.perf_counter()
        index.store.optimize()
        row["edge_optimize_s"] = time.perf_counter() - t0
    index.close()
    row["disk_mib"] = sum(f.stat().st_size for f in data_dir.rglob("*") if f.is_file()) / 2**20
    del x
    # Reopen as a server would: the FAISS index is rebuilt from the store.
    t0 = time.perf_counter()
    index = TrackIndex.open(Config(data_dir=str(data_dir)), ann=params)
    index.warm()
    fi = index.faiss_index()
    row["faiss_build_s"] = time.perf_counter() - t0
    row["kind"] = fi.kind
    row["rss_mib"] = rss_mib()
    row["rss_delta_mib"] = row["rss_mib"] - rss0
    queries = [ids[i] for i in rng.choice(n, n_queries, replace=False)]
    row["plain"] = percentiles(lambda q: similar(index, q, 10), queries)
    row["mmr"] = percentiles(lambda q: similar(index, q, 10, mmr=0.7), queries)
    dj = SearchFilters(tempo=(170, 178), key="F minor")
    row["filtered"] = percentiles(lambda q: similar(index, q, 10, filters=dj), queries)
    row["explain"] = percentiles(lambda q: similar(index, q, 10, explain=True), queries)
    store_queries = queries[: max(20, n_queries // 10)]
    row["edge_store"] = percentiles(lambda q: similar(index, q, 10, backend="store"), store_queries)
    row["recall"] = recall_at_10(index, queries[: min(200, n_queries)])
    index.close()
    shutil.rmtree(data_dir, ignore_errors=True)
    return row


def fmt(p: tuple[float, float]) -> str:
    return f"{p[0]:6.2f} / {p[1]:6.2f}"


def report(rows: list[dict], cores: int) -> None:
    load = os.getloadavg()[0]
    print(f"\nheihachi-index search benchmark ({cores} CPU cores, load average {load:.1f}; "
          f"latency = p50 / p99 ms of similar(), k=10; recall@10 of the default path vs exact)\n")
    head = f"{'tracks':>8} {'faiss':>6} {'plain':>15} {'mmr 0.7':>15} {'tempo+key':>15} {'explain':>15} " \
           f"{'edge store':>15} {'recall@10':>10}"
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['n']:>8} {r['kind']:>6} {fmt(r['plain']):>15} {fmt(r['mmr']):>15} {fmt(r['filtered']):>15} "
              f"{fmt(r['explain']):>15} {fmt(r['edge_store']):>15} {r['recall']:>10.3f}")
    print()
    head = f"{'tracks':>8} {'ingest s':>9} {'finalize s':>11} {'faiss build s':>14} {'RSS MiB':>8} " \
           f"{'RSS +MiB':>9} {'disk MiB':>9} {'edge optimize s':>16}"
    print(head)
    print("-" * len(head))
    for r in rows:
        opt = f"{r['edge_optimize_s']:.1f}" if "edge_optimize_s" in r else "-"
        print(f"{r['n']:>8} {r['ingest_s']:>9.1f} {r['finalize_s']:>11.1f} {r['faiss_build_s']:>14.1f} "
              f"{r['rss_mib']:>8.0f} {r['rss_delta_mib']:>9.0f} {r['disk_mib']:>9.0f} {opt:>16}")
    big = max(rows, key=lambda r: r["n"])
    checks = [("p50 plain", big["plain"][0], TARGETS["p50_ms"], True), ("p99 plain", big["plain"][1], TARGETS["p99_ms"], True),
              ("p50 mmr", big["mmr"][0], TARGETS["p50_ms"], True), ("p99 mmr", big["mmr"][1], TARGETS["p99_ms"], True),
              ("recall@10", big["recall"], TARGETS["recall"], False)]
    print(f"\ntargets at {big['n']} tracks:")
    for name, value, target, lower_is_better in checks:
        ok = value <= target if lower_is_better else value >= target
        print(f"  {name:<10} {value:8.3f}  target {'<=' if lower_is_better else '>='} {target:<5}  {'PASS' if ok else 'FAIL'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10k tracks and 200 queries (under a minute)")
    parser.add_argument("--sizes", type=int, nargs="+", help="catalogue sizes (default 10000 100000)")
    parser.add_argument("--queries", type=int, help="queries per measurement (default 1000, quick 200)")
    parser.add_argument("--vectors", type=Path, help=".npy of raw 641-d vectors to use as base vectors")
    parser.add_argument("--bases", type=int, default=400, help="synthetic base vectors (default 400)")
    parser.add_argument("--edge-optimize", action="store_true", help="also time Qdrant Edge's HNSW build")
    parser.add_argument("--workdir", type=Path, help="where to build the stores (default: a temp dir)")
    args = parser.parse_args()
    sizes = args.sizes or ([10_000] if args.quick else [10_000, 100_000])
    n_queries = args.queries or (200 if args.quick else 1000)
    rng = np.random.default_rng(0)
    if args.vectors:
        bases = np.load(args.vectors).astype(np.float64)
        if bases.ndim != 2 or bases.shape[1] != DIM:
            parser.error(f"{args.vectors}: expected an (n, {DIM}) array, got {bases.shape}")
    else:
        bases = synthetic_bases(args.bases, rng)
    params = AnnParams()
    workdir = Path(tempfile.mkdtemp(prefix="bench-search-", dir=args.workdir))
    try:
        rows = []
        for n in sizes:
            t0 = time.perf_counter()
            rows.append(run(n, bases, min(n_queries, n), workdir, params, args.edge_optimize))
            print(f"built and measured {n} tracks in {time.perf_counter() - t0:.0f} s", flush=True)
        report(rows, os.cpu_count() or 1)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
