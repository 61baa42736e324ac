"""Text search, text analysis, emotions and drum analysis over gRPC, against the library on the same index."""
from __future__ import annotations

import json

import grpc
import numpy as np
import pytest

from heihachi_index.client import Client, RemoteError
from heihachi_index.config import load_config
from heihachi_index.search.text import search_text
from heihachi_index.synth import generate, read_manifest, write_corpus
from services.background import BackgroundServer

pytestmark = pytest.mark.timeout(300)

WRITE, READ = "analysis-write", "analysis-read"
Code = grpc.StatusCode


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    root = tmp_path_factory.mktemp("music")
    write_corpus(root / "lib", [generate(s, seed=610 + i, seconds=10.0)
                                for i, s in enumerate(["neurofunk", "liquid", "techno", "ambient", "jungle"])],
                 fmt="flac")
    write_corpus(root / "up", [generate("house", seed=620, seconds=8.0)], fmt="flac")
    return root


@pytest.fixture(scope="module")
def server(roots, tmp_path_factory):
    cfg = load_config(None, environ={}, data_dir=str(tmp_path_factory.mktemp("data")), **{
        "server.port": 0, "server.metrics_port": None, "server.workers": 2, "server.allowed_roots": [str(roots)],
        "server.write_tokens": [WRITE], "server.read_tokens": [READ]})
    with BackgroundServer(cfg) as srv:
        with Client(srv.address, token=WRITE) as c:
            stored = c.ingest_server_paths([str(roots / "lib")])
            uploaded = c.ingest([roots / "up"])
        assert len(stored.ingested) == 5 and len(uploaded.ingested) == 1
        srv.stored, srv.uploaded = stored.ingested, uploaded.ingested
        yield srv


@pytest.fixture(scope="module")
def reader(server):
    with Client(server.address, token=READ) as c:
        yield c


def _code(excinfo) -> grpc.StatusCode:
    return excinfo.value.code


def test_search_text_matches_the_library(server, reader):
    query = "dark neurofunk with heavy bass, no vocals"
    remote = reader.search_text(query, k=3)
    local = search_text(server.state.index, query, k=3)
    assert [h.track_id for h in remote.hits] == [h.track_id for h in local]
    assert all(abs(r.score - h.score) < 1e-5 for r, h in zip(remote.hits, local, strict=True))
    names = {c["name"]: c["weight"] for c in remote.analysis["concepts"]}
    assert names["neurofunk"] > 0 and names["heavy_bass"] > 0 and names["vocal"] < 0
    for hit in remote.hits:  # explanations: each query concept's share; they sum to the score
        assert {"neurofunk", "heavy_bass"} <= set(hit.explanation)
        assert abs(sum(hit.explanation.values()) - hit.score) < 1e-4
        assert 0.0 <= hit.payload["emotion"]["arousal"] <= 1.0 and hit.payload["drums"]["pattern"]
    top = remote.hits[0].payload["path"]
    assert "neurofunk" in top or "jungle" in top  # the generator's dark, heavy-bass drum & bass


def test_search_text_constraints_and_filters(reader):
    result = reader.search_text("ambient without drums", k=2)
    assert "ambient" in result.hits[0].payload["path"]
    fast = reader.search_text("around 174 bpm", k=10, filters={"tempo": (160, 185)})
    tempo = fast.analysis["constraints"]["tempo"]
    assert 165 <= tempo["min_bpm"] <= 174 <= tempo["max_bpm"] <= 183
    assert all(160 <= h.payload["tempo"] <= 185 or 80 <= h.payload["tempo"] <= 92.5 for h in fast.hits)


def test_analyze_text_and_its_errors(reader):
    analysis = reader.analyze_text("very gloomy rolling basslines in F minor, not aggressive, zorblax")
    weights = {c["name"]: c["weight"] for c in analysis["concepts"]}
    assert weights["dark"] > 0 and weights["rolling"] > 0 and weights["aggressive"] < 0
    assert analysis["constraints"]["keys"] and "zorblax" in " ".join(analysis["unparsed"])
    with pytest.raises(RemoteError) as err:
        reader.analyze_text("   ")
    assert _code(err) == Code.INVALID_ARGUMENT
    with pytest.raises(RemoteError) as err:
        reader.search_text("qwertyuiop asdfgh", k=3)
    assert _code(err) == Code.INVALID_ARGUMENT


def test_get_emotions_of_a_stored_track_and_of_its_audio(server, reader, roots):
    row = server.stored[0]
    stored = reader.get_emotions(row["track_id"], track_id=True)
    payload = server.state.index.get(row["track_id"]).payload
    assert stored.emotions == pytest.approx(payload["emotion"], abs=1e-6)
    assert len(stored.concepts) == 45 and stored.concepts == pytest.approx(payload["concepts"], abs=1e-6)
    clip = reader.get_emotions(row["path"])  # the same audio uploaded: computed the same way
    assert clip.track_id == row["track_id"]
    assert clip.emotions == pytest.approx(stored.emotions, abs=1e-3)
    with pytest.raises(RemoteError) as err:
        reader.get_emotions("0" * 32, track_id=True)
    assert _code(err) == Code.NOT_FOUND
    with pytest.raises(RemoteError) as err:
        reader.get_emotions(b"not audio at all" * 100, file_name="x.wav")
    assert _code(err) == Code.INVALID_ARGUMENT


def test_analyze_drums_of_a_stored_track_and_of_a_clip(server, reader, roots):
    truth = {str(p.resolve()): t for p, t in read_manifest(roots / "lib")}
    row = next(r for r in server.stored if "neurofunk" in r["path"])
    result = reader.analyze_drums(row["track_id"], track_id=True)
    assert result["track_id"] == row["track_id"]
    assert result["grid"]["tempo_bpm"] == pytest.approx(truth[row["path"]].tempo, rel=0.02)
    labels = {h["label"] for h in result["hits"]}
    assert {"kick", "snare"} <= labels
    assert result["patterns"]["bars"] and result["summary"]["pattern"] == result["patterns"]["pattern"]
    times = [h["time_s"] for h in result["hits"]]
    assert times == sorted(times)
    clip = reader.analyze_drums(row["path"])  # the same file uploaded
    assert clip["track_id"] == row["track_id"] and len(clip["hits"]) == len(result["hits"])
    with pytest.raises(RemoteError) as err:  # an uploaded track's audio is not kept on the server
        reader.analyze_drums(server.uploaded[0]["track_id"], track_id=True)
    assert _code(err) == Code.FAILED_PRECONDITION
    with pytest.raises(RemoteError) as err:
        reader.analyze_drums("f" * 32, track_id=True)
    assert _code(err) == Code.NOT_FOUND


def test_hits_carry_typed_emotion_and_drum_summaries(server, reader):
    hit = reader.search_similar(server.stored[0]["track_id"], k=1)[0]
    stored = server.state.index.get(hit.track_id).payload
    assert hit.payload["emotion"] == pytest.approx(stored["emotion"], abs=1e-6)
    assert hit.payload["drums"]["per_second"] == pytest.approx(stored["drums"]["per_second"], abs=1e-6)
    assert "concepts" not in hit.payload  # ranking data of text search: GetEmotions returns it
    json.dumps(hit.to_dict())
    assert np.isfinite(list(hit.payload["emotion"].values())).all()


def test_cli_search_against_the_server(server, capsys):
    from heihachi_index.cli.main import main as cli_main

    assert cli_main(["search", "ambient without drums", "-k", "2", "--json", "--server", server.address,
                     "--token", READ]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["hits"]) == 2 and "ambient" in out["hits"][0]["payload"]["path"]
    assert {c["name"] for c in out["analysis"]["concepts"]} >= {"ambient", "drums"}
