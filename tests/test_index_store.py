"""Store contract: Qdrant Edge and qdrant-client (local mode) pass the same tests."""
from __future__ import annotations

import uuid

import numpy as np
import pytest

from heihachi_index.config import Config
from heihachi_index.index import (
    AnyOf,
    DimensionMismatchError,
    FamilySpec,
    Filter,
    MatchAny,
    PAYLOAD_INDEXES,
    PointRecord,
    Range,
    ReadOnlyStoreError,
    UnknownFamilyError,
    open_store,
)
from heihachi_index.index.edge import EdgeStore
from heihachi_index.index.families import HANDCRAFTED
from heihachi_index.index.qdrant import QdrantStore

DIM = HANDCRAFTED.dim
BACKENDS = ["edge", "qdrant-local"]


def track_ids(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return [uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | i).hex for i in range(n)]


def make_points(n: int, seed: int = 0) -> list[PointRecord]:
    rng = np.random.default_rng(seed)
    out = []
    for i, tid in enumerate(track_ids(n, seed)):
        raw = rng.normal(size=DIM).astype(np.float32) * 3 + 1
        payload = {"track_id": tid, "title": f"t{i}", "tempo": float(80 + i * 3), "duration": 100.0 + i,
                   "camelot": f"{i % 12 + 1}{'AB'[i % 2]}", "tags": ["neuro"] if i % 3 == 0 else ["liquid", "roller"],
                   "genre": "dnb" if i % 4 else "jungle", "stats_version": {"handcrafted": 1}, "complete": True}
        out.append(PointRecord(tid, payload, {"handcrafted": raw / 2}, {"handcrafted": raw}))
    return out


@pytest.fixture(params=BACKENDS)
def open_at(request, tmp_path):
    opened = []

    def _open(name: str = "store", **kwargs):
        if request.param == "edge":
            store = EdgeStore(tmp_path / name, **kwargs)
        else:
            store = QdrantStore(path=tmp_path / name, **kwargs)
        opened.append(store)
        return store

    _open.backend = request.param
    yield _open
    for s in opened:
        s.close()


def test_upsert_is_idempotent_and_replaces(open_at):
    store = open_at()
    pts = make_points(20)
    store.upsert(pts)
    store.upsert(pts)
    assert store.count() == 20
    changed = PointRecord(pts[0].track_id, {**pts[0].payload, "title": "new"}, pts[1].vectors, pts[1].raw)
    store.upsert([changed])
    assert store.count() == 20
    got = store.get(pts[0].track_id, vectors=True, raw=True)
    assert got.payload["title"] == "new"
    np.testing.assert_allclose(got.raw["handcrafted"], pts[1].raw["handcrafted"], rtol=1e-6)


def test_get_returns_payload_and_vectors(open_at):
    store = open_at()
    pts = make_points(5)
    store.upsert(pts)
    got = store.get(pts[2].track_id, vectors=True, raw=True)
    assert got.track_id == pts[2].track_id
    assert got.payload["tags"] == pts[2].payload["tags"] and got.payload["tempo"] == pts[2].payload["tempo"]
    raw = pts[2].raw["handcrafted"]
    # raw vectors come back exactly (dot distance is not normalised); cosine vectors come back unit-norm
    np.testing.assert_array_equal(got.raw["handcrafted"], raw)
    np.testing.assert_allclose(got.vectors["handcrafted"], raw / np.linalg.norm(raw), atol=1e-6)
    assert store.get(uuid.uuid4().hex) is None
    assert [r.track_id for r in store.retrieve([pts[4].track_id, uuid.uuid4().hex, pts[0].track_id])] == \
        [pts[4].track_id, pts[0].track_id]


def test_delete(open_at):
    store = open_at()
    pts = make_points(10)
    store.upsert(pts)
    store.delete([pts[0].track_id, pts[1].track_id, uuid.uuid4().hex])
    assert store.count() == 8
    assert store.get(pts[0].track_id) is None
    assert store.get(pts[2].track_id) is not None


def test_count_and_scroll_paging_with_filters(open_at):
    store = open_at()
    pts = make_points(30)
    store.upsert(pts)
    seen, offset, pages = [], None, 0
    while True:
        page, offset = store.scroll(limit=7, offset=offset)
        seen += [r.track_id for r in page]
        pages += 1
        if offset is None:
            break
    assert sorted(seen) == sorted(p.track_id for p in pts) and len(seen) == 30 and pages == 5
    flt = Filter((MatchAny("tags", ("neuro",)),))
    expected = {p.track_id for p in pts if flt.matches(p.payload)}
    assert store.count(flt) == len(expected) == 10
    assert {r.track_id for r in store.iter_points(flt, page_size=3)} == expected
    page, _ = store.scroll(flt, limit=100, with_payload=["tempo"])
    assert all(set(r.payload) == {"tempo"} for r in page)


@pytest.mark.parametrize("flt", [
    Filter((Range("tempo", gte=100, lte=140),)),
    Filter((AnyOf((Range("tempo", gte=170, lte=178), Range("tempo", gte=85, lte=89))),)),
    Filter((MatchAny("camelot", ("4A", "5A", "3A", "4B")),)),
    Filter((MatchAny("tags", ("roller",)), Range("duration", lte=115))),
    Filter((MatchAny("genre", ("jungle",)),)),
    Filter((Range("stats_version.handcrafted", gte=0.5, lte=1.5),)),
])
def test_filter_translation_matches_reference(open_at, flt):
    store = open_at()
    pts = make_points(40)
    store.upsert(pts)
    expected = {p.track_id for p in pts if flt.matches(p.payload)}
    assert expected, "filter case must select something"
    assert {r.track_id for r in store.iter_points(flt)} == expected
    excl = flt.excluding([sorted(expected)[0]])
    assert store.count(excl) == len(expected) - 1


def test_exact_search_matches_numpy(open_at):
    store = open_at()
    pts = make_points(50)
    store.upsert(pts)
    mat = np.stack([p.vectors["handcrafted"] for p in pts]).astype(np.float64)
    mat /= np.linalg.norm(mat, axis=1, keepdims=True)
    q = np.random.default_rng(5).normal(size=DIM)
    hits = store.search("handcrafted", q, limit=5, exact=True, with_vector=True)
    order = np.argsort(-(mat @ (q / np.linalg.norm(q))))[:5]
    assert [h.track_id for h in hits] == [pts[i].track_id for i in order]
    assert hits[0].vector is not None and hits[0].vector.shape == (DIM,)
    flt = Filter((MatchAny("tags", ("neuro",)),))
    assert all(h.payload["tags"] == ["neuro"] for h in store.search("handcrafted", q, limit=5, filter=flt, exact=True))


def test_reopen_finds_everything(open_at):
    store = open_at("persist")
    pts = make_points(12)
    store.upsert(pts)
    store.close()
    again = open_at("persist")
    assert again.count() == 12
    got = again.get(pts[3].track_id, raw=True)
    assert got.payload["title"] == "t3"
    np.testing.assert_array_equal(got.raw["handcrafted"], pts[3].raw["handcrafted"])


def test_add_family_to_existing_store(open_at):
    store = open_at("fam")
    pts = make_points(6)
    store.upsert(pts)
    assert store.add_family(FamilySpec("clap", 512)) is True
    assert store.add_family(FamilySpec("clap", 512)) is False
    with pytest.raises(DimensionMismatchError):
        store.add_family(FamilySpec("clap", 256))
    assert set(store.families()) == {"handcrafted", "clap"}
    clap = np.random.default_rng(1).normal(size=512).astype(np.float32)
    store.update_vectors([PointRecord(pts[0].track_id, vectors={"clap": clap}, raw={"clap": clap})])
    store.close()
    again = open_at("fam")
    assert again.families()["clap"].dim == 512 and again.families()["clap"].standardize
    got = again.get(pts[0].track_id, vectors=True, raw=True)
    assert set(got.vectors) == {"handcrafted", "clap"}
    np.testing.assert_array_equal(got.raw["clap"], clap)
    other = again.get(pts[1].track_id, vectors=True)
    assert set(other.vectors) == {"handcrafted"}
    hits = again.search("clap", clap, limit=3, exact=True)
    assert [h.track_id for h in hits] == [pts[0].track_id]


def test_set_payload_nested_key(open_at):
    store = open_at()
    pts = make_points(3)
    store.upsert(pts)
    store.set_payload([pts[0].track_id], {"handcrafted": 7}, key="stats_version")
    assert store.get(pts[0].track_id).payload["stats_version"] == {"handcrafted": 7}
    assert store.get(pts[1].track_id).payload["stats_version"] == {"handcrafted": 1}


def test_validation_errors(open_at):
    store = open_at()
    tid = track_ids(1)[0]
    with pytest.raises(DimensionMismatchError):
        store.upsert([PointRecord(tid, {}, {"handcrafted": np.zeros(10)})])
    with pytest.raises(UnknownFamilyError):
        store.upsert([PointRecord(tid, {}, {"clap": np.zeros(512)})])
    with pytest.raises(ValueError, match="NaN"):
        store.upsert([PointRecord(tid, {}, {"handcrafted": np.full(DIM, np.nan)})])
    with pytest.raises(ValueError, match="track id"):
        store.upsert([PointRecord("not-a-track", {}, {"handcrafted": np.ones(DIM)})])
    assert store.count() == 0


def test_payload_indexes(open_at, monkeypatch):
    if open_at.backend == "edge":
        store = open_at()
        assert store.payload_indexes() == PAYLOAD_INDEXES
        return
    # qdrant-client local mode accepts payload indexes but neither builds nor reports them: check
    # that the adapter asks for each one with the right schema, on the same code path as a server.
    from qdrant_client import QdrantClient, models as qm
    calls = []
    original = QdrantClient.create_payload_index

    def spy(self, collection_name, field_name, field_schema=None, **kwargs):
        calls.append((field_name, field_schema))
        return original(self, collection_name, field_name, field_schema, **kwargs)

    monkeypatch.setattr(QdrantClient, "create_payload_index", spy)
    open_at()
    expected = {"float": qm.PayloadSchemaType.FLOAT, "keyword": qm.PayloadSchemaType.KEYWORD}
    assert dict(calls) == {k: expected[v] for k, v in PAYLOAD_INDEXES.items()}


def test_read_only_store_refuses_writes(open_at):
    store = open_at("ro")
    store.upsert(make_points(2))
    store.close()
    ro = open_at("ro", read_only=True)
    assert ro.count() == 2
    with pytest.raises(ReadOnlyStoreError):
        ro.upsert(make_points(1, seed=9))
    with pytest.raises(ReadOnlyStoreError):
        ro.delete(track_ids(1))


@pytest.mark.parametrize("backend,url", [("edge", None), ("qdrant", None), ("qdrant", ":memory:")])
def test_open_store_picks_backend(tmp_path, backend, url):
    cfg = Config(data_dir=str(tmp_path / "data"))
    cfg.index.backend, cfg.index.url = backend, url
    with open_store(cfg) as store:
        expected = EdgeStore if backend == "edge" else QdrantStore
        assert isinstance(store, expected)
        store.upsert(make_points(3))
        assert store.count() == 3
    assert (tmp_path / "data" / "WRITE.lock").exists()
    if backend == "edge":
        assert (tmp_path / "data" / "qdrant-edge" / "edge_config.json").exists()


def test_open_store_rejects_bad_config(tmp_path):
    from heihachi_index.config import ConfigError
    cfg = Config(data_dir=str(tmp_path))
    cfg.index.backend = "milvus"
    with pytest.raises(ConfigError, match="edge' or 'qdrant"):
        open_store(cfg)
    cfg.index.backend, cfg.index.url = "edge", "http://localhost:6333"
    with pytest.raises(ConfigError, match="backend: qdrant"):
        open_store(cfg)
