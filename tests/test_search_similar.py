"""similar(): query by track id, raw vector or audio file; self exclusion; both search paths."""
from __future__ import annotations

import uuid

import numpy as np
import pytest

from heihachi_index.config import Config
from heihachi_index.index import AnnParams, Track, TrackIndex, TrackNotFoundError
from heihachi_index.search import Hit, SearchFilters, similar

N = 240


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(12, 641)) * 2
    x = centers[np.arange(N) % 12] + rng.normal(size=(N, 641))
    x = x * np.exp(rng.uniform(-2, 3, 641)) + 50
    ids = [uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | i).hex for i in range(N)]
    return ids, x


@pytest.fixture(scope="module", params=["edge", "qdrant"])
def index(request, data, tmp_path_factory):
    ids, x = data
    cfg = Config(data_dir=str(tmp_path_factory.mktemp(request.param)))
    cfg.index.backend = request.param
    calls = []

    def fake_featurize(path: str) -> np.ndarray:
        calls.append(path)
        return x[int(open(path).read())] + 0.01  # the "audio file" holds the row it sounds like

    idx = TrackIndex.open(cfg, featurize=fake_featurize)
    idx.upsert([Track(t, {"handcrafted": v}, {"title": f"track {i}", "tempo": 170.0 + i % 8})
                for i, (t, v) in enumerate(zip(ids, x))])
    idx.finalize()
    idx.featurize_calls = calls
    yield idx
    idx.close()


def brute(index: TrackIndex, q_std: np.ndarray, ids: list[str], k: int, exclude: str | None = None) -> list[str]:
    mat = np.stack([index.vector(t) for t in ids]).astype(np.float64)
    s = mat @ (q_std / np.linalg.norm(q_std))
    order = [ids[i] for i in np.argsort(-s)]
    return [t for t in order if t != exclude][:k]


@pytest.mark.parametrize("backend", ["faiss", "store"])
def test_query_by_track_id_excludes_self(index, data, backend):
    ids, _ = data
    hits = similar(index, ids[5], 10, backend=backend, exact=True)
    assert len(hits) == 10 and all(isinstance(h, Hit) for h in hits)
    assert ids[5] not in [h.track_id for h in hits]
    assert [h.track_id for h in hits] == brute(index, index.vector(ids[5]), ids, 10, exclude=ids[5])
    assert all(h.payload["title"].startswith("track ") for h in hits)
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))
    with_self = similar(index, ids[5].upper(), 3, exclude_self=False, backend=backend, exact=True)
    assert with_self[0].track_id == ids[5] and with_self[0].score == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("backend", ["faiss", "store"])
def test_query_by_raw_vector(index, data, backend):
    ids, x = data
    raw = x[17] + np.random.default_rng(3).normal(size=641)
    hits = similar(index, raw, 7, backend=backend, exact=True)
    assert [h.track_id for h in hits] == brute(index, index.standardize(raw), ids, 7)
    assert hits[0].track_id == ids[17]  # raw vectors are standardised with the stored statistics


def test_query_by_audio_file_uses_the_featurizer(index, data, tmp_path):
    ids, _ = data
    audio = tmp_path / "query.flac"
    audio.write_text("42")
    hits = similar(index, audio, 5)
    assert index.featurize_calls[-1] == str(audio)
    assert hits[0].track_id == ids[42]
    assert similar(index, str(audio), 5)[0].track_id == ids[42]
    override = similar(index, audio, 5, featurize=lambda p: data[1][7])
    assert override[0].track_id == ids[7]


def test_query_errors(index, data, tmp_path):
    with pytest.raises(TrackNotFoundError, match="not in the index"):
        similar(index, uuid.uuid4().hex, 5)
    with pytest.raises(FileNotFoundError, match="neither a track id"):
        similar(index, str(tmp_path / "missing.wav"), 5)
    with pytest.raises(ValueError, match="dimension"):
        similar(index, np.ones(12), 5)
    with pytest.raises(ValueError, match="backend"):
        similar(index, data[0][0], 5, backend="milvus")
    with pytest.raises(TypeError):
        similar(index, 12345, 5)
    assert similar(index, data[0][0], 0) == []


def test_audio_query_without_featurizer(tmp_path, data):
    ids, x = data
    with TrackIndex.open(Config(data_dir=str(tmp_path / "nf"))) as index:
        index.upsert([Track(t, {"handcrafted": v}) for t, v in zip(ids[:20], x[:20])])
        audio = tmp_path / "a.wav"
        audio.write_text("0")
        with pytest.raises(ValueError, match="featurizer"):
            similar(index, audio, 3)


def test_k_larger_than_catalogue_and_filters(index, data):
    ids, _ = data
    assert len(similar(index, ids[0], 10_000)) == N - 1
    hits = similar(index, ids[0], 50, filters=SearchFilters(tempo=(170, 170.5), half_double_time=False))
    assert len(hits) == N // 8 - 1 and all(h.payload["tempo"] == 170.0 for h in hits)


def test_hnsw_path_agrees_with_exact(tmp_path, data):
    ids, x = data
    with TrackIndex.open(Config(data_dir=str(tmp_path / "ann")), ann=AnnParams(threshold=100)) as index:
        index.upsert([Track(t, {"handcrafted": v}) for t, v in zip(ids, x)])
        index.finalize()
        assert index.faiss_index().kind == "hnsw"
        overlap = []
        for t in ids[::20]:
            approx = {h.track_id for h in similar(index, t, 10)}
            exact = {h.track_id for h in similar(index, t, 10, exact=True)}
            overlap.append(len(approx & exact) / 10)
        assert np.mean(overlap) >= 0.95
