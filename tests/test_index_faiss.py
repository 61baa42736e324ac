"""FAISS beside the store: kept in step, exact == Qdrant exact, HNSW recall, filtered search."""
from __future__ import annotations

import uuid

import numpy as np
import pytest

from heihachi_index.config import Config
from heihachi_index.index import AnnParams, FamilyIndex, Filter, MatchAny, Range, Track, TrackIndex
from heihachi_index.index.faiss_index import gpu_available, normalize_rows

DIM = 641


def clustered(n: int, dim: int = DIM, clusters: int = 50, noise: float = 0.6, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(clusters, dim))
    return (centers[rng.integers(0, clusters, n)] + noise * rng.normal(size=(n, dim))).astype(np.float32)


def brute_topk(x: np.ndarray, q: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
    s = normalize_rows(x) @ normalize_rows(q)[0]
    if allowed is not None:
        s = np.where(allowed, s, -np.inf)
    return np.argsort(-s, kind="stable")[:k]


def test_flat_index_is_exact_and_kept_in_step():
    x = clustered(600, dim=32)
    fi = FamilyIndex(32, AnnParams(threshold=10_000)).build(np.arange(600), x)
    assert fi.kind == "flat" and len(fi) == 600
    q = x[7] + 0.1
    slots, scores = fi.search(q, 10)
    assert slots.tolist() == brute_topk(x, q, 10).tolist()
    assert np.all(np.diff(scores) <= 1e-6)
    # replace slot 7's vector and delete 3 others
    fi.add(np.array([7]), -x[7:8])
    fi.remove(np.array([1, 2, 3]))
    assert len(fi) == 597 and 2 not in fi and 7 in fi
    np.testing.assert_allclose(fi.vectors(np.array([7]))[0], normalize_rows(-x[7])[0], atol=1e-6)
    ref = x.copy()
    ref[7] = -x[7]
    alive = np.ones(600, bool)
    alive[[1, 2, 3]] = False
    slots, _ = fi.search(q, 10)
    assert slots.tolist() == brute_topk(ref, q, 10, alive).tolist()
    with pytest.raises(KeyError):
        fi.vectors(np.array([2]))


def test_allowed_mask_and_compaction():
    x = clustered(3000, dim=16, seed=1)
    fi = FamilyIndex(16, AnnParams(threshold=100_000)).build(np.arange(3000), x)
    rng = np.random.default_rng(2)
    allowed = rng.random(3500) < 0.1  # longer than the slot range: extra slots are ignored
    q = x[0]
    slots, _ = fi.search(q, 15, allowed=allowed)
    assert slots.tolist() == brute_topk(x, q, 15, allowed[:3000]).tolist()
    fi.remove(np.arange(0, 2000))  # dead > 1/4: compacted
    assert fi.dead == 0 and len(fi) == 1000
    slots, _ = fi.search(q, 5)
    assert slots.min() >= 2000
    empty, _ = fi.search(q, 5, allowed=np.zeros(3000, bool))
    assert len(empty) == 0


def test_switches_to_hnsw_at_threshold_and_keeps_recall():
    x = clustered(6000, seed=3)
    params = AnnParams(threshold=5000, m=32, ef_construction=80, ef_search=128)
    fi = FamilyIndex(DIM, params)
    fi.add(np.arange(4000), x[:4000])
    assert fi.kind == "flat"
    fi.add(np.arange(4000, 6000), x[4000:])
    assert fi.kind == "hnsw" and len(fi) == 6000
    rng = np.random.default_rng(4)
    queries = x[rng.choice(6000, 100, replace=False)] + 0.3 * rng.normal(size=(100, DIM)).astype(np.float32)
    recall = []
    for q in queries:
        approx, _ = fi.search(q, 10)
        exact, _ = fi.search(q, 10, exact=True)
        # Exact up to float rounding: two neighbours whose scores differ by ~1e-7 may swap places.
        scores = normalize_rows(x) @ normalize_rows(q)[0]
        np.testing.assert_allclose(scores[exact], scores[brute_topk(x, q, 10)], atol=1e-5)
        recall.append(len(set(approx) & set(exact)) / 10)
    assert np.mean(recall) >= 0.95, f"HNSW recall@10 {np.mean(recall):.3f}"
    # filtered HNSW search: selective filters run exactly, broad ones through the graph
    broad = rng.random(6000) < 0.6
    narrow = rng.random(6000) < 0.01
    for allowed in (broad, narrow):
        got = [fi.search(q, 10, allowed=allowed)[0] for q in queries[:30]]
        assert all(allowed[g].all() for g in got)
        want = [brute_topk(x, q, 10, allowed) for q in queries[:30]]
        assert np.mean([len(set(g) & set(w)) / 10 for g, w in zip(got, want)]) >= 0.95


def test_gpu_detection_is_safe():
    assert gpu_available() in (True, False)
    assert FamilyIndex(8, gpu=True).gpu == gpu_available()


def make_tracks(n: int, seed: int = 0) -> list[Track]:
    x = clustered(n, seed=seed) * np.exp(np.random.default_rng(seed).uniform(-2, 2, DIM)) + 5
    rng = np.random.default_rng(seed + 1)
    ids = [uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | i).hex for i in range(n)]
    return [Track(ids[i], {"handcrafted": x[i]}, {"tempo": float(rng.uniform(80, 180)),
                                                  "tags": [["neuro", "liquid", "jump-up"][i % 3]]}) for i in range(n)]


@pytest.mark.parametrize("backend", ["edge", "qdrant"])
def test_faiss_exact_equals_qdrant_exact(tmp_path, backend):
    cfg = Config(data_dir=str(tmp_path / "d"))
    cfg.index.backend = backend
    tracks = make_tracks(400)
    with TrackIndex.open(cfg) as index:
        index.upsert(tracks[:200])
        index.finalize()
        fi = index.faiss_index()  # built from the store
        index.upsert(tracks[200:])  # mirrored incrementally
        index.delete([t.track_id for t in tracks[:10]])
        assert len(fi) == index.count() == 390
        rng = np.random.default_rng(9)
        flt = Filter((Range("tempo", gte=100, lte=160), MatchAny("tags", ("neuro", "liquid"))))
        for i in range(12):
            q = index.standardize(tracks[rng.integers(0, 400)].vectors["handcrafted"] + rng.normal(size=DIM))
            for f in (None, flt):
                a = index.search(q, 10, filter=f, backend="faiss", exact=True)
                b = index.search(q, 10, filter=f, backend="store", exact=True)
                assert [h.track_id for h in a] == [h.track_id for h in b]
                np.testing.assert_allclose([h.score for h in a], [h.score for h in b], atol=1e-5)
        index.finalize()  # statistics move: the FAISS index is rebuilt from the rewritten store
        q = index.standardize(tracks[50].vectors["handcrafted"])
        a = index.search(q, 10, backend="faiss", exact=True)
        b = index.search(q, 10, backend="store", exact=True)
        assert [h.track_id for h in a] == [h.track_id for h in b]


def test_faiss_reopen_rebuilds_from_store(tmp_path):
    cfg = Config(data_dir=str(tmp_path / "d"))
    tracks = make_tracks(150, seed=2)
    with TrackIndex.open(cfg) as index:
        index.upsert(tracks)
        index.finalize()
        q = index.standardize(tracks[3].vectors["handcrafted"])
        before = [(h.track_id, round(h.score, 5)) for h in index.search(q, 10)]
    with TrackIndex.open(cfg, ann=AnnParams(threshold=50)) as index:
        assert index.memory.loaded("handcrafted") is None  # built on first use, or by warm()
        index.warm()
        assert index.memory.loaded("handcrafted") is index.faiss_index()
        assert index.faiss_index().kind == "hnsw" and len(index.faiss_index()) == 150
        after = [(h.track_id, round(h.score, 5)) for h in index.search(q, 10, exact=True)]
    assert before == after
