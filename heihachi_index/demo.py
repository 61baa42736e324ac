"""``make demo``: the main job end to end on the embedded store.

Generates a small synthetic corpus (every style, known tempo/key/structure), starts the gRPC
server on the embedded Qdrant Edge index (a free loopback port, auth on with a generated token),
ingests the corpus through the client (uploads, with the progress bar), then answers "tracks like
this" with explanations, with MMR, with a DJ tempo filter and for an audio file that is not in the
index (SearchSimilar and SearchAudio), and stops the server.

    python -m heihachi_index.demo [--corpus demo-corpus] [--n 24] [--seconds 45]
"""
from __future__ import annotations

import argparse
import secrets
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from heihachi_index.client import Client
from heihachi_index.config import load_config
from heihachi_index.logs import configure_logging
from heihachi_index.progress import progress
from heihachi_index.search import SearchFilters
from heihachi_index.synth import STYLES, generate, generate_corpus, read_manifest, write_corpus
from services.background import BackgroundServer


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

    token = secrets.token_urlsafe(24)
    cfg.server.host, cfg.server.port, cfg.server.metrics_port = "127.0.0.1", 0, None
    cfg.server.auth_disabled, cfg.server.write_tokens, cfg.server.read_tokens = False, [token], []
    with BackgroundServer(cfg) as server, Client(server.address, token=token) as client:
        print(f"\nserver: heihachi.v1 gRPC on {server.address} (auth on, generated token; health, reflection)")
        print(f"\ningest: {corpus} -> {cfg.data_path} through the server (embedded Qdrant Edge + FAISS)")
        bar = progress(total=len(rows), desc="ingest", unit="file")
        report = client.ingest([corpus], on_event=lambda r: bar.update(r.WhichOneof("event") == "result"))
        bar.close()
        print(report.summary())
        demo_queries(client, corpus, truth_by_path)
    print(f"\nserver: stopped ({server.address})")
    return 0


def demo_queries(client: Client, corpus: Path, truth_by_path: dict) -> None:
    """The "tracks like this" answers, every one a SearchSimilar or SearchAudio call."""
    records = list(client.iter_tracks())
    by_name = {Path(r.payload["path"]).name: r for r in records}
    stats = client.stats()
    print(f"\nindex: {stats.tracks} tracks, 641-d handcrafted vectors, statistics "
          f"v{stats.families['handcrafted']['stats_version']}")
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
    raw = np.stack([client.get_track(r.track_id, include_vectors=True).vectors["handcrafted"] for r in records])
    print(f"vectors: {raw.shape[0]} x {raw.shape[1]}, standardised norm "
          f"{np.linalg.norm(raw, axis=1).mean():.1f} on average")

    picks = [name for name in sorted(by_name) if truth_by_path.get(name) and
             truth_by_path[name].style in ("neurofunk", "liquid", "dubstep")][:3]
    for name in picks:
        hits = client.search_similar(by_name[name].track_id, k=5, explain=True)
        show_hits(f"tracks like {name} ({truth_by_path[name].style}):", hits, truth_by_path)
    if picks:
        hits = client.search_similar(by_name[picks[0]].track_id, k=5, mmr=0.5, explain=True)
        show_hits(f"tracks like {picks[0]} again, diversified with MMR (lambda 0.5):", hits, truth_by_path)
        hits = client.search_similar(by_name[picks[0]].track_id, k=5, filters=SearchFilters(tempo=(170, 178)))
        show_hits(f"tracks like {picks[0]} again, only 170-178 BPM (half/double time included):", hits,
                  truth_by_path)
    clip = corpus.parent / "demo-query.flac"
    new = generate("neurofunk", seed=999, seconds=20.0)
    sf.write(clip, new.audio, new.sr, subtype="PCM_16")
    found = client.search_audio(clip, k=5, explain=True)
    show_hits(f"tracks like {clip.name}, a new neurofunk clip that is not in the index "
              f"(uploaded; heard as {found.tempo:.1f} BPM, {found.key}):", found.hits, truth_by_path)
    found = client.search_audio(clip, k=5, mmr=0.5, explain=True)
    show_hits("the same clip, diversified with MMR (lambda 0.5):", found.hits, truth_by_path)
    demo_meaning(client, clip, truth_by_path)


def demo_meaning(client: Client, clip: Path, truth_by_path: dict) -> None:
    """Text search, text analysis, emotions and drums: SearchText, AnalyzeText, GetEmotions, AnalyzeDrums."""
    for query in ("dark aggressive neurofunk with heavy bass", "calm liquid around 172 bpm, no vocals",
                  "four on the floor techno", "ambient without drums"):
        found = client.search_text(query, k=5)
        understood = ", ".join(f"{c['name']} {c['weight']:+.2f}" for c in found.analysis["concepts"])
        tempo = found.analysis["constraints"].get("tempo")
        if tempo and (tempo.get("min_bpm") or tempo.get("max_bpm")):
            understood += f"; tempo {tempo.get('min_bpm', 0):.0f}-{tempo.get('max_bpm', 0):.0f} BPM"
        show_hits(f'text search "{query}" (understood: {understood}):', found.hits, truth_by_path)
    phrase = "very gloomy rolling basslines in F minor, not too aggressive, xylofunk"
    analysis = client.analyze_text(phrase)
    print(f'\ntext analysis of "{phrase}":')
    for c in analysis["concepts"]:
        print(f'  {c["name"]:12s} {c["weight"]:+.2f}  from "{c["phrase"]}"')
    print(f"  keys {analysis['constraints'].get('keys')}, not understood {analysis['unparsed']}")
    emotions = client.get_emotions(clip)
    print(f"\nemotions of {clip.name} (uploaded): " +
          ", ".join(f"{k} {v:.2f}" for k, v in emotions.emotions.items()))
    print("  top concepts: " + ", ".join(f"{k} {v:.2f}" for k, v in list(emotions.concepts.items())[:6]))
    drums = client.analyze_drums(clip)
    grid, pat = drums["grid"], drums["patterns"]
    counts: dict[str, int] = {}
    for hit in drums["hits"]:
        counts[hit["label"]] = counts.get(hit["label"], 0) + 1
    print(f"\ndrums of {clip.name}: {grid['tempo_bpm']:.1f} BPM, {len(grid['beats'])} beats, "
          f"{len(pat['bars'])} bars, {len(drums['hits'])} hits ({', '.join(f'{k} {v}' for k, v in counts.items())})")
    print(f"  pattern {pat['pattern']}, Amen similarity {pat['amen_similarity']:.2f}, swing {pat['swing']:+.3f}, "
          f"syncopation {pat['syncopation']:.2f}")
    bar = next((b for b in pat["bars"] if len(b["instruments"]) >= 2), None)
    if bar is not None:
        print(f"  bar {bar['index']} ({bar['pattern']}):")
        for inst in bar["instruments"]:
            cells = "".join("X" if v >= 0.66 else "x" if v > 0.33 else "." if v > 0 else "-" for v in inst["steps"])
            print(f"    {inst['instrument']:>12s} |{cells[:4]}|{cells[4:8]}|{cells[8:12]}|{cells[12:]}|")


if __name__ == "__main__":
    sys.exit(main())
