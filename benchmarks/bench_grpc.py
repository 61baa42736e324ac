"""SearchSimilar over gRPC against the same search in-process: latency, QPS and the overhead.

Builds a catalogue (default 100k tracks) of clustered 641-d raw vectors with DJ payloads through
``TrackIndex.upsert`` (the ingest's write path) and prints how long that took. Then times
``similar(index, track_id, k=10)`` in-process, starts ``heihachi-index serve`` on that data dir in
a subprocess (auth on, access logs on) and times SearchSimilar k=10 with 1, 4 and 16 concurrent
clients (1: the blocking Client; 4 and 16: AsyncClient tasks in one process). Server and load
generator share the machine.

    python benchmarks/bench_grpc.py                    # 100k tracks
    python benchmarks/bench_grpc.py --tracks 20000     # smaller catalogue
    python benchmarks/bench_grpc.py --quick            # 10k tracks, fewer queries
    python benchmarks/bench_grpc.py --data-dir D       # keep (or reuse) the built catalogue in D
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

from heihachi_index.client import AsyncClient, Client
from heihachi_index.config import Config
from heihachi_index.features.layout import DIM
from heihachi_index.index import Track, TrackIndex
from heihachi_index.search import similar

TOKEN = "bench-token"
TARGETS = {"p50_ms": 3.0, "p99_ms": 10.0, "overhead_p50": 2.0}
KEYS = ("C minor", "F minor", "A minor", "D minor", "G major", "E minor", "B minor", "F# minor")


def catalogue(n: int, seed: int = 0, clusters: int = 400):
    """``n`` clustered raw vectors (layout-like scales) with tempo, key, duration and tag payloads."""
    rng = np.random.default_rng(seed)
    scale = rng.uniform(0.05, 30.0, DIM)
    centres = rng.normal(size=(clusters, DIM)) * scale + rng.uniform(-50, 50, DIM)
    which = rng.integers(0, clusters, n)
    vectors = (centres[which] + 0.4 * scale * rng.normal(size=(n, DIM))).astype(np.float32)
    ids = [uuid.UUID(int=(seed << 96) | (i + 1)).hex for i in range(n)]
    tempo = rng.choice([87.0, 128.0, 140.0, 170.0, 172.0, 174.0, 175.0], n) + rng.normal(0, 1.0, n)
    payloads = [{"path": f"track-{i:06d}.flac", "title": f"track {i}", "tempo": round(float(tempo[i]), 2),
                 "key": KEYS[which[i] % len(KEYS)], "duration": float(rng.uniform(120, 480)),
                 "tags": [("neuro", "liquid", "roller", "halftime", "jump-up")[which[i] % 5]], "genre": "drum & bass"}
                for i in range(n)]
    return ids, vectors, payloads


def build(data_dir: Path, n: int) -> list[str]:
    marker = data_dir / "bench-ids.json"
    if marker.exists():
        ids = json.loads(marker.read_text())
        if len(ids) == n:
            print(f"catalogue: reusing {n} tracks in {data_dir}")
            return ids
        raise SystemExit(f"{data_dir} holds a catalogue of {len(ids)} tracks, not {n}: use another --data-dir")
    t0 = time.perf_counter()
    ids, vectors, payloads = catalogue(n)
    t_gen = time.perf_counter() - t0
    with TrackIndex.open(Config(data_dir=str(data_dir))) as index:
        t0 = time.perf_counter()
        tracks = (Track(t, {"handcrafted": v}, p) for t, v, p in zip(ids, vectors, payloads, strict=True))
        index.upsert(tracks, batch_size=1000)
        t_upsert = time.perf_counter() - t0
        t0 = time.perf_counter()
        index.finalize()
        t_final = time.perf_counter() - t0
    marker.write_text(json.dumps(ids))
    print(f"catalogue: {n} tracks built in {t_gen + t_upsert + t_final:.1f} s (vectors {t_gen:.1f} s, "
          f"TrackIndex.upsert {t_upsert:.1f} s = {n / t_upsert:.0f} tracks/s, finalize {t_final:.1f} s)")
    return ids


def summarize(ms: np.ndarray, seconds: float) -> dict:
    return {"p50": float(np.percentile(ms, 50)), "p99": float(np.percentile(ms, 99)),
            "mean": float(ms.mean()), "qps": len(ms) / seconds, "n": len(ms)}


def bench_library(data_dir: Path, queries: list[str]) -> dict:
    t0 = time.perf_counter()
    with TrackIndex.open(Config(data_dir=str(data_dir)), read_only=True) as index:
        index.faiss_index()
        print(f"library: FAISS + catalogue loaded in {time.perf_counter() - t0:.1f} s")
        for q in queries[:200]:
            similar(index, q, k=10)
        times = []
        start = time.perf_counter()
        for q in queries:
            t = time.perf_counter()
            similar(index, q, k=10)
            times.append(time.perf_counter() - t)
        return summarize(np.array(times) * 1000, time.perf_counter() - start)


def start_server(data_dir: Path, log_file: Path) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "HEIHACHI_LOGGING__FORMAT": "json", "HEIHACHI_SERVER__READ_TOKENS": TOKEN,
           "HEIHACHI_SERVER__WORKERS": "1", "CI": "true"}
    log = open(log_file, "w")
    proc = subprocess.Popen([sys.executable, "-m", "heihachi_index.cli.main", "serve", "--port", "0",
                             "--metrics-port", "off", "--data-dir", str(data_dir)],
                            stdout=subprocess.DEVNULL, stderr=log, env=env)
    address, ready = None, False
    t0 = time.perf_counter()
    while not (address and ready):  # "serving" once listening; "workers ready" once their warm-up is over
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}; see {log_file}")
        for line in log_file.read_text().splitlines():
            if line.startswith("{"):
                entry = json.loads(line)
                address = entry.get("address", address) if entry.get("msg") == "serving" else address
                ready = ready or entry.get("msg") == "workers ready"
        time.sleep(0.2)
    print(f"server: {address} ready in {time.perf_counter() - t0:.1f} s (index opened, FAISS built, workers warm)")
    return proc, address


def bench_sync(address: str, queries: list[str]) -> dict:
    with Client(address, token=TOKEN) as client:
        for q in queries[:200]:
            client.search_similar(q, k=10)
        times = []
        start = time.perf_counter()
        for q in queries:
            t = time.perf_counter()
            client.search_similar(q, k=10)
            times.append(time.perf_counter() - t)
        return summarize(np.array(times) * 1000, time.perf_counter() - start)


async def bench_async(address: str, queries: list[str], concurrency: int) -> dict:
    async with AsyncClient(address, token=TOKEN) as client:
        for q in queries[:100]:
            await client.search_similar(q, k=10)
        times: list[float] = []
        position = 0

        async def worker() -> None:
            nonlocal position
            while position < len(queries):
                q = queries[position]
                position += 1
                t = time.perf_counter()
                await client.search_similar(q, k=10)
                times.append(time.perf_counter() - t)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return summarize(np.array(times) * 1000, time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=3000, help="queries per measurement")
    parser.add_argument("--quick", action="store_true", help="10k tracks, 1000 queries")
    parser.add_argument("--data-dir", help="where to build (and keep) the catalogue; default a temporary folder")
    args = parser.parse_args(argv)
    if args.quick:
        args.tracks, args.queries = min(args.tracks, 10_000), min(args.queries, 1000)
    workdir = Path(tempfile.mkdtemp(prefix="bench-grpc-"))
    data_dir = Path(args.data_dir) if args.data_dir else workdir / "data"
    print(f"bench_grpc: {args.tracks} tracks, {args.queries} queries per run, {os.cpu_count()} CPU cores")
    try:
        ids = build(data_dir, args.tracks)
        rng = np.random.default_rng(1)
        queries = [ids[i] for i in rng.integers(0, len(ids), args.queries)]
        lib = bench_library(data_dir, queries)
        proc, address = start_server(data_dir, workdir / "server.log")
        try:
            rows = {1: bench_sync(address, queries)}
            for c in (4, 16):
                rows[c] = asyncio.run(bench_async(address, queries, c))
        finally:
            proc.terminate()
            proc.wait(timeout=120)
    finally:
        if not args.data_dir:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nSearchSimilar k=10 on {args.tracks} tracks        p50 ms   p99 ms   mean ms      QPS")
    for name, r in [("in-process similar()", lib)] + [(f"gRPC, {c:2d} client(s)", r) for c, r in rows.items()]:
        print(f"  {name:34s} {r['p50']:8.3f} {r['p99']:8.3f} {r['mean']:9.3f} {r['qps']:8.0f}")
    one = rows[1]
    ratio = one["p50"] / lib["p50"]
    print(f"\noverhead ratio at p50 (gRPC 1 client / in-process): {ratio:.2f} "
          f"(gRPC adds {one['p50'] - lib['p50']:.3f} ms)")
    checks = [("p50 <= 3 ms, 1 client", one["p50"] <= TARGETS["p50_ms"]),
              ("p99 <= 10 ms, 1 client", one["p99"] <= TARGETS["p99_ms"]),
              ("overhead ratio <= 2 at p50", ratio <= TARGETS["overhead_p50"])]
    for name, ok in checks:
        print(f"  {'PASS' if ok else 'MISS'}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
