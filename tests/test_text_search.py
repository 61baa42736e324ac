"""search_text(): concept ranking, negation, constraints, MMR, explanations, CLAP fusion, cache invalidation."""
from __future__ import annotations

import argparse
import json
import uuid

import numpy as np
import pytest

from heihachi_index.config import Config
from heihachi_index.index import Track, TrackIndex
from heihachi_index.search import SearchFilters
from heihachi_index.search.text import (
    CONCEPTS,
    analyze_text,
    concept_scores,
    concept_table,
    relevance_mmr,
    search_text,
)

N = 120
KEYS = ["F minor", "A minor", "C major", "G minor"]


def _tid(i: int) -> str:
    return uuid.UUID(int=(0xABC << 100) | i).hex


def _payload(i: int, rng: np.random.Generator) -> dict:
    concepts = {c: float(v) for c, v in zip(CONCEPTS, rng.uniform(0, 1, len(CONCEPTS)))}
    return {"title": f"track {i}", "tempo": float(rng.choice([87.0, 128.0, 140.0, 172.0, 174.0, 176.0])),
            "key": KEYS[i % len(KEYS)], "duration": float(rng.uniform(120, 420)), "concepts": concepts}


@pytest.fixture(scope="module")
def corpus():
    rng = np.random.default_rng(7)
    ids = [_tid(i) for i in range(N)]
    payloads = [_payload(i, rng) for i in range(N)]
    vectors = rng.normal(size=(N, 641)) * np.exp(rng.uniform(-1, 1, 641)) + 5
    return ids, payloads, vectors


def _open(corpus, path) -> TrackIndex:
    ids, payloads, vectors = corpus
    idx = TrackIndex.open(Config(data_dir=str(path)))
    idx.upsert([Track(t, {"handcrafted": v}, p) for t, v, p in zip(ids, vectors, payloads)])
    idx.finalize()
    return idx


@pytest.fixture(scope="module")
def shared(corpus, tmp_path_factory):
    """An index the tests only read."""
    idx = _open(corpus, tmp_path_factory.mktemp("shared"))
    yield idx
    idx.close()


@pytest.fixture()
def index(corpus, tmp_path):
    """A fresh index for tests that write."""
    idx = _open(corpus, tmp_path)
    yield idx
    idx.close()


def brute(corpus, weights: dict[str, float] | np.ndarray, keep=lambda p: True) -> list[str]:
    ids, payloads, _ = corpus
    w = weights if isinstance(weights, np.ndarray) else np.array([weights.get(c, 0.0) for c in CONCEPTS])
    s = np.array([[p["concepts"][c] for c in CONCEPTS] for p in payloads])
    total, _ = concept_scores(w, s)
    order = np.argsort(-total, kind="stable")
    return [ids[i] for i in order if keep(payloads[i])]


def test_ranking_matches_weighted_concepts(shared, corpus):
    a = analyze_text("dark aggressive neurofunk with heavy bass")
    hits = search_text(shared, a, k=10)
    assert [h.track_id for h in hits] == brute(corpus, a.ranking_weights())[:10]
    w = dict(zip(CONCEPTS, a.ranking_weights()))
    assert w["neurofunk"] == 2 * w["dark"] > 0  # the genre is the head of the query
    w = dict(zip(CONCEPTS, analyze_text("liquid drum and bass").ranking_weights()))
    assert w["liquid"] > w["drum_and_bass"] > 0  # a specific genre outranks its umbrella
    assert all(x.score >= y.score for x, y in zip(hits, hits[1:]))
    top = hits[0].payload["concepts"]
    assert np.mean([top[c] for c in ("dark", "aggressive", "neurofunk", "heavy_bass")]) > 0.6


def test_negation_prefers_low_scores(shared):
    hits = search_text(shared, "no vocals", k=10)
    vocal = [h.payload["concepts"]["vocal"] for h in hits]
    assert max(vocal) < 0.15
    pos = search_text(shared, "vocals", k=10)
    assert min(h.payload["concepts"]["vocal"] for h in pos) > 0.85


def test_explanations_sum_to_score(shared):
    hits = search_text(shared, "very dark rolling techno without vocals", k=5)
    for h in hits:
        assert set(h.explanation) == {"dark", "rolling", "techno", "vocal"}
        assert sum(h.explanation.values()) == pytest.approx(h.score, abs=1e-9)
    assert search_text(shared, "dark", k=3, explain=False)[0].explanation is None


def test_tempo_constraint_is_a_hard_filter(shared, corpus):
    hits = search_text(shared, "dark around 174 bpm", k=50)
    assert hits
    for h in hits:
        t = h.payload["tempo"]
        assert 167.0 <= t <= 181.0 or 83.5 <= t <= 90.5
    assert {h.track_id for h in hits} == set(brute(corpus, {"dark": 1.0},
                                                   lambda p: p["tempo"] in (87.0, 172.0, 174.0, 176.0))[:50])
    strict = search_text(shared, "dark over 150", k=200)
    assert strict and all(h.payload["tempo"] >= 150 for h in strict)


def test_key_and_duration_constraints(shared):
    hits = search_text(shared, "melancholic in F minor under 4 minutes", k=200)
    assert hits
    assert all(h.payload["camelot"] == "4A" and h.payload["duration"] <= 240 for h in hits)
    minor = search_text(shared, "dark minor key", k=200)
    assert {h.payload["key"] for h in minor} == {"F minor", "A minor", "G minor"}


def test_extra_filters_combine_with_the_text(shared):
    hits = search_text(shared, "dark", k=200, filters=SearchFilters(keys=["8A"]))
    assert hits and all(h.payload["key"] == "A minor" for h in hits)
    assert search_text(shared, "dark in F minor", k=10, filters=SearchFilters(keys=["8A"])) == []


def test_constraints_only_ordered_by_tempo_closeness(shared):
    hits = search_text(shared, "174 bpm", k=100)
    tempi = [h.payload["tempo"] for h in hits]
    assert set(tempi) == {87.0, 172.0, 174.0, 176.0}  # 87 BPM is 174 in half time
    assert tempi == sorted(tempi, key=lambda t: min(abs(t - 174.0), abs(2 * t - 174.0)) / 174.0)
    assert hits[0].score == pytest.approx(1.0)
    assert all(set(h.explanation) == {"tempo"} for h in hits)
    keyed = search_text(shared, "in C major", k=200)
    assert keyed and all(h.payload["key"] == "C major" for h in keyed)


def test_meaningless_queries_raise(shared):
    with pytest.raises(ValueError, match="empty"):
        search_text(shared, "   ", k=5)
    with pytest.raises(ValueError, match="nothing understood"):
        search_text(shared, "the of with", k=5)


def test_mmr_changes_the_list(index, corpus):
    ids, payloads, vectors = corpus
    # Ten copies of one sound with the best "dark" scores: plain ranking returns them all.
    rng = np.random.default_rng(1)
    clones = [Track(_tid(1000 + j), {"handcrafted": vectors[0] + rng.normal(0, 1e-3, 641)},
                    {"title": f"clone {j}", "tempo": 174.0, "concepts": {"dark": 1.0}}) for j in range(10)]
    index.upsert(clones)
    plain = search_text(index, "dark", k=10)
    assert {h.track_id for h in plain} == {t.track_id for t in clones}
    diverse = search_text(index, "dark", k=10, mmr=0.5)
    assert diverse[0].track_id == plain[0].track_id
    assert sum(h.track_id in {t.track_id for t in clones} for h in diverse) <= 3
    assert [h.track_id for h in search_text(index, "dark", k=10, mmr=1.0)] == [h.track_id for h in plain]
    with pytest.raises(ValueError, match="lambda"):
        search_text(index, "dark", k=5, mmr=1.5)


def test_concept_table_follows_writes(index, corpus):
    before = concept_table(index)
    assert concept_table(index) is before  # cached while the index does not change
    new = _tid(5000)
    index.upsert([Track(new, {"handcrafted": corpus[2][3]}, {"title": "new", "concepts": {"reese": 1.0, "dark": 1.0}})])
    assert concept_table(index) is not before
    assert search_text(index, "dark reese", k=1)[0].track_id == new
    index.delete([new])
    assert new not in [h.track_id for h in search_text(index, "dark reese", k=20)]


def test_tracks_without_concepts_rank_last(index, corpus):
    bare = _tid(6000)
    index.upsert([Track(bare, {"handcrafted": corpus[2][5]}, {"title": "no concepts", "tempo": 174.0})])
    hits = search_text(index, "dark", k=N + 1)
    assert hits[-1].track_id == bare and hits[-1].score == 0.0


def test_relevance_mmr_lambda_one_is_plain_order():
    rng = np.random.default_rng(0)
    rel = rng.uniform(size=20)
    vecs = rng.normal(size=(20, 8))
    assert relevance_mmr(rel, vecs, 5, 1.0) == list(np.argsort(-rel)[:5])


class FixedClap:
    """A CLAP text encoder that maps every text to one fixed unit vector."""

    def __init__(self, vector: np.ndarray) -> None:
        self.vector = vector / np.linalg.norm(vector)
        self.calls: list[list[str]] = []

    def encode_text(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.tile(self.vector, (len(texts), 1)).astype(np.float32)


def test_clap_fusion_moves_the_audio_match_up(index, corpus):
    ids = corpus[0]
    rng = np.random.default_rng(3)
    clap_vecs = rng.normal(size=(N, 512))
    clap_vecs /= np.linalg.norm(clap_vecs, axis=1, keepdims=True)
    index.add_family("clap", 512, standardize=False)
    index.set_vectors("clap", dict(zip(ids, clap_vecs)))
    plain = search_text(index, "dark rolling", k=N)
    target = plain[6].track_id  # a good but not top concept match
    enc = FixedClap(clap_vecs[ids.index(target)])
    fused = search_text(index, "dark rolling 174 bpm", k=10, clap=enc, pool=N)
    assert enc.calls == [["dark rolling"]]  # the constraint words are not sent to CLAP
    fused = search_text(index, "dark rolling", k=10, clap=enc, pool=N)
    order = [h.track_id for h in fused]
    assert order[0] == target
    for h in fused:
        assert "clap" in h.explanation
        assert sum(h.explanation.values()) == pytest.approx(h.score, abs=1e-9)
    # With a CLAP weight of zero the concept ranking is back.
    assert [h.track_id for h in search_text(index, "dark rolling", k=10, clap=enc, clap_weight=0.0)] == \
        [h.track_id for h in plain[:10]]
    # Words only CLAP may know: ranked by the CLAP cosine alone.
    only = search_text(index, "saxophone", k=3, clap=enc)
    assert only[0].track_id == target and only[0].score == pytest.approx(1.0, abs=1e-5)


def test_clap_family_must_be_unstandardised(index, corpus):
    index.add_family("clap", 512)
    index.set_vectors("clap", {corpus[0][0]: np.ones(512), corpus[0][1]: -np.ones(512)})
    with pytest.raises(ValueError, match="standardised"):
        search_text(index, "dark", k=3, clap=FixedClap(np.ones(512)))


def test_cli_search_and_text(index, tmp_path, capsys, corpus):
    from heihachi_index.cli import search as search_cli, text as text_cli

    cfg = Config(data_dir=str(tmp_path))
    index.add_family("clap", 512, standardize=False)
    index.set_vectors("clap", {corpus[0][0]: np.ones(512) / np.sqrt(512)})
    index.close()  # the CLI opens the data dir itself (read-only)
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    parent = argparse.ArgumentParser(add_help=False)
    search_cli.register(sub, parent)
    text_cli.register(sub, parent)
    args = parser.parse_args(["search", "dark neurofunk in F minor", "-k", "3", "--json"])
    assert args.func(args, cfg) == 0
    captured = capsys.readouterr()
    assert "embed.clap_path is not set" in captured.err  # CLAP vectors but no model: concepts only
    out = json.loads(captured.out)
    assert len(out["hits"]) == 3 and all(h["payload"]["camelot"] == "4A" for h in out["hits"])
    assert out["analysis"]["constraints"]["keys"] == [{"key": "F minor", "camelot": "4A"}]
    args = parser.parse_args(["search", "dark neurofunk", "-k", "2", "--no-clap"])
    assert args.func(args, cfg) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    text = captured.out
    assert "dark" in text and " 1. " in text and " 2. " in text and " 3. " not in text
    args = parser.parse_args(["text", "very dark, no vocals, 170-175 bpm"])
    assert args.func(args, cfg) == 0
    text = capsys.readouterr().out
    assert "dark" in text and "-0.70" in text and "170-175 BPM" in text
