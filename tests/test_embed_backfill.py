"""Backfill: neural families added to an existing index, window store, resume, bad files, the CLI."""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from heihachi_index.audio import load
from heihachi_index.cli import CliError
from heihachi_index.cli import embed as embed_cli
from heihachi_index.cli.main import common_options
from heihachi_index.config import IngestConfig, load_config
from heihachi_index.embed import EmbedError, WindowStore, backfill, load_embedders
from heihachi_index.embed.base import Embedding
from heihachi_index.embed.testing import write_tiny_beats, write_tiny_clap
from heihachi_index.index import TrackIndex
from heihachi_index.pipeline import ingest
from heihachi_index.synth import generate, write_corpus

STYLES = ["techno", "house", "dubstep"]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    return {"clap_path": str(write_tiny_clap(root / "clap")), "beats_path": str(write_tiny_beats(root / "b.pt"))}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    write_corpus(out, [generate(s, seed=70 + i, seconds=11.5 if i == 0 else 8.0) for i, s in enumerate(STYLES)],
                 fmt="flac")
    return out


def make_config(tmp_path: Path, models: dict):
    overrides = {f"embed.{k}": v for k, v in models.items()}
    if hasattr(IngestConfig(), "drums"):  # drum analysis is not what these tests are about
        overrides["ingest.drums"] = False
    return load_config(None, environ={}, data_dir=str(tmp_path / "data"), **{"embed.device": "cpu", **overrides})


@pytest.fixture(scope="module")
def indexed(corpus, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A data directory holding the corpus ingested once (handcrafted family only), and file name -> track id."""
    root = tmp_path_factory.mktemp("indexed")
    report = ingest([corpus], make_config(root, {}), workers=1)
    assert len(report.ingested) == len(STYLES) and not report.failed
    return root / "data", {Path(row["path"]).name: row["track_id"] for row in report.ingested}


def fresh_config(indexed, tmp_path: Path, models: dict):
    shutil.copytree(indexed[0], tmp_path / "data")
    return make_config(tmp_path, models)


def test_backfill_adds_families_resumes_and_reports_bad_files(corpus, indexed, models, tmp_path):
    cfg = fresh_config(indexed, tmp_path, models)
    by_path = indexed[1]
    embedders, messages = load_embedders(cfg)
    assert set(embedders) == {"clap", "beats"} and messages == []
    store = WindowStore(cfg.data_path)
    seen = []
    with TrackIndex.open(cfg) as index:
        summary = backfill(index, embedders, window_store=store, batch_size=2, on_result=seen.append)
        assert summary.embedded == {"clap": 3, "beats": 3} and summary.failed == []
        fams = index.families()
        assert (fams["clap"].dim, fams["clap"].standardize) == (24, False)
        assert (fams["beats"].dim, fams["beats"].standardize) == (32, True)
        first = sorted(corpus.glob("*.flac"))[0]
        tid = by_path[first.name]
        rec = index.get(tid, vectors=True, raw=["beats"])
        assert set(rec.vectors) == {"handcrafted", "clap", "beats"}
        audio = load(first, sr=None)
        direct = embedders["clap"].embed(audio.samples, audio.sr)
        np.testing.assert_allclose(rec.vectors["clap"], direct.vector, atol=1e-5)  # unstandardised: as embedded
        np.testing.assert_allclose(rec.raw["beats"], embedders["beats"].embed(audio.samples, audio.sr).vector,
                                   atol=1e-5)
        assert rec.payload["complete"] is True and rec.payload["path"]
        hits = index.search(direct.vector, k=1, family="clap")
        assert hits[0].track_id == tid
    assert sorted(r.track_id for r in seen) == sorted(by_path.values()) and all(r.error is None for r in seen)
    windows = store.load("clap", tid)
    assert windows.vectors.shape == (2, 24)  # the 11.5 s track: two windows
    np.testing.assert_allclose(windows.vectors, direct.windows, atol=2e-3)  # stored as float16
    np.testing.assert_allclose(windows.starts, [0.0, 10.0])
    np.testing.assert_allclose(windows.durations, [10.0, 1.5], atol=1e-3)
    assert sorted(store.track_ids("beats")) == sorted(by_path.values())

    with TrackIndex.open(cfg) as index:  # a re-run finds nothing to do
        again = backfill(index, embedders, window_store=store)
    assert again.embedded == {"clap": 0, "beats": 0} and again.present == {"clap": 3, "beats": 3}
    assert again.tracks == 0

    # one track loses its BEATs vector (as after an interrupted run) and another its file
    with TrackIndex.open(cfg) as index:
        kept = {t: index.get(t, vectors=["clap", "handcrafted"], raw=["handcrafted"]) for t in by_path.values()}
        index.delete(list(by_path.values()))
        from heihachi_index.index import Track
        index.upsert([Track(t, {"handcrafted": r.raw["handcrafted"], "clap": r.vectors["clap"]}, r.payload)
                      for t, r in kept.items()])
    gone = sorted(corpus.glob("*.flac"))[1]
    moved = tmp_path / "moved.flac"
    gone.rename(moved)
    try:
        with TrackIndex.open(cfg) as index:
            partial = backfill(index, embedders, window_store=store)
            assert partial.embedded == {"clap": 0, "beats": 2} and partial.present["clap"] == 3
            assert len(partial.failed) == 1 and gone.name in partial.failed[0]["reason"]
            assert partial.failed[0]["track_id"] == by_path[gone.name]
            assert "beats" not in index.get(by_path[gone.name], vectors=True).vectors
    finally:
        moved.rename(gone)
    assert store.delete(tid) == 2 and store.load("clap", tid) is None


def test_family_with_another_dimension_is_refused(indexed, models, tmp_path):
    cfg = fresh_config(indexed, tmp_path, models)
    embedders, _ = load_embedders(cfg, ["clap"])
    with TrackIndex.open(cfg) as index:
        index.add_family("clap", 512, standardize=False)
        with pytest.raises(EmbedError, match="dimension 512"):
            backfill(index, embedders)


def run_cli(argv: list[str], cfg) -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    embed_cli.register(sub, common_options())
    args = parser.parse_args(["embed", *argv])
    return args.func(args, cfg)


def test_cli_status_and_backfill(indexed, models, tmp_path, capsys):
    cfg = fresh_config(indexed, tmp_path, {"clap_path": models["clap_path"]})
    assert run_cli(["--json"], cfg) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["available"]["clap"]["dim"] == 24 and "HEIHACHI_EMBED__BEATS_PATH" in status["missing"][0]
    assert run_cli(["--backfill", "--family", "clap", "--json"], cfg) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["embedded"] == {"clap": 3} and out["failed"] == []
    assert run_cli(["--backfill"], cfg) == 0
    assert "clap: embedded 0, already present 3" in capsys.readouterr().out
    with pytest.raises(CliError, match="no embedding model"):
        run_cli(["--backfill", "--family", "beats"], cfg)


def test_window_store_round_trip(tmp_path):
    store = WindowStore(tmp_path)
    tid = "0123456789abcdef0123456789abcdef"
    emb = Embedding(vector=np.ones(4, np.float32), windows=np.arange(12, dtype=np.float32).reshape(3, 4) / 10,
                    starts=np.array([0.0, 10.0, 20.0]), window_seconds=10.0, durations=np.array([10.0, 10.0, 4.0]))
    path = store.save("clap", tid, emb)
    assert path == tmp_path / "windows" / "clap" / "01" / f"{tid}.npz"
    got = store.load("clap", tid)
    np.testing.assert_allclose(got.vectors, emb.windows, atol=1e-3)
    np.testing.assert_array_equal(got.starts, emb.starts)
    assert got.window_seconds == 10.0 and store.has("clap", tid) and store.families() == ["clap"]
    with pytest.raises(ValueError, match="NaN"):
        store.save("clap", tid, Embedding(np.ones(4, np.float32), np.full((1, 4), np.nan, np.float32),
                                          np.zeros(1), 10.0))
    with pytest.raises(ValueError):
        store.save("Bad-Family", tid, emb)
    assert store.delete(tid) == 1 and not store.has("clap", tid)
