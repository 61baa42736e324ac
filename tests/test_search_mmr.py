"""MMR: lambda=1 is the plain top-k, lower lambda buys diversity."""
from __future__ import annotations

import itertools
import uuid

import numpy as np
import pytest

from heihachi_index.config import Config
from heihachi_index.index import Track, TrackIndex
from heihachi_index.search import mmr, similar


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def clustered(seed: int = 0, clusters: int = 8, per: int = 25, dim: int = 64, spread: float = 0.15):
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(clusters, dim))
    x = np.repeat(centers, per, axis=0) + spread * rng.normal(size=(clusters * per, dim))
    return x, np.repeat(np.arange(clusters), per)


def mean_pairwise_distance(v: np.ndarray) -> float:
    u = unit(v)
    return float(np.mean([1 - u[i] @ u[j] for i, j in itertools.combinations(range(len(u)), 2)]))


def test_lambda_one_is_plain_top_k():
    rng = np.random.default_rng(1)
    for _ in range(20):
        cands = rng.normal(size=(100, 32))
        q = rng.normal(size=32)
        assert mmr(q, cands, 10, 1.0) == np.argsort(-(unit(cands) @ unit(q)))[:10].tolist()


def test_lower_lambda_raises_diversity():
    x, labels = clustered()
    rng = np.random.default_rng(2)
    diversities = {lam: [] for lam in (1.0, 0.7, 0.3)}
    for _ in range(10):
        q = x[rng.integers(0, len(x))] + 0.3 * rng.normal(size=x.shape[1])
        pool = np.argsort(-(unit(x) @ unit(q)))[:100]
        for lam in diversities:
            chosen = pool[mmr(q, x[pool], 10, lam)]
            diversities[lam].append((mean_pairwise_distance(x[chosen]), len(set(labels[chosen]))))
    mean = {lam: np.mean([d for d, _ in v]) for lam, v in diversities.items()}
    clusters = {lam: np.mean([c for _, c in v]) for lam, v in diversities.items()}
    assert mean[0.3] > mean[0.7] > mean[1.0]
    assert clusters[0.3] > clusters[1.0]


def test_mmr_edge_cases():
    cands = np.eye(4)
    assert mmr(np.ones(4), cands, 10) and len(mmr(np.ones(4), cands, 10)) == 4
    assert mmr(np.ones(4), cands, 0) == []
    assert sorted(mmr(np.ones(4), cands, 4, 0.0)) == [0, 1, 2, 3]
    with pytest.raises(ValueError):
        mmr(np.ones(4), cands, 2, 1.5)


@pytest.mark.parametrize("backend", ["faiss", "store"])
def test_similar_with_mmr(tmp_path, backend):
    x, labels = clustered(seed=3, dim=641, per=30, spread=0.3)
    ids = [uuid.UUID(int=(i + 1) << 70 | i).hex for i in range(len(x))]
    with TrackIndex.open(Config(data_dir=str(tmp_path))) as index:
        index.upsert([Track(t, {"handcrafted": v}, {"cluster": int(c)}) for t, v, c in zip(ids, x, labels)])
        index.finalize()
        plain = similar(index, ids[0], 10, backend=backend, exact=True)
        same = similar(index, ids[0], 10, mmr=1.0, backend=backend, exact=True)
        diverse = similar(index, ids[0], 10, mmr=0.3, pool=200, backend=backend, exact=True)
        assert [h.track_id for h in same] == [h.track_id for h in plain]
        assert len(diverse) == 10 and ids[0] not in [h.track_id for h in diverse]
        assert len({h.payload["cluster"] for h in diverse}) > len({h.payload["cluster"] for h in plain})
        vec = {t: index.vector(t) for t in ids}
        assert mean_pairwise_distance(np.stack([vec[h.track_id] for h in diverse])) > \
            mean_pairwise_distance(np.stack([vec[h.track_id] for h in plain]))
        q = index.vector(ids[0])
        for h in diverse:  # scores stay cosine similarities to the query
            assert h.score == pytest.approx(float(q @ vec[h.track_id]), abs=1e-5)
