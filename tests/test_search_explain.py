"""Explanations: per-group contributions that sum to the cosine score."""
from __future__ import annotations

import uuid

import numpy as np
import pytest

from heihachi_index.config import Config
from heihachi_index.features.layout import GROUPS, SLICES
from heihachi_index.index import Track, TrackIndex
from heihachi_index.search import explain, similar


def test_contributions_sum_to_cosine():
    rng = np.random.default_rng(0)
    for _ in range(20):
        a, b = rng.normal(size=641), rng.normal(size=641) * 3
        parts = explain(a, b)
        assert set(parts) == set(GROUPS)
        cos = a @ b / np.linalg.norm(a) / np.linalg.norm(b)
        assert sum(parts.values()) == pytest.approx(cos, abs=1e-12)


def test_contribution_lands_in_the_right_group():
    a = np.zeros(641)
    b = np.zeros(641)
    tempo = SLICES["tempo"].start
    a[tempo] = b[tempo] = 1.0
    a[0] = 1.0  # timbre, orthogonal to b
    parts = explain(a, b)
    assert parts["rhythm_energy"] == pytest.approx(1 / np.sqrt(2))
    assert all(v == 0 for g, v in parts.items() if g != "rhythm_energy")
    assert explain(np.zeros(641), b) == {g: 0.0 for g in GROUPS}
    with pytest.raises(ValueError):
        explain(np.ones(10), np.ones(10))


@pytest.mark.parametrize("backend", ["faiss", "store"])
def test_hits_explain_their_scores(tmp_path, backend):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(80, 641)) * rng.uniform(0.1, 10, 641) + rng.normal(size=641)
    ids = [uuid.UUID(int=(i + 1) << 80 | i).hex for i in range(80)]
    with TrackIndex.open(Config(data_dir=str(tmp_path))) as index:
        index.upsert([Track(t, {"handcrafted": v}) for t, v in zip(ids, x)])
        index.finalize()
        for query in (ids[3], x[10] + rng.normal(size=641)):
            hits = similar(index, query, 8, explain=True, mmr=0.8, backend=backend)
            assert len(hits) == 8
            for h in hits:
                assert set(h.explanation) == set(GROUPS)
                assert sum(h.explanation.values()) == pytest.approx(h.score, abs=2e-5)
        assert all(h.explanation is None for h in similar(index, ids[3], 3, backend=backend))
