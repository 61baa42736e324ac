"""``heihachi-index features FILE... [--json | --out vectors.npy]``: the handcrafted vectors themselves."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from heihachi_index.audio import AudioError, load
from heihachi_index.config import Config
from heihachi_index.features import SAMPLE_RATE, FeatureError, extract
from heihachi_index.progress import progress


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("features", parents=[parent], help="compute the 641-d handcrafted vectors of audio files",
                       description="Compute the 641-d handcrafted vector, tempo, key and beat count of each file.")
    p.add_argument("files", nargs="+", metavar="FILE")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON object per file, vector included")
    out.add_argument("--out", metavar="VECTORS.npy",
                     help="write the vectors (rows in input order, failed files left out) to a .npy file "
                          "and their summaries to VECTORS.json")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, cfg: Config) -> int:
    vectors: list[np.ndarray] = []
    rows: list[dict] = []
    failed = 0
    for path in progress(args.files, desc="features", unit="file"):
        try:
            audio = load(path, sr=SAMPLE_RATE, config=cfg.audio)
            result = extract(audio.samples, audio.sr, tempo_min=cfg.features.tempo_min,
                             tempo_max=cfg.features.tempo_max)
        except (AudioError, FeatureError) as exc:
            failed += 1
            message = str(exc) if str(exc).startswith(str(path)) else f"{path}: {exc}"
            if args.json:
                print(json.dumps({"file": str(path), "error": message}))
            else:
                print(f"heihachi-index: error: {message}", file=sys.stderr)
            continue
        row = {"file": str(path), "track_id": audio.track_id, **result.summary()}
        if args.json:
            print(json.dumps({**row, "vector": [round(float(x), 6) for x in result.vector]}))
        elif args.out:
            rows.append(row)
        else:
            print(f"{path}: tempo {row['tempo']:.1f} BPM (confidence {row['tempo_confidence']:.2f}), "
                  f"key {row['key']} ({row['camelot']}), {row['beats']} beats, {row['duration']:.1f} s, "
                  f"|v|={float(np.linalg.norm(result.vector)):.1f}")
        vectors.append(result.vector)
    if args.out:
        out = Path(args.out)
        np.save(out, np.stack(vectors) if vectors else np.zeros((0, 641), dtype=np.float32))
        out.with_suffix(".json").write_text(json.dumps(rows, indent=1))
        print(f"wrote {len(vectors)} vectors to {out} ({failed} failed)")
    return 1 if failed else 0
