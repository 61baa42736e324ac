"""One writer per data directory, read-only opens, and crash safety of batched writes."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from heihachi_index.config import Config
from heihachi_index.index import ReadOnlyStoreError, StoreLockedError, Track, TrackIndex, open_store
from heihachi_index.index.lock import WriteLock

ROOT = Path(__file__).resolve().parents[1]


def config(tmp_path: Path, backend: str = "edge") -> Config:
    cfg = Config(data_dir=str(tmp_path / "data"))
    cfg.index.backend = backend
    return cfg


def run_child(code: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.mark.parametrize("backend", ["edge", "qdrant"])
def test_second_writer_in_process_is_refused(tmp_path, backend):
    cfg = config(tmp_path, backend)
    with open_store(cfg):
        with pytest.raises(StoreLockedError) as err:
            open_store(cfg)
        msg = str(err.value)
        assert str(cfg.data_path) in msg and f"process {os.getpid()}" in msg
        assert err.value.pid == os.getpid()
    with open_store(cfg) as again:  # released on close
        assert again.count() == 0


def test_second_writer_in_another_process_is_refused(tmp_path):
    cfg = config(tmp_path)
    with open_store(cfg):
        child = run_child(f"""
            from heihachi_index.config import Config
            from heihachi_index.index import StoreLockedError, open_store
            cfg = Config(data_dir={str(cfg.data_path)!r})
            try:
                open_store(cfg)
            except StoreLockedError as exc:
                print("LOCKED", exc.pid)
        """)
    assert child.returncode == 0, child.stderr
    assert f"LOCKED {os.getpid()}" in child.stdout


def test_lock_of_a_killed_writer_is_released(tmp_path):
    cfg = config(tmp_path)
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from heihachi_index.config import Config
        from heihachi_index.index import open_store
        store = open_store(Config(data_dir={str(cfg.data_path)!r}))
        print("OPEN", flush=True)
        time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert child.stdout.readline().strip() == "OPEN"
        with pytest.raises(StoreLockedError) as err:
            open_store(cfg)
        assert err.value.pid == child.pid
        info = json.loads((cfg.data_path / "WRITE.lock").read_text())
        assert info["pid"] == child.pid and info["mode"] == "write"
    finally:
        child.kill()
        child.wait()
    with open_store(cfg) as store:
        assert store.count() == 0


def test_read_only_open(tmp_path):
    cfg = config(tmp_path)
    with TrackIndex.open(cfg) as index:
        index.upsert([Track("ab" * 16, {"handcrafted": np.ones(641)}, {"title": "x"})])
        # Qdrant Edge opens a shard exclusively: no reader while the writer is open
        with pytest.raises(StoreLockedError):
            open_store(cfg, read_only=True)
    with TrackIndex.open(cfg, read_only=True) as ro:
        assert ro.count() == 1 and ro.read_only
        with pytest.raises(ReadOnlyStoreError):
            ro.upsert([Track("cd" * 16, {"handcrafted": np.ones(641)})])
        with pytest.raises(StoreLockedError):  # a reader keeps writers out
            open_store(cfg)
    with open_store(cfg) as writer:
        assert writer.count() == 1


def test_read_only_open_of_missing_index_fails(tmp_path):
    from heihachi_index.index import StoreError
    with pytest.raises(StoreError, match="no Qdrant Edge index"):
        open_store(config(tmp_path), read_only=True)
    assert WriteLock(config(tmp_path).data_path).acquire().held  # the failed open left no lock behind


def test_kill_mid_ingest_leaves_only_complete_points(tmp_path):
    """SIGKILL a writer mid-batch: every point that exists has all vectors and ``complete``."""
    cfg = config(tmp_path)
    code = f"""
        import sys, uuid
        import numpy as np
        from heihachi_index.config import Config
        from heihachi_index.index import Track, TrackIndex
        index = TrackIndex.open(Config(data_dir={str(cfg.data_path)!r}))
        rng = np.random.default_rng(0)
        for batch in range(10_000):
            tracks = [Track(uuid.uuid4().hex, {{"handcrafted": rng.normal(size=641)}}, {{"batch": batch}})
                      for _ in range(64)]
            index.upsert(tracks, batch_size=64)
            print("BATCH", batch, flush=True)
    """
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE, text=True,
                             cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        done = 0
        deadline = time.time() + 60
        while done < 5 and time.time() < deadline:
            line = child.stdout.readline()
            if line.startswith("BATCH"):
                done = int(line.split()[1]) + 1
        assert done >= 5, "child did not ingest"
        time.sleep(0.05)  # let it get into the next batch
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait()
    with TrackIndex.open(cfg) as index:
        n = index.count()
        assert n >= done * 64 and n % 64 == 0  # whole batches only
        for rec in index.store.iter_points(vectors=True, raw=True):
            assert rec.payload.get("complete") is True
            assert set(rec.vectors) == {"handcrafted"} and set(rec.raw) == {"handcrafted"}
            assert rec.payload["stats_version"] == {"handcrafted": 1}
        assert len(index.completed()) == n
