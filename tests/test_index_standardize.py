"""Corpus statistics: versioning, std=0 guard, one scale for all vectors, ingest-order independence."""
from __future__ import annotations

import uuid

import numpy as np
import pytest

from heihachi_index.config import Config
from heihachi_index.index import StoreError, Track, TrackIndex
from heihachi_index.features.layout import DIM, group_indices
from heihachi_index.index.families import HANDCRAFTED_GROUP_WEIGHTS, family_weights
from heihachi_index.index.standardize import StatsRepository, compute_stats, guard_std, identity_stats
from heihachi_index.index.track_index import stale_filter
from heihachi_index.search import similar

DIM = 641
BACKENDS = ["edge", "qdrant"]


def corpus(n: int, seed: int = 0) -> list[Track]:
    """Clustered raw vectors on very different per-dimension scales, one constant dimension."""
    rng = np.random.default_rng(seed)
    scales = np.exp(rng.uniform(-3, 5, DIM))
    centers = rng.normal(size=(12, DIM)) * 2
    x = (centers[rng.integers(0, 12, n)] + rng.normal(size=(n, DIM))) * scales + 100
    x[:, 7] = 3.25  # constant feature
    ids = [uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | i).hex for i in range(n)]
    return [Track(ids[i], {"handcrafted": x[i]}, {"tempo": 170.0 + i % 9, "title": f"t{i}"}) for i in range(n)]


def open_index(tmp_path, name: str, backend: str = "edge", **kwargs) -> TrackIndex:
    cfg = Config(data_dir=str(tmp_path / name))
    cfg.index.backend = backend
    return TrackIndex.open(cfg, **kwargs)


def stored_matrix(index: TrackIndex) -> tuple[list[str], np.ndarray, np.ndarray, list[int]]:
    recs = sorted(index.store.iter_points(vectors=True, raw=True), key=lambda r: r.track_id)
    return ([r.track_id for r in recs], np.stack([r.vectors["handcrafted"] for r in recs]),
            np.stack([r.raw["handcrafted"] for r in recs]), [r.payload["stats_version"]["handcrafted"] for r in recs])


def test_compute_stats_guards_constant_dimensions():
    x = np.random.default_rng(0).normal(size=(50, 5))
    x[:, 2] = 7.0
    x[:, 3] = 1e12 + np.random.default_rng(1).normal(size=50) * 1e-6  # constant up to float noise
    st = compute_stats("f", x, 1)
    assert st.std[2] == 1.0 and st.std[3] == 1.0
    z = st.apply(x)
    assert np.all(np.isfinite(z)) and np.allclose(z[:, 2], 0)
    np.testing.assert_allclose(z[:, [0, 1, 4]].mean(axis=0), 0, atol=1e-6)
    np.testing.assert_allclose(z[:, [0, 1, 4]].std(axis=0), 1, atol=1e-5)
    assert guard_std(np.array([0.0, np.nan, 2.0]), np.zeros(3)).tolist() == [1.0, 1.0, 2.0]


def test_stats_moved_tolerance():
    x = np.random.default_rng(0).normal(size=(1000, 4))
    a = compute_stats("f", x, 1)
    assert not a.moved(compute_stats("f", x, 2), 1e-4)
    assert a.moved(compute_stats("f", x + 0.01, 2), 1e-4)
    assert not a.moved(compute_stats("f", x + 1e-6, 2), 1e-4)
    assert a.moved(identity_stats("f", 5, 2), 1e-4)


def test_stats_repository_versions(tmp_path):
    repo = StatsRepository(tmp_path)
    assert repo.current("handcrafted") is None
    x = np.random.default_rng(0).normal(size=(10, 3))
    repo.save(compute_stats("handcrafted", x, 1))
    repo.save(compute_stats("handcrafted", x * 2, 2))
    again = StatsRepository(tmp_path)
    assert again.versions("handcrafted") == [1, 2]
    assert again.current("handcrafted").version == 2
    np.testing.assert_allclose(again.load("handcrafted", 1).mean, x.mean(axis=0))
    assert not list((tmp_path / "stats" / "handcrafted").glob("*.tmp"))


@pytest.mark.parametrize("backend", BACKENDS)
def test_new_tracks_share_the_scale_and_finalize_rewrites(tmp_path, backend):
    tracks = corpus(120)
    with open_index(tmp_path, "a", backend) as index:
        index.upsert(tracks[:60])
        first = index.stats()
        assert first.version == 1 and first.count == 60
        index.upsert(tracks[60:])
        # Before finalize every vector is on version-1 statistics, the new ones included.
        _, vecs, raw, versions = stored_matrix(index)
        assert set(versions) == {1}
        expected = first.apply(raw)
        expected /= np.linalg.norm(expected, axis=1, keepdims=True)
        np.testing.assert_allclose(vecs, expected, atol=1e-5)
        assert index.finalize() == {"handcrafted": True}
        second = index.stats()
        assert second.version == 2 and second.count == 120
        _, vecs, raw, versions = stored_matrix(index)
        assert set(versions) == {2}
        expected = compute_stats("handcrafted", raw, 2).apply(raw)
        expected /= np.linalg.norm(expected, axis=1, keepdims=True)
        np.testing.assert_allclose(vecs, expected, atol=1e-5)
        # statistics that did not move leave the store alone
        assert index.finalize() == {"handcrafted": False}
        assert index.stats().version == 2


@pytest.mark.parametrize("backend", BACKENDS)
def test_results_do_not_depend_on_ingest_order(tmp_path, backend):
    tracks = corpus(160, seed=3)
    a, b = tracks[:70], tracks[70:]
    queries = [t.track_id for t in tracks[::23]]
    results = []
    for name, order in (("ab", (a, b)), ("ba", (b, a)), ("all", (tracks,))):
        with open_index(tmp_path, name, backend) as index:
            for part in order:
                index.upsert(part)
                index.finalize()
            raw_query = tracks[5].vectors["handcrafted"]
            for path in ("faiss", "store"):
                res = [[(h.track_id, round(h.score, 5)) for h in similar(index, q, 8, backend=path, exact=True)]
                       for q in queries]
                res.append([(h.track_id, round(h.score, 5)) for h in similar(index, raw_query, 8, backend=path)])
                results.append((name, path, res))
    by_path = {}
    for name, path, res in results:
        by_path.setdefault(path, []).append(res)
    for path, runs in by_path.items():
        assert runs[0] == runs[1] == runs[2], f"{path}: top-k depends on ingest order"


def test_stats_are_bitwise_order_independent(tmp_path):
    tracks = corpus(80, seed=4)
    means = []
    for name, order in (("ab", tracks), ("ba", tracks[::-1])):
        with open_index(tmp_path, name) as index:
            index.upsert(order[:30])
            index.upsert(order[30:])
            index.finalize()
            means.append((index.stats().mean, index.stats().std))
    np.testing.assert_array_equal(means[0][0], means[1][0])
    np.testing.assert_array_equal(means[0][1], means[1][1])


def test_interrupted_rewrite_is_repaired_on_open(tmp_path):
    tracks = corpus(90, seed=5)
    with open_index(tmp_path, "r") as index:
        index.upsert(tracks[:40])
        index.upsert(tracks[40:])
        index.finalize()
        version = index.stats().version
        # Simulate a crash mid-rewrite: some points still carry old vectors and the old version.
        old = compute_stats("handcrafted", np.stack([t.vectors["handcrafted"] for t in tracks[:40]]), version - 1)
        from heihachi_index.index import PointRecord
        victims = [t.track_id for t in tracks[:15]]
        index.store.update_vectors([PointRecord(t.track_id, vectors={"handcrafted": old.apply(t.vectors["handcrafted"])})
                                    for t in tracks[:15]])
        index.store.set_payload(victims, {"handcrafted": version - 1}, key="stats_version")
        assert index.store.count(stale_filter("handcrafted", version)) == 15
        # a FAISS index built now standardises stale points from their raw vectors
        fi = index.faiss_index()
        slot = index.catalog().slot(victims[0])
        expected = index.stats().apply(tracks[0].vectors["handcrafted"])
        np.testing.assert_allclose(fi.vectors(np.array([slot]))[0], expected / np.linalg.norm(expected), atol=1e-5)
    with open_index(tmp_path, "r") as index:  # a writer repairs the store on open
        assert index.store.count(stale_filter("handcrafted", version)) == 0
        _, vecs, raw, versions = stored_matrix(index)
        assert set(versions) == {version}
        expected = index.stats().apply(raw)
        np.testing.assert_allclose(vecs, expected / np.linalg.norm(expected, axis=1, keepdims=True), atol=1e-5)


def test_single_track_first_batch_uses_identity_stats(tmp_path):
    tracks = corpus(3)
    with open_index(tmp_path, "one") as index:
        index.upsert(tracks[:1])
        st = index.stats()
        weights = family_weights("handcrafted", st.dim)
        assert st.count == 0 and np.allclose(st.std, 1 / weights) and np.all(st.mean == 0)
        v = index.vector(tracks[0].track_id)
        assert np.isclose(np.linalg.norm(v), 1.0)
        index.upsert(tracks[1:])
        assert index.finalize() == {"handcrafted": True}


def test_feature_groups_get_their_configured_weight():
    weights = family_weights("handcrafted", DIM)
    for group, weight in HANDCRAFTED_GROUP_WEIGHTS.items():
        assert np.linalg.norm(weights[group_indices(group)]) == pytest.approx(weight)
    assert np.all(family_weights("clap", 512) == 1)
    x = np.random.default_rng(0).normal(size=(50, DIM)) * np.linspace(1, 5, DIM)
    z = compute_stats("handcrafted", x, 1).apply(x).astype(np.float64)
    # After standardising, every group's share of the squared norm follows its weight, not its size.
    share = {g: float(np.mean(np.sum(z[:, group_indices(g)] ** 2, axis=1))) for g in HANDCRAFTED_GROUP_WEIGHTS}
    for group, weight in HANDCRAFTED_GROUP_WEIGHTS.items():
        assert share[group] == pytest.approx(weight**2, rel=1e-6)


def test_standardize_without_stats_is_a_clear_error(tmp_path):
    with open_index(tmp_path, "empty") as index:
        with pytest.raises(StoreError, match="no statistics"):
            index.standardize(np.ones(DIM))


@pytest.mark.parametrize("backend", BACKENDS)
def test_add_family_and_backfill(tmp_path, backend):
    tracks = corpus(30, seed=6)
    rng = np.random.default_rng(6)
    with open_index(tmp_path, "fam", backend) as index:
        index.upsert(tracks)
        index.finalize()
        assert index.add_family("clap") is True
        clap = {t.track_id: rng.normal(size=512) for t in tracks[:20]}
        index.set_vectors("clap", clap)
        index.finalize()
        assert index.stats("clap").count == 20
        # re-ingesting a track without clap keeps its clap vector
        index.upsert([Track(tracks[0].track_id, tracks[0].vectors, {"title": "again"})])
        rec = index.get(tracks[0].track_id, vectors=True, raw=True)
        assert set(rec.vectors) == {"handcrafted", "clap"} and rec.payload["title"] == "again"
        np.testing.assert_allclose(rec.raw["clap"], clap[tracks[0].track_id], rtol=1e-6)
        assert rec.payload["stats_version"] == {"handcrafted": index.stats().version, "clap": index.stats("clap").version}
        hits = similar(index, tracks[1].track_id, 5, family="clap")
        assert len(hits) == 5 and tracks[1].track_id not in [h.track_id for h in hits]
        assert all(h.track_id in clap for h in hits)
    with open_index(tmp_path, "fam", backend) as index:
        assert set(index.families()) == {"handcrafted", "clap"}
        assert len(index.faiss_index("clap")) == 20
