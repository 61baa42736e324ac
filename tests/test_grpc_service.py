"""The gRPC service end to end: a real server on a loopback port, real clients.

One server (auth on, two workers) serves the whole module; tests that change the index use
their own tracks. No assertion is about speed: pytest-timeout guards against hangs.
"""
from __future__ import annotations

import json
import logging
import shutil
import threading
import time
import urllib.request
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from heihachi_index.cli.main import main as cli_main
from heihachi_index.client import Client, RemoteError
from heihachi_index.config import load_config
from heihachi_index.rpc import index_service_pb2 as ipb
from heihachi_index.rpc import search_service_pb2 as spb
from heihachi_index.rpc import types_pb2 as pb
from heihachi_index.search import similar
from heihachi_index.synth import generate, write_corpus
from services.background import BackgroundServer

pytestmark = pytest.mark.timeout(300)

WRITE, READ = "test-write-token", "test-read-token"
STYLES = ["neurofunk", "liquid", "techno", "dubstep"]
MAX_UPLOAD = 2_000_000
Code = grpc.StatusCode


@pytest.fixture(scope="module")
def roots(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("music")
    write_corpus(root / "main", [generate(s, seed=700 + i, seconds=5.0) for i, s in enumerate(STYLES)], fmt="flac")
    write_corpus(root / "more", [generate(s, seed=800 + i, seconds=4.0) for i, s in enumerate(["house", "ambient"])],
                 fmt="flac")
    write_corpus(root / "extra", [generate(s, seed=900 + i, seconds=4.0) for i, s in enumerate(["techno", "liquid"])],
                 fmt="flac")
    write_corpus(root / "single", [generate("dubstep", seed=950, seconds=4.0)], fmt="flac")
    return root


@pytest.fixture(scope="module")
def server(roots, tmp_path_factory):
    cfg = load_config(None, environ={}, data_dir=str(tmp_path_factory.mktemp("data")), **{
        "server.port": 0, "server.metrics_port": 0, "server.workers": 2, "server.allowed_roots": [str(roots)],
        "server.write_tokens": [WRITE], "server.read_tokens": [READ], "server.max_upload_bytes": MAX_UPLOAD})
    with BackgroundServer(cfg) as srv:
        yield srv


@pytest.fixture(scope="module")
def client(server):
    with Client(server.address, token=WRITE) as c:
        yield c


@pytest.fixture(scope="module")
def reader(server):
    with Client(server.address, token=READ) as c:
        yield c


@pytest.fixture(scope="module")
def ingested(client, roots):
    events = []
    outcome = client.ingest([roots / "main"], on_event=events.append)
    return outcome, events


def _code(excinfo) -> grpc.StatusCode:
    return excinfo.value.code


def test_health_and_reflection_answer_without_a_token(server):
    with grpc.insecure_channel(server.address) as channel:
        status = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""))
        assert status.status == health_pb2.HealthCheckResponse.SERVING
        db = ProtoReflectionDescriptorDatabase(channel)
        services = set(db.get_services())
    assert {"heihachi.v1.IndexService", "heihachi.v1.SearchService", "grpc.health.v1.Health"} <= services


def test_ingest_by_upload_streams_progress_and_per_file_results(ingested, roots):
    outcome, events = ingested
    assert outcome.complete and len(outcome.ingested) == len(STYLES) and not outcome.failed
    kinds = [e.WhichOneof("event") for e in events]
    assert kinds.count("queued") == len(STYLES) and kinds.count("result") == len(STYLES)
    assert kinds[-1] == "summary" and events[-1].summary.tracks_in_index == len(STYLES)
    done = [e.progress.files_done for e in events]
    assert done == sorted(done) and done[-1] == len(STYLES)
    results = [e.result for e in events if e.WhichOneof("event") == "result"]
    assert all(r.status == pb.FILE_STATUS_INGESTED and r.track.analysis.tempo_bpm > 0 and r.track.analysis.camelot
               for r in results)
    assert {r.source for r in results} == {p.name for p in (roots / "main").glob("*.flac")}  # the client's names


def test_reupload_is_skipped_and_metadata_overrides_tags(client, roots, ingested):
    first = sorted((roots / "main").glob("*.flac"))[0]
    again = client.ingest([first])
    assert not again.ingested and again.skipped[0]["reason"].endswith("(same file content)")
    single = sorted((roots / "single").glob("*.flac"))[0]
    out = client.ingest([single], metadata={single.name: {"title": "Override", "artist": "A", "tags": ["neuro"]}})
    track = client.get_track(out.ingested[0]["track_id"])
    assert (track.payload["title"], track.payload["artist"], track.payload["tags"]) == ("Override", "A", ["neuro"])
    assert track.payload["path"] == single.name


def test_ingest_by_server_path_under_the_allowed_roots(client, roots, ingested):
    out = client.ingest_server_paths([str(roots / "more")])
    assert out.complete and len(out.ingested) == 2 and not out.failed
    assert all(row["path"].startswith(str(roots.resolve())) for row in out.ingested)
    again = client.ingest_server_paths(["more"])  # relative to the first root; same files
    assert len(again.skipped) == 2 and not again.ingested


def test_paths_outside_the_allowed_roots_are_refused(client, roots, tmp_path):
    with pytest.raises(RemoteError) as err:
        client.ingest_server_paths(["/etc/passwd"])
    assert _code(err) == Code.PERMISSION_DENIED and "outside the server's allowed roots" in err.value.details
    with pytest.raises(RemoteError) as err:
        client.ingest_server_paths([str(roots / ".." / "elsewhere")])
    assert _code(err) == Code.PERMISSION_DENIED
    escape = roots / "escape"
    escape.mkdir(exist_ok=True)
    outside = tmp_path / "outside.flac"
    shutil.copy(sorted((roots / "extra").glob("*.flac"))[0], outside)
    (escape / "link.flac").symlink_to(outside)
    out = client.ingest_server_paths([str(escape)])
    assert not out.ingested and out.failed[0]["error"] == "PermissionDenied"


def test_get_list_and_stats(client, reader, ingested):
    track_id = ingested[0].ingested[0]["track_id"]
    record = reader.get_track(track_id.upper(), include_vectors=True)
    assert record.track_id == track_id and record.vectors["handcrafted"].shape == (641,)
    assert record.raw["handcrafted"].shape == (641,) and record.payload["pipeline_version"]
    stats = reader.stats()
    assert stats.tracks >= len(STYLES) and stats.families["handcrafted"]["dim"] == 641
    assert stats.families["handcrafted"]["stats_version"] >= 1 and stats.backend == "edge"
    seen, token = [], ""
    while True:
        page = reader.list_tracks(page_size=2, page_token=token)
        assert len(page.tracks) <= 2 and page.total_size == stats.tracks
        seen += [t.track_id for t in page.tracks]
        token = page.next_page_token
        if not token:
            break
    assert len(seen) == len(set(seen)) == stats.tracks
    tempo = record.payload["tempo"]
    matching = list(reader.iter_tracks(filters={"tempo": (tempo - 0.5, tempo + 0.5), "half_double_time": False}))
    assert track_id in {t.track_id for t in matching}
    assert all(abs(t.payload["tempo"] - tempo) <= 0.5 for t in matching)
    open_ended = list(reader.iter_tracks(filters={"tempo": (tempo - 0.5, None), "half_double_time": False}))
    assert track_id in {t.track_id for t in open_ended}
    assert all(t.payload["tempo"] >= tempo - 0.5 for t in open_ended)
    hits = reader.search_similar(track_id, k=10, filters={"tempo": (0, None), "half_double_time": False})
    assert len(hits) == stats.tracks - 1  # an unbounded range keeps everything


def test_bad_ids_tokens_and_filters_are_invalid_arguments(reader, ingested):
    track_id = ingested[0].ingested[0]["track_id"]
    with pytest.raises(RemoteError) as err:
        reader.get_track("not-a-track")
    assert _code(err) == Code.INVALID_ARGUMENT
    with pytest.raises(RemoteError) as err:
        reader.get_track("0" * 32)
    assert _code(err) == Code.NOT_FOUND
    with pytest.raises(RemoteError) as err:
        reader.list_tracks(page_token="garbage")
    assert _code(err) == Code.INVALID_ARGUMENT
    bad = [{"filters": {"tempo": (180, 170)}}, {"filters": {"key": "H#"}}, {"k": 5000}, {"mmr": 2.0},
           {"filters": {"duration": (-5, 10)}}, {"family": "nope"}]
    for kwargs in bad:
        with pytest.raises(RemoteError) as err:
            reader.search_similar(track_id, **kwargs)
        assert _code(err) == Code.INVALID_ARGUMENT, kwargs
    with pytest.raises(RemoteError) as err:
        reader.search_similar("f" * 32)
    assert _code(err) == Code.NOT_FOUND


def test_search_similar_matches_the_library(server, reader, ingested):
    track_id = ingested[0].ingested[0]["track_id"]
    index = server.state.index
    for kwargs in ({"k": 3, "explain": True}, {"k": 3, "mmr": 0.5, "pool": 6},
                   {"k": 5, "filters": {"tempo": (170, 178)}}):
        remote = reader.search_similar(track_id, **kwargs)
        local = similar(index, track_id, **{k: v for k, v in kwargs.items() if k != "filters"},
                        filters=_library_filters(kwargs.get("filters")))
        assert [h.track_id for h in remote] == [h.track_id for h in local]
        assert [h.rank for h in remote] == list(range(1, len(remote) + 1))
        assert all(abs(r.score - h.score) < 1e-5 for r, h in zip(remote, local, strict=True))
        assert track_id not in {h.track_id for h in remote}
        for r, h in zip(remote, local, strict=True):  # the server's track table says what the store says
            assert {k: r.payload[k] for k in ("path", "tempo", "key", "duration")} == \
                {k: h.payload[k] for k in ("path", "tempo", "key", "duration")}
    explained = reader.search_similar(track_id, k=3, explain=True)
    assert all(abs(sum(h.explanation.values()) - h.score) < 1e-4 for h in explained)
    assert set(explained[0].explanation) == {"timbre", "harmony", "spectral", "rhythm_energy", "mel", "edm"}


def _library_filters(spec):
    from heihachi_index.search import SearchFilters

    return SearchFilters(**spec) if spec else None


def test_search_audio_finds_the_uploaded_track_first(reader, roots, ingested):
    path = sorted((roots / "main").glob("*.flac"))[1]
    result = reader.search_audio(path, k=3, explain=True, mmr=0.9)
    top = result.hits[0]
    assert Path(top.payload["path"]).name == path.name and top.score > 0.99
    assert result.tempo > 0 and result.camelot and result.duration == pytest.approx(5.0, abs=0.05)
    assert top.explanation is not None
    from_bytes = reader.search_audio(path.read_bytes(), k=1, file_name=path.name)
    assert from_bytes.hits[0].track_id == top.track_id


def test_corrupt_uploads_are_invalid_and_the_server_keeps_serving(client, tmp_path):
    with pytest.raises(RemoteError) as err:
        client.search_audio(b"this is not audio at all " * 200, file_name="bad.mp3")
    assert _code(err) == Code.INVALID_ARGUMENT and "bad.mp3" in err.value.details
    bad = tmp_path / "corrupt.flac"
    bad.write_bytes(b"fLaC" + bytes(range(256)) * 40)
    out = client.ingest([bad])
    assert out.complete and not out.ingested and len(out.failed) == 1
    assert out.failed[0]["reason"].startswith("corrupt.flac") and "heihachi-upload" not in out.failed[0]["reason"]
    events = []
    client.ingest([bad], on_event=events.append)
    result = next(e.result for e in events if e.WhichOneof("event") == "result")
    assert result.status == pb.FILE_STATUS_FAILED and result.error_code and result.error_type
    assert client.stats().tracks > 0


def test_oversized_uploads_are_resource_exhausted(client, tmp_path):
    big = tmp_path / "big.wav"
    big.write_bytes(b"\0" * (MAX_UPLOAD + 1))
    with pytest.raises(RemoteError) as err:
        client.search_audio(big)
    assert _code(err) == Code.RESOURCE_EXHAUSTED and "max_upload_bytes" in err.value.details
    with pytest.raises(RemoteError) as err:
        client.ingest([big])
    assert _code(err) == Code.RESOURCE_EXHAUSTED

    def undeclared():  # no size in the header: the limit is enforced while the bytes stream in
        yield ipb.IngestRequest(upload=ipb.UploadHeader(file_name="big.wav"))
        for _ in range(MAX_UPLOAD // 100_000 + 2):
            yield ipb.IngestRequest(chunk=b"\0" * 100_000)

    with pytest.raises(RemoteError) as err:
        list(client.iter_ingest(undeclared))
    assert _code(err) == Code.RESOURCE_EXHAUSTED


def test_tokens_are_checked_with_scopes(server, reader, ingested, roots):
    track_id = ingested[0].ingested[0]["track_id"]
    with Client(server.address, retries=0) as anonymous, Client(server.address, token="wrong") as wrong:
        for c in (anonymous, wrong):
            with pytest.raises(RemoteError) as err:
                c.stats()
            assert _code(err) == Code.UNAUTHENTICATED
    with pytest.raises(RemoteError) as err:
        reader.delete_track(track_id)
    assert _code(err) == Code.PERMISSION_DENIED
    with pytest.raises(RemoteError) as err:
        reader.ingest_server_paths([str(roots / "more")])
    assert _code(err) == Code.PERMISSION_DENIED
    assert reader.search_similar(track_id, k=1)
    with grpc.insecure_channel(server.address) as channel:
        stub = channel.unary_unary("/heihachi.v1.IndexService/Stats", ipb.StatsRequest.SerializeToString,
                                   ipb.StatsResponse.FromString)
        with pytest.raises(grpc.RpcError) as raw:
            stub(ipb.StatsRequest(), metadata=[("authorization", f"Token {READ}")])
        assert raw.value.code() == Code.UNAUTHENTICATED


def test_client_deadline_expires(client, roots):
    release = threading.Event()
    path = sorted((roots / "main").glob("*.flac"))[0]

    def stalled():
        yield spb.SearchAudioRequest(query=spb.SearchAudioQuery(file_name=path.name))
        release.wait(30)
        yield spb.SearchAudioRequest(chunk=path.read_bytes())

    try:
        with pytest.raises(RemoteError) as err:
            client._unary("SearchAudio", client._search.SearchAudio, stalled, timeout=0.5)
        assert _code(err) == Code.DEADLINE_EXCEEDED
    finally:
        release.set()
    assert client.stats().tracks > 0


def _wait_for(predicate, what: str) -> None:
    """Poll until ``what`` holds; pytest-timeout ends a hang."""
    while not predicate():
        time.sleep(0.05)


def test_cancelling_an_ingest_stops_it_and_keeps_what_was_stored(server, client, roots):
    release = threading.Event()
    first, second = sorted((roots / "extra").glob("*.flac"))

    def requests():
        yield ipb.IngestRequest(upload=ipb.UploadHeader(file_name=first.name))
        yield ipb.IngestRequest(chunk=first.read_bytes())
        yield ipb.IngestRequest(upload=ipb.UploadHeader(file_name=second.name))
        release.wait(60)  # the stream stays open: only a cancellation ends this call
        yield ipb.IngestRequest(chunk=second.read_bytes())

    stream = client.iter_ingest(requests)
    try:
        stored = None
        for response in stream:
            if response.WhichOneof("event") == "result":
                stored = response.result
                break
        assert stored is not None and stored.status == pb.FILE_STATUS_INGESTED
        _wait_for(lambda: server.state.active_ingests == 1, "the ingest is running")
        stream.close()  # cancels the call
        _wait_for(lambda: server.state.active_ingests == 0, "the server stopped the ingest")
    finally:
        release.set()
    assert client.get_track(stored.track_id).payload["path"] == first.name
    metrics = _scrape(server)
    assert 'heihachi_grpc_requests_total{code="CANCELLED",method="Ingest"}' in metrics


def test_sixteen_clients_search_while_an_ingest_runs(server, roots, ingested):
    track_ids = [row["track_id"] for row in ingested[0].ingested]
    errors: list[BaseException] = []
    counts = []

    def search(i: int) -> None:
        try:
            with Client(server.address, token=READ) as c:
                for j in range(6):
                    hits = c.search_similar(track_ids[(i + j) % len(track_ids)], k=3, explain=j % 2 == 0,
                                            mmr=0.7 if j % 3 == 0 else None)
                    assert 1 <= len(hits) <= 3
                counts.append(i)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    with Client(server.address, token=WRITE) as writer:
        threads = [threading.Thread(target=search, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        out = writer.ingest_server_paths([str(roots / "single"), str(roots / "extra")])
        for t in threads:
            t.join()
    assert not errors, errors[:3]
    assert len(counts) == 16
    assert out.complete and not out.failed


def test_delete_track(client, reader, roots, ingested):
    track_id = ingested[0].ingested[-1]["track_id"]
    before = client.stats().tracks
    assert client.delete_track(track_id) == before - 1
    with pytest.raises(RemoteError) as err:
        client.delete_track(track_id)
    assert _code(err) == Code.NOT_FOUND
    with pytest.raises(RemoteError) as err:
        reader.search_similar(track_id)
    assert _code(err) == Code.NOT_FOUND
    name = Path(ingested[0].ingested[-1]["path"]).name
    again = client.ingest([roots / "main" / name], metadata={name: {"title": "Back again"}})  # stored again
    assert [row["track_id"] for row in again.ingested] == [track_id]
    other = ingested[0].ingested[0]["track_id"]
    hits = {h.track_id: h for h in reader.search_similar(other, k=50)}
    assert hits[track_id].payload["title"] == "Back again"  # not the deleted track's message


def _scrape(server) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{server.metrics_port}/metrics", timeout=10) as resp:
        return resp.read().decode()


def test_metrics_and_access_logs(server, reader, ingested):
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    access = logging.getLogger("heihachi_index.services.access")
    access.addHandler(handler)
    level = access.level
    access.setLevel(logging.INFO)
    try:
        reader.stats()
        with pytest.raises(RemoteError):
            reader.get_track("0" * 32)
        # The server logs once the status is on its way, so the line may come just after the reply.
        _wait_for(lambda: {("Stats", "OK"), ("GetTrack", "NOT_FOUND")} <= {(r.method, r.code) for r in records},
                  "access log lines")
    finally:
        access.removeHandler(handler)
        access.setLevel(level)
    assert all(r.latency_ms >= 0 and r.peer.startswith("ipv4:127.0.0.1") for r in records)
    text = _scrape(server)
    for name in ("heihachi_grpc_requests_total", "heihachi_grpc_request_duration_seconds_bucket",
                 "heihachi_ingest_files_total", "heihachi_ingest_audio_seconds_total"):
        assert name in text
    assert 'heihachi_grpc_requests_total{code="NOT_FOUND",method="GetTrack"}' in text


def test_cli_commands_against_the_server(server, roots, capsys, ingested):
    remote = ["--server", server.address, "--token", WRITE]
    path = str(sorted((roots / "main").glob("*.flac"))[0])
    assert cli_main(["ingest", path, *remote, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["counts"] == {"ingested": 0, "skipped": 1, "failed": 0}
    assert cli_main(["ingest", "more", "--server-side", *remote]) == 0
    assert "skipped 2" in capsys.readouterr().out
    assert cli_main(["info", "--list", "--json", *remote]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["tracks"] == len(info["list"]) and info["families"]["handcrafted"]["dim"] == 641
    track = ingested[0].ingested[0]["track_id"]
    assert cli_main(["similar", track, "-k", "2", "--explain", "--json", *remote]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert len(hits) == 2 and all(abs(sum(h["explanation"].values()) - h["score"]) < 1e-4 for h in hits)
    assert cli_main(["similar", path, "-k", "2", "--mmr", "0.5", "--bpm", "80-200", *remote]) == 0
    assert " BPM" in capsys.readouterr().out
    assert cli_main(["similar", "f" * 32, *remote]) == 2
    assert "NOT_FOUND" in capsys.readouterr().err
    assert cli_main(["info", "--server", server.address]) == 2
    assert "UNAUTHENTICATED" in capsys.readouterr().err


def test_async_client(server, roots, ingested):
    import asyncio

    from heihachi_index.client import AsyncClient

    track_id = ingested[0].ingested[0]["track_id"]
    clip = sorted((roots / "main").glob("*.flac"))[0]

    async def run():
        async with AsyncClient(server.address, token=READ) as client:
            await client.wait_ready()
            stats = await client.stats()
            hits = await client.search_similar(track_id, k=2, mmr=True, explain=True)
            found = await client.search_audio(clip.read_bytes(), k=1, file_name=clip.name)
            tracks = [t async for t in client.iter_tracks(page_size=3)]
            with pytest.raises(RemoteError) as err:
                await client.delete_track(track_id)
            return stats, hits, found, tracks, err.value.code

    stats, hits, found, tracks, code = asyncio.run(run())
    assert len(hits) == 2 and all(h.explanation for h in hits)
    assert Path(found.hits[0].payload["path"]).name == clip.name
    assert len(tracks) == stats.tracks and code == Code.PERMISSION_DENIED
