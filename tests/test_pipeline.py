"""Ingestion end to end: parallel workers, idempotency, bad files, kill -9 and resume, the CLI."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import mutagen
import pytest

from heihachi_index.cli.main import main as cli_main
from heihachi_index.config import load_config
from heihachi_index.index import TrackIndex
from heihachi_index.pipeline import ingest
from heihachi_index.synth import generate, write_corpus

STYLES = ["neurofunk", "liquid", "techno", "ambient", "dubstep", "house"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    write_corpus(out, [generate(s, seed=300 + i, seconds=8.0) for i, s in enumerate(STYLES)], fmt="flac")
    return out


def config_for(tmp_path: Path):
    return load_config(None, environ={}, data_dir=str(tmp_path / "data"))


def test_ingest_is_parallel_idempotent_and_survives_bad_files(corpus, tmp_path):
    cfg = config_for(tmp_path)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "notes.mp3").write_text("this is not audio")
    (bad / "empty.wav").write_bytes(b"")
    report = ingest([corpus, bad, tmp_path / "missing.flac"], cfg, workers=2)
    assert len(report.ingested) == len(STYLES)
    reasons = {Path(row["path"]).name: row["reason"] for row in report.failed}
    assert set(reasons) == {"notes.mp3", "empty.wav", "missing.flac"}
    assert all(name in reason for name, reason in reasons.items())  # each reason names its file
    with TrackIndex.open(cfg, read_only=True) as index:
        assert index.count() == len(STYLES)
        payload = index.payloads([report.ingested[0]["track_id"]])[report.ingested[0]["track_id"]]
        assert payload["complete"] is True and payload["tempo"] > 0 and payload["camelot"]
    again = ingest([corpus], cfg, workers=2)
    assert (len(again.ingested), len(again.skipped), len(again.failed)) == (0, len(STYLES), 0)


def test_retagged_copy_is_recognised_as_the_same_track(corpus, tmp_path):
    cfg = config_for(tmp_path)
    first = sorted(corpus.glob("*.flac"))[0]
    ingest([first], cfg, workers=1)
    copy = tmp_path / "copy-with-tags.flac"
    shutil.copy(first, copy)
    tags = mutagen.File(copy)
    tags["title"] = "A different title"
    tags.save()
    report = ingest([copy], cfg, workers=1)
    assert len(report.skipped) == 1 and report.skipped[0]["reason"].endswith("(same audio)")
    with TrackIndex.open(cfg, read_only=True) as index:
        assert index.count() == 1


def _ingest_cmd(paths: list[Path], data: Path) -> list[str]:
    return [sys.executable, "-m", "heihachi_index.cli.main", "ingest", *map(str, paths), "--workers", "1",
            "--data-dir", str(data), "--log-level", "INFO"]


def test_kill_9_mid_ingest_then_resume_finishes_without_duplicates(tmp_path):
    src = tmp_path / "many"
    tracks = [generate(STYLES[i % len(STYLES)], seed=400 + i, seconds=6.0) for i in range(24)]
    write_corpus(src, tracks, fmt="flac")
    data = tmp_path / "data"
    env = {**os.environ, "CI": "true", "HEIHACHI_LOGGING__FORMAT": "json"}
    proc = subprocess.Popen(_ingest_cmd([src], data), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            env=env, text=True, start_new_session=True)
    stored = False
    deadline = time.monotonic() + 240
    assert proc.stderr is not None
    for line in proc.stderr:  # wait until at least one batch is durably stored, then kill everything
        if '"stored batch"' in line:
            stored = True
            break
        if time.monotonic() > deadline:
            break
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert stored, "the ingest never stored a batch before the deadline"
    cfg = config_for(tmp_path)
    with TrackIndex.open(cfg, read_only=True) as index:
        partial = index.count()
    assert 0 < partial < len(tracks)
    report = ingest([src], cfg, workers=2)
    assert len(report.failed) == 0
    assert len(report.skipped) == partial and len(report.ingested) == len(tracks) - partial
    with TrackIndex.open(cfg, read_only=True) as index:
        assert index.count() == len(tracks)
        assert len(index.completed()) == len(tracks)


def test_cli_ingest_similar_info_rm(corpus, tmp_path, capsys):
    data = str(tmp_path / "data")
    assert cli_main(["ingest", str(corpus), "--data-dir", data, "--workers", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["counts"] == {"ingested": len(STYLES), "skipped": 0, "failed": 0}
    assert cli_main(["info", "--data-dir", data, "--list", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["tracks"] == len(STYLES) and info["families"]["handcrafted"]["dim"] == 641
    track = info["list"][0]["track_id"]
    assert cli_main(["similar", track, "-k", "3", "--explain", "--json", "--data-dir", data]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert len(hits) == 3 and track not in {h["track_id"] for h in hits}
    assert all(abs(sum(h["explanation"].values()) - h["score"]) < 1e-4 for h in hits)
    audio_file = str(sorted(corpus.glob("*.flac"))[1])
    assert cli_main(["similar", audio_file, "-k", "2", "--mmr", "0.5", "--json", "--data-dir", data]) == 0
    file_hits = json.loads(capsys.readouterr().out)
    assert len(file_hits) == 2 and audio_file not in {h["payload"]["path"] for h in file_hits}
    assert cli_main(["similar", "no-such-track", "--data-dir", data]) == 2
    assert "neither a track id" in capsys.readouterr().err
    assert cli_main(["rm", track, "--data-dir", data]) == 0
    capsys.readouterr()
    assert cli_main(["info", "--data-dir", data, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tracks"] == len(STYLES) - 1


def test_long_files_are_streamed(corpus, tmp_path, monkeypatch):
    import heihachi_index.pipeline.analyze as analyze
    from heihachi_index.pipeline import Analysis, analyze_file

    path = str(sorted(corpus.glob("*.flac"))[0])
    cfg = config_for(tmp_path)
    whole = analyze_file(path, cfg.audio, cfg.features)
    monkeypatch.setattr(analyze, "STREAM_ABOVE_SECONDS", 2.0)
    streamed = [None]
    real_stream = analyze.stream

    def spy(*args, **kwargs):
        streamed[0] = True
        return real_stream(*args, **kwargs)

    monkeypatch.setattr(analyze, "stream", spy)
    via_stream = analyze_file(path, cfg.audio, cfg.features)
    assert streamed[0] and isinstance(via_stream, Analysis) and isinstance(whole, Analysis)
    assert via_stream.track_id == whole.track_id
    assert via_stream.payload["duration"] == pytest.approx(whole.payload["duration"])
    assert via_stream.payload["tempo"] == pytest.approx(whole.payload["tempo"], rel=1e-3)


_NUMBA_CACHED_MODULES = """
import inspect, sys, tempfile
import soundfile as sf
from heihachi_index.config import Config
from heihachi_index.pipeline.analyze import analyze_file
from heihachi_index.synth import generate

cfg = Config()
tr = generate("neurofunk", 1, 12.0)
path = tempfile.mktemp(suffix=".wav")
sf.write(path, tr.audio, tr.sr)
assert type(analyze_file(path, cfg.audio, cfg.features)).__name__ == "Analysis"
for name, module in list(sys.modules.items()):
    if name.startswith("librosa") and module is not None:
        try:
            src = inspect.getsource(module)
        except (OSError, TypeError):
            continue
        if "guvectorize" in src and "cache=True" in src:
            print(name)
"""


def test_workers_inherit_every_disk_cached_numba_module():
    # Every librosa module with disk-cached gufuncs that analysing a track imports is imported by the
    # forkserver first; otherwise parallel workers on a fresh install compile them at once (numba #10128).
    out = subprocess.run([sys.executable, "-c", _NUMBA_CACHED_MODULES], capture_output=True, text=True,
                         timeout=600, check=True).stdout.split()
    from heihachi_index.pipeline.ingest import FORKSERVER_PRELOAD

    assert "librosa.beat" in out
    assert set(out) <= set(FORKSERVER_PRELOAD), set(out) - set(FORKSERVER_PRELOAD)
    # What `make` and the Docker build run after installing imports them all.
    check = ("import sys; from heihachi_index.pipeline.ingest import FORKSERVER_PRELOAD, compile_preloaded; "
             "compile_preloaded(); print(all(m in sys.modules for m in FORKSERVER_PRELOAD))")
    assert subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=600,
                          check=True).stdout.strip() == "True"
