"""DJ filters: tempo with half/double time, Camelot-compatible keys, duration, tags, genre; both paths."""
from __future__ import annotations

import uuid

import numpy as np
import pytest

from heihachi_index.camelot import compatible_camelot
from heihachi_index.config import Config
from heihachi_index.index import AnyOf, Filter, MatchAny, Range, Track, TrackIndex
from heihachi_index.index.catalog import Catalog
from heihachi_index.search import SearchFilters, camelot_code, similar

KEYS = ["F minor", "C minor", "A# minor", "G# major", "D minor", "E major", "A minor", "F# minor"]
TAGS = ["neuro", "liquid", "jump-up", "roller", "dancefloor"]


def tracks(n: int = 300, seed: int = 0) -> list[Track]:
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(10, 641)) * 2
    out = []
    for i in range(n):
        tempo = float(rng.choice([87.0, 174.0, 172.0, 140.0, 348.0, 128.0, 176.5, 88.9])) + float(rng.uniform(-0.4, 0.4))
        payload = {"tempo": tempo, "key": KEYS[i % len(KEYS)], "duration": float(rng.uniform(60, 600)),
                   "tags": list(rng.choice(TAGS, size=int(rng.integers(0, 3)), replace=False)),
                   "genre": ["drum & bass", "jungle", "dubstep"][i % 3]}
        if i % 17 == 0:
            del payload["tempo"]  # missing fields never match
        tid = uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | i).hex
        out.append(Track(tid, {"handcrafted": centers[i % 10] + rng.normal(size=641)}, payload))
    return out


def test_tempo_half_double_time():
    f = SearchFilters(tempo=(170, 178)).to_filter()
    (cond,) = f.must
    assert isinstance(cond, AnyOf)
    assert {(c.gte, c.lte) for c in cond.conditions} == {(170, 178), (85, 89), (340, 356)}
    assert f.matches({"tempo": 174.0}) and f.matches({"tempo": 87.5}) and f.matches({"tempo": 350.0})
    assert not f.matches({"tempo": 140.0}) and not f.matches({"tempo": 90.0}) and not f.matches({})
    strict = SearchFilters(tempo=(170, 178), half_double_time=False).to_filter()
    assert strict.must == (Range("tempo", 170, 178),)
    assert not strict.matches({"tempo": 87.5})


def test_camelot_compatible_and_exact_keys():
    f = SearchFilters(key="F minor").to_filter()
    assert f.must == (MatchAny("camelot", tuple(sorted(compatible_camelot("4A")))),)
    assert SearchFilters(key="4A").to_filter() == f and SearchFilters(key="Fm").to_filter() == f
    assert f.matches({"camelot": "5A"}) and f.matches({"camelot": "4B"}) and not f.matches({"camelot": "6A"})
    exact = SearchFilters(keys=["F minor", "8B"]).to_filter()
    assert exact.must == (MatchAny("camelot", ("4A", "8B")),)
    both = SearchFilters(key="F minor", keys=["5A", "9A"]).to_filter()
    assert both.must == (MatchAny("camelot", ("5A",)),)
    with pytest.raises(ValueError, match="no key in common"):
        SearchFilters(key="F minor", keys=["9A"]).to_filter()
    with pytest.raises(ValueError, match="not a key"):
        SearchFilters(key="H minor").to_filter()
    assert camelot_code("Bb major") == "6B"


def test_other_fields_and_validation():
    f = SearchFilters(duration=(120, 300), tags=["neuro", "roller"], genre="jungle").to_filter()
    assert f.matches({"duration": 200.0, "tags": ["liquid", "roller"], "genre": "jungle"})
    assert not f.matches({"duration": 200.0, "tags": ["liquid"], "genre": "jungle"})
    assert not f.matches({"duration": 301.0, "tags": ["neuro"], "genre": "jungle"})
    assert SearchFilters().to_filter() is None
    with pytest.raises(ValueError):
        SearchFilters(tempo=(178, 170))
    assert SearchFilters(tags="neuro").tags == ("neuro",)


CASES = [
    SearchFilters(tempo=(170, 178)),
    SearchFilters(tempo=(170, 178), half_double_time=False),
    SearchFilters(key="F minor"),
    SearchFilters(keys=["C minor", "E major"]),
    SearchFilters(duration=(100, 250)),
    SearchFilters(tags=["neuro", "roller"]),
    SearchFilters(genre=["jungle", "dubstep"]),
    SearchFilters(tempo=(170, 178), key="4A", tags=["neuro", "liquid", "roller"], duration=(60, 500)),
]


@pytest.mark.parametrize("filters", CASES, ids=lambda f: repr(f.to_filter().must)[:60])
def test_catalog_mask_matches_reference(filters):
    data = tracks(200, seed=1)
    cat = Catalog()
    from heihachi_index.index.payload import normalize_payload
    payloads = [normalize_payload(t.payload) for t in data]
    for t, p in zip(data, payloads):
        cat.upsert(t.track_id, p)
    flt = filters.to_filter()
    mask = cat.mask(flt)
    expected = [flt.matches(p) for p in payloads]
    assert mask.tolist() == expected and any(expected)


def test_catalog_handles_lists_missing_and_removed():
    cat = Catalog()
    cat.upsert("a" * 32, {"tempo": [87.0, 174.0], "tags": ["neuro", "roller"]})
    cat.upsert("b" * 32, {"tempo": 140.0, "tags": "liquid"})
    cat.upsert("c" * 32, {"tags": []})
    cat.upsert("d" * 32, {"tempo": 175.0})
    flt = SearchFilters(tempo=(170, 178), half_double_time=False).to_filter()
    assert cat.mask(flt).tolist() == [True, False, False, True]
    assert cat.mask(SearchFilters(tags=["liquid", "roller"]).to_filter()).tolist() == [True, True, False, False]
    cat.remove("d" * 32)
    assert cat.mask(flt).tolist() == [True, False, False, False]
    assert cat.mask(None).tolist() == [True, True, True, False]
    cat.upsert("d" * 32, {"tempo": 176.0})
    assert cat.slot("d" * 32) == 3 and cat.mask(flt).tolist() == [True, False, False, True]
    assert cat.mask(Filter(exclude_ids=frozenset({"a" * 32}))).tolist() == [False, True, True, True]
    with pytest.raises(KeyError, match="not kept"):
        cat.mask(Filter((Range("bpm", gte=1),)))


@pytest.fixture(scope="module", params=["edge", "qdrant"])
def index(request, tmp_path_factory):
    cfg = Config(data_dir=str(tmp_path_factory.mktemp(request.param)))
    cfg.index.backend = request.param
    idx = TrackIndex.open(cfg)
    data = tracks()
    idx.upsert(data)
    idx.finalize()
    idx.test_tracks = data
    yield idx
    idx.close()


@pytest.mark.parametrize("filters", CASES, ids=lambda f: repr(f.to_filter().must)[:60])
def test_filters_same_on_both_paths(index, filters):
    flt = filters.to_filter()
    payloads = {t: p for t, p in index.payloads([t.track_id for t in index.test_tracks]).items()}
    matching = {t for t, p in payloads.items() if flt.matches(p)}
    assert matching and index.count(flt) == len(matching)
    query = index.test_tracks[4].track_id
    faiss_hits = similar(index, query, 15, filters=filters, exact=True)
    store_hits = similar(index, query, 15, filters=filters, backend="store", exact=True)
    assert [h.track_id for h in faiss_hits] == [h.track_id for h in store_hits]
    assert len(faiss_hits) == min(15, len(matching - {query}))
    assert all(h.track_id in matching and flt.matches(h.payload) for h in faiss_hits)
    # the filtered result is the unfiltered ranking restricted to matching tracks
    everything = similar(index, query, len(payloads), exact=True)
    assert [h.track_id for h in faiss_hits] == [h.track_id for h in everything if h.track_id in matching][:15]


def test_dj_example_tempo_and_key(index):
    hits = similar(index, index.test_tracks[0].track_id, 20, filters=SearchFilters(tempo=(170, 178), key="F minor"))
    assert hits
    compatible = set(compatible_camelot("4A"))
    for h in hits:
        t = h.payload["tempo"]
        assert 170 <= t <= 178 or 85 <= t <= 89 or 340 <= t <= 356
        assert h.payload["camelot"] in compatible
