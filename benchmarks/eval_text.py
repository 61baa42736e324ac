"""Quality of text search: precision@5 of attribute queries on a generator corpus with varied controls.

Every query has a ground-truth relevance predicate on the generator's truth (style, tempo, mode, bass type,
brightness, distortion, drums, vocals). The corpus (8 styles x ``--per-style`` seeds x ``--seconds``) is written
as FLAC, ingested through :func:`heihachi_index.pipeline.ingest` into a temporary index and each query is run
through :func:`heihachi_index.search.text.search_text` (``--ranker text``, the default when that module exists)
or through a plain concept ranking (``--ranker concepts``: the weighted mean of the stored concept scores given
below, a reference that needs no text parser). Payloads without ``"concepts"`` get them from
:func:`heihachi_index.search.descriptors.describe` on the raw vector, so the benchmark works before and after
ingestion stores them.

Descriptors are tuned on the dev seeds (``--split dev``); report the eval seeds (``--split eval``, default).

    python benchmarks/eval_text.py [--split eval|dev|both] [--per-style 10] [--seconds 30] [--ranker text|concepts]
    python benchmarks/eval_text.py --refit-emotion   # print emotion calibration constants fitted on dev seeds
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from heihachi_index.synth import STYLES, BASS_TYPES
from heihachi_index.synth.truth import GroundTruth, SynthTrack

EVAL_SEED_BASE = 500
DEV_SEED_BASE = 9000


@dataclass(frozen=True)
class TrackPlan:
    """One corpus track: a style, a seed and the controls overridden (the rest are the style's draw)."""

    style: str
    seed: int
    overrides: dict[str, Any] = field(default_factory=dict)


def corpus_plan(per_style: int, split: str = "eval") -> list[TrackPlan]:
    """Tracks of a corpus with varied controls.

    Each track overrides some controls with a seeded draw: mode flipped (20 %), brightness (30 %),
    distortion (25 %), bass type (25 %), drums off for drum styles (12 %) or on for ambient (25 %), vocals
    (30 %), tempo moved within +-8 % of the style's range (20 %). ``split`` picks disjoint seeds.
    """
    if split not in ("eval", "dev"):
        raise ValueError(f"split must be 'eval' or 'dev', got {split!r}")
    base = EVAL_SEED_BASE if split == "eval" else DEV_SEED_BASE
    from heihachi_index.synth.styles import STYLE_SPECS

    plans = []
    for si, style in enumerate(STYLES):
        spec = STYLE_SPECS[style]
        for i in range(per_style):
            seed = base + 100 * si + i
            rng = np.random.default_rng([seed, 7])
            o: dict[str, Any] = {}
            if rng.random() < 0.2:
                o["mode"] = "major" if rng.random() < 0.5 else "minor"
            if rng.random() < 0.3:
                o["brightness"] = round(float(rng.uniform(0.1, 0.95)), 3)
            if rng.random() < 0.25:
                o["distortion"] = round(float(rng.uniform(0.0, 1.0)), 3)
            if rng.random() < 0.25:
                o["bass"] = str(rng.choice(BASS_TYPES))
            if spec.drums and rng.random() < 0.12:
                o["drums"] = False
            elif not spec.drums and rng.random() < 0.25:
                o["drums"] = True
            if rng.random() < 0.3:
                o["vocals"] = True
            if rng.random() < 0.2:
                lo, hi = spec.tempo
                o["tempo"] = float(round(rng.uniform(lo * 0.92, hi * 1.08)))
            plans.append(TrackPlan(style, seed, o))
    return plans


def render(plan: TrackPlan, seconds: float, sr: int = 44100) -> SynthTrack:
    from heihachi_index.synth import generate

    return generate(plan.style, plan.seed, seconds, sr, **plan.overrides)


# --------------------------------------------------------------------------------------------- queries

Pred = Callable[[GroundTruth], bool]
DNB = ("neurofunk", "liquid", "jungle")


@dataclass(frozen=True)
class Query:
    """A text query, its relevance predicate and the concept weights of the reference ranking.

    ``concepts`` maps a concept to a weight; a negative weight asks for its absence (``1 - score``).
    ``tempo`` is an optional target BPM for the reference ranking (a Gaussian of 6 BPM around it).
    """

    text: str
    relevant: Pred
    concepts: dict[str, float]
    tempo: float | None = None


QUERIES: tuple[Query, ...] = (
    Query("dark aggressive neurofunk with heavy bass", lambda t: t.style == "neurofunk" and t.bass_type != "none",
          {"dark": 1, "aggressive": 1, "neurofunk": 2, "heavy_bass": 1}),
    Query("calm liquid around 172 bpm, no vocals",
          lambda t: t.style == "liquid" and not t.vocals and abs(t.tempo - 172) <= 8,
          {"calm": 1, "liquid": 2, "vocal": -1}, tempo=172),
    Query("jungle breakbeat", lambda t: t.style == "jungle", {"jungle": 2, "breakbeat": 1}),
    Query("four on the floor techno", lambda t: t.style == "techno", {"techno": 2}),
    Query("ambient without drums", lambda t: t.style == "ambient" and not t.drums, {"ambient": 1, "drums": -1}),
    Query("reese bass", lambda t: t.bass_type == "reese", {"reese": 1}),
    Query("wobble bass dubstep", lambda t: t.style == "dubstep" and t.bass_type == "wobble",
          {"wobble": 1, "dubstep": 1}),
    Query("uplifting house", lambda t: t.style == "house" and t.mode == "major", {"uplifting": 1, "house": 2}),
    Query("tracks with vocals", lambda t: t.vocals, {"vocal": 1}),
    Query("aggressive distorted", lambda t: t.distortion >= 0.5 and t.drums, {"aggressive": 1, "distorted": 1}),
    Query("slow hip hop", lambda t: t.style == "hiphop", {"slow": 1, "hip_hop": 2}),
    Query("fast", lambda t: t.tempo >= 155, {"fast": 1}),
    Query("major key euphoric", lambda t: t.mode == "major" and t.drums and t.brightness >= 0.45,
          {"euphoric": 1}),
    Query("drum and bass", lambda t: t.style in DNB, {"drum_and_bass": 1}),
    Query("dubstep", lambda t: t.style == "dubstep", {"dubstep": 1}),
    Query("deep house", lambda t: t.style == "house", {"house": 1}),
    Query("hip hop beat", lambda t: t.style == "hiphop", {"hip_hop": 1}),
    Query("dark techno", lambda t: t.style == "techno" and t.mode == "minor", {"dark": 1, "techno": 2}),
    Query("chill ambient", lambda t: t.style == "ambient", {"chill": 1, "ambient": 2}),
    Query("melancholic minor key", lambda t: t.mode == "minor" and t.distortion < 0.5, {"melancholic": 1}),
    Query("sub bass", lambda t: t.bass_type == "sub", {"sub_bass": 1}),
    Query("clean bright house", lambda t: t.style == "house" and t.distortion <= 0.25 and t.brightness >= 0.5,
          {"clean": 1, "bright": 1, "house": 2}),
    Query("halftime dubstep", lambda t: t.style == "dubstep", {"halftime": 1, "dubstep": 2}),
    Query("no drums", lambda t: not t.drums, {"drums": -1}),
    Query("energetic drum and bass", lambda t: t.style in DNB and t.drums, {"energetic": 1, "drum_and_bass": 2}),
    Query("slow and calm", lambda t: t.tempo <= 110 and (not t.drums or t.style == "ambient"),
          {"slow": 1, "calm": 1}),
    Query("mid tempo", lambda t: 110 <= t.tempo <= 145, {"mid_tempo": 1}),
    Query("dark minor distorted bass", lambda t: t.mode == "minor" and t.distortion >= 0.5 and t.bass_type != "none",
          {"dark": 1, "distorted": 1, "heavy_bass": 1}),
    Query("bright uplifting major key", lambda t: t.mode == "major" and t.brightness >= 0.5,
          {"bright": 1, "uplifting": 1}),
    Query("liquid drum and bass", lambda t: t.style == "liquid", {"liquid": 2, "drum_and_bass": 1}),
)


def concept_rank(query: Query, concepts: np.ndarray, tempos: np.ndarray, k: int = 5) -> np.ndarray:
    """Indices of the top ``k`` rows by the query's weighted concept score (the reference ranking)."""
    from heihachi_index.search.descriptors import CONCEPTS

    names = list(CONCEPTS)
    num = np.zeros(len(concepts))
    den = 0.0
    for name, w in query.concepts.items():
        col = concepts[:, names.index(name)]
        num += abs(w) * (col if w > 0 else 1.0 - col)
        den += abs(w)
    score = num / den
    if query.tempo is not None:
        score = score * np.exp(-0.5 * ((tempos - query.tempo) / 6.0) ** 2)
    return np.argsort(-score, kind="stable")[:k]


# --------------------------------------------------------------------------------------------- corpus runs

def ingest_corpus(plans: list[TrackPlan], seconds: float, tmp: Path, workers: int):
    """Write the tracks as FLAC, ingest them; returns (config, truth by file name)."""
    from heihachi_index.config import load_config
    from heihachi_index.pipeline import ingest
    from heihachi_index.synth.corpus import write_manifest, write_track

    corpus = tmp / "corpus"
    entries = [write_track(corpus, i, render(p, seconds)) for i, p in enumerate(plans)]
    write_manifest(corpus, entries)
    truth = {e["file"]: GroundTruth.from_dict(e) for e in entries}
    cfg = load_config(None, environ={}, data_dir=str(tmp / "data"))
    report = ingest([corpus], cfg, workers=workers, show_progress=False)
    if report.failed:
        raise RuntimeError(f"ingest failed for {len(report.failed)} files: {report.failed[:3]}")
    return cfg, truth


def stored_concepts(index) -> tuple[list[str], list[dict], np.ndarray]:
    """Track ids, payloads and concept scores of every stored track.

    Tracks ingested before the pipeline stored ``"emotion"`` and ``"concepts"`` get them here, from their
    raw vectors, written back into their payloads (text search reads them from there).
    """
    from heihachi_index.analysis.emotion import EMOTIONS, emotion_matrix
    from heihachi_index.search.descriptors import CONCEPTS, describe_many

    ids, payloads, raws = [], [], []
    for rec in index.store.iter_points(with_payload=True, raw=["handcrafted"]):
        ids.append(rec.track_id)
        payloads.append(dict(rec.payload))
        raws.append(np.asarray(rec.raw["handcrafted"], dtype=np.float64))
    missing = [i for i, p in enumerate(payloads) if "concepts" not in p or "emotion" not in p]
    if missing:
        vectors = np.stack([raws[i] for i in missing])
        sub = [payloads[i] for i in missing]
        emotions = emotion_matrix(vectors, sub)
        for p, row in zip(sub, emotions):
            p["emotion"] = dict(zip(EMOTIONS, map(float, row)))
        for i, p, row in zip(missing, sub, describe_many(vectors, sub)):
            p["concepts"] = dict(zip(CONCEPTS, map(float, row)))
            index.store.set_payload([ids[i]], {"emotion": p["emotion"], "concepts": p["concepts"]})
        index.flush()
    concepts = np.array([[p["concepts"][c] for c in CONCEPTS] for p in payloads])
    return ids, payloads, concepts


def evaluate(split: str, per_style: int, seconds: float, ranker: str, workers: int) -> dict[str, float]:
    """precision@5 of every query on one split; prints the table and returns query -> precision."""
    from heihachi_index.index import TrackIndex

    plans = corpus_plan(per_style, split)
    with tempfile.TemporaryDirectory() as tmp:
        cfg, truth = ingest_corpus(plans, seconds, Path(tmp), workers)
        with TrackIndex.open(cfg) as index:
            ids, payloads, concepts = stored_concepts(index)
            truths = [truth[Path(p["path"]).name] for p in payloads]
            tempos = np.array([float(p["tempo"]) for p in payloads])
            row_of = {tid: i for i, tid in enumerate(ids)}
            out = {}
            for q in QUERIES:
                if ranker == "text":
                    from heihachi_index.search.text import search_text

                    top = [row_of[h.track_id] for h in search_text(index, q.text, k=5)]
                else:
                    top = list(concept_rank(q, concepts, tempos))
                rel = [q.relevant(truths[i]) for i in top]
                n_rel = sum(q.relevant(t) for t in truths)
                out[q.text] = float(np.mean(rel)) if rel else 0.0
                print(f"  {q.text:45s} {out[q.text]:4.2f}   ({n_rel} relevant of {len(truths)})")
    print(f"{split}: mean precision@5 = {np.mean(list(out.values())):.3f} over {len(out)} queries "
          f"({ranker} ranking, {per_style} tracks per style x {seconds:.0f} s)")
    return out


def dev_features(per_style: int, seconds: float) -> tuple[np.ndarray, list[dict], list[GroundTruth]]:
    """Raw vectors, payload facts and truth of the dev corpus, extracted directly (no index)."""
    from heihachi_index.features import extract

    vectors, payloads, truths = [], [], []
    for p in corpus_plan(per_style, "dev"):
        track = render(p, seconds)
        r = extract(track.mono(), track.sr)
        vectors.append(r.vector)
        payloads.append({"tempo": r.tempo, "tempo_confidence": r.tempo_confidence, "mode": r.mode,
                         "key_strength": r.key_strength})
        truths.append(track.truth)
    return np.stack(vectors), payloads, truths


def detector_labels(truths: list[GroundTruth]) -> dict[str, np.ndarray]:
    """Ground truth of each descriptor detector (see ``descriptors.DETECTOR_NAMES``)."""
    labels = {
        "bass": [t.bass_type != "none" for t in truths], "sub": [t.bass_type == "sub" for t in truths],
        "reese": [t.bass_type == "reese" for t in truths], "wobble": [t.bass_type == "wobble" for t in truths],
        "drums": [t.drums for t in truths], "vocals": [t.vocals for t in truths],
        "dnb": [t.style in DNB for t in truths],
        **{s: [t.style == s for t in truths] for s in ("neurofunk", "liquid", "jungle", "dubstep", "techno", "house")},
        "hiphop": [t.style == "hiphop" for t in truths], "ambient": [t.style == "ambient" for t in truths],
    }
    return {k: np.array(v, dtype=bool) for k, v in labels.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("eval", "dev", "both"), default="eval")
    parser.add_argument("--per-style", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    have_text = importlib.util.find_spec("heihachi_index.search.text") is not None
    parser.add_argument("--ranker", choices=("text", "concepts"), default="text" if have_text else "concepts")
    parser.add_argument("--refit-emotion", action="store_true", help="print emotion calibration fitted on dev seeds")
    parser.add_argument("--refit-descriptors", action="store_true",
                        help="print descriptor feature scales and detectors fitted on dev seeds")
    args = parser.parse_args()
    if args.refit_emotion or args.refit_descriptors:
        from heihachi_index.analysis import emotion
        from heihachi_index.search import descriptors

        vectors, payloads, truths = dev_features(args.per_style, args.seconds)
        if args.refit_emotion:
            fact_scale, score_scale = emotion.fit_calibration(vectors, payloads)
            print("FACT_SCALE =", {k: (round(a, 4), round(b, 4)) for k, (a, b) in fact_scale.items()})
            print("SCORE_SCALE =", {k: (round(a, 4), round(b, 4)) for k, (a, b) in score_scale.items()})
        if args.refit_descriptors:
            scale, detectors = descriptors.fit_detectors(vectors, payloads, detector_labels(truths))
            print("FEATURE_SCALE =", scale)
            print("DETECTORS =", detectors)
        return
    for split in (("dev", "eval") if args.split == "both" else (args.split,)):
        evaluate(split, args.per_style, args.seconds, args.ranker, args.workers)


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    main()
