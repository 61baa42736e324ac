"""Corpora of synthetic tracks: generation, audio files and manifests (JSON and CSV)."""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import soundfile as sf

from heihachi_index.synth.render import generate
from heihachi_index.synth.styles import STYLES
from heihachi_index.synth.truth import GroundTruth, SynthTrack

FORMATS: dict[str, str] = {"flac": "FLAC", "wav": "WAV"}
VOCAL_STYLES: tuple[str, ...] = ("liquid", "house", "hiphop")
MANIFEST_JSON = "manifest.json"
MANIFEST_CSV = "manifest.csv"
CSV_FIELDS: tuple[str, ...] = (
    "file", "style", "seed", "tempo", "key", "mode", "camelot", "bass_type", "brightness", "density",
    "distortion", "drums", "vocals", "mood", "duration", "n_hits", "sections",
)


def corpus_plan(n: int, seed: int = 0, styles: Sequence[str] | None = None) -> list[tuple[str, int, bool]]:
    """(style, track seed, vocals) of each track of a corpus.

    Styles cycle in order so each is represented evenly; track ``i`` gets seed ``1000 * (seed + 1) + i``;
    the 2nd, 6th, 10th, ... track of each vocal style (liquid, house, hip-hop) has vocals.
    """
    chosen = tuple(styles) if styles else STYLES
    unknown = [s for s in chosen if s not in STYLES]
    if unknown:
        raise ValueError(f"unknown style(s) {', '.join(unknown)} (known: {', '.join(STYLES)})")
    if n < 0 or seed < 0:
        raise ValueError("n and seed must be non-negative")
    plan = []
    for i in range(n):
        style = chosen[i % len(chosen)]
        plan.append((style, 1000 * (seed + 1) + i, style in VOCAL_STYLES and (i // len(chosen)) % 4 == 1))
    return plan


def iter_corpus(n: int, seconds: float, seed: int = 0, styles: Sequence[str] | None = None,
                sr: int = 44100) -> Iterator[SynthTrack]:
    """Generate the tracks of :func:`corpus_plan` one at a time (a corpus need not fit in memory)."""
    for style, track_seed, vocals in corpus_plan(n, seed, styles):
        yield generate(style, track_seed, seconds, sr, vocals=vocals)


def generate_corpus(n: int, seconds: float, seed: int = 0, styles: Sequence[str] | None = None,
                    sr: int = 44100) -> list[SynthTrack]:
    """``n`` tracks cycling through ``styles`` (default all), see :func:`corpus_plan`."""
    return list(iter_corpus(n, seconds, seed, styles, sr))


def track_filename(index: int, truth: GroundTruth, fmt: str = "flac") -> str:
    """File name of a corpus track, e.g. ``003_neurofunk_s1003.flac``."""
    return f"{index:03d}_{truth.style}_s{truth.seed}.{fmt}"


def write_track(out_dir: str | os.PathLike[str], index: int, track: SynthTrack,
                fmt: str = "flac") -> dict[str, Any]:
    """Write one track as 16-bit FLAC or WAV; returns its manifest entry (truth dict plus ``"file"``)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    name = track_filename(index, track.truth, fmt)
    sf.write(str(out / name), track.audio, track.sr, format=FORMATS[fmt], subtype="PCM_16")
    return {"file": name, **track.truth.to_dict()}


def _sections_text(sections: Iterable[dict[str, Any]]) -> str:
    return ";".join(f"{s['name']}:{round(s['start'], 3)}-{round(s['end'], 3)}" for s in sections)


def write_manifest(out_dir: str | os.PathLike[str], entries: Sequence[dict[str, Any]]) -> None:
    """Write ``manifest.json`` (the entries) and ``manifest.csv`` (one summary row per track)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / (MANIFEST_JSON + ".tmp")
    tmp.write_text(json.dumps(list(entries), indent=1))
    tmp.replace(out / MANIFEST_JSON)
    with open(out / MANIFEST_CSV, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for e in entries:
            row = {k: e[k] for k in CSV_FIELDS if k in e}
            row["n_hits"] = len(e["hits"])
            row["sections"] = _sections_text(e["sections"])
            writer.writerow(row)


def write_corpus(out_dir: str | os.PathLike[str], tracks: Iterable[SynthTrack],
                 fmt: str = "flac") -> list[dict[str, Any]]:
    """Write tracks (any iterable, e.g. :func:`iter_corpus`) and both manifests; returns the entries."""
    entries = [write_track(out_dir, i, track, fmt) for i, track in enumerate(tracks)]
    write_manifest(out_dir, entries)
    return entries


def read_manifest(directory: str | os.PathLike[str]) -> list[tuple[Path, GroundTruth]]:
    """(audio path, ground truth) of every track listed in ``directory/manifest.json``."""
    folder = Path(directory)
    entries = json.loads((folder / MANIFEST_JSON).read_text())
    return [(folder / e["file"], GroundTruth.from_dict(e)) for e in entries]
