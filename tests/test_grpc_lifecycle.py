"""Server limits, default deadlines, restarts on the same data, SIGTERM and TLS."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import grpc
import pytest

from heihachi_index.client import Client, RemoteError
from heihachi_index.config import ConfigError, load_config
from heihachi_index.index import StoreLockedError, TrackIndex
from heihachi_index.rpc import index_service_pb2 as ipb
from heihachi_index.rpc import search_service_pb2 as spb
from heihachi_index.synth import generate, write_corpus
from services.background import BackgroundServer

pytestmark = pytest.mark.timeout(300)
Code = grpc.StatusCode


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    write_corpus(out, [generate(s, seed=1200 + i, seconds=4.0) for i, s in enumerate(["neurofunk", "techno"])],
                 fmt="flac")
    return out


def config(data: Path, **server):
    overrides = {"server.port": 0, "server.metrics_port": None, "server.workers": 1, "server.auth_disabled": True}
    overrides.update({f"server.{k}": v for k, v in server.items()})
    return load_config(None, environ={}, data_dir=str(data), **overrides)


def _wait_for(predicate) -> None:
    while not predicate():  # pytest-timeout ends a hang
        time.sleep(0.05)


def _stalled_search(release: threading.Event, name: str = "clip.flac"):
    def requests():
        yield spb.SearchAudioRequest(query=spb.SearchAudioQuery(file_name=name))
        release.wait(60)
    return requests


def test_limits_and_the_server_default_deadline(tmp_path):
    cfg = config(tmp_path / "data", max_concurrent_rpcs=3, max_concurrent_ingests=1, default_deadline_s=1.0)
    release = threading.Event()
    with BackgroundServer(cfg, warm_workers=False) as srv, Client(srv.address, retries=0) as client:
        held = []

        def hold(fn):
            t = threading.Thread(target=lambda: held.append(_outcome(fn)))
            t.start()
            return t

        def open_ingest():
            def requests():
                yield ipb.IngestRequest(upload=ipb.UploadHeader(file_name="a.flac"))
                release.wait(60)
            return list(client.iter_ingest(requests, timeout=60))

        try:
            threads = [hold(open_ingest)]
            _wait_for(lambda: srv.state.active_ingests == 1)
            with pytest.raises(RemoteError) as err:
                list(client.iter_ingest(lambda: iter([ipb.IngestRequest(server_paths=ipb.ServerPaths())])))
            assert err.value.code == Code.RESOURCE_EXHAUSTED and "max_concurrent_ingests" in err.value.details
            threads += [hold(lambda: client._unary("SearchAudio", client._search.SearchAudio,
                                                   _stalled_search(release), timeout=60)) for _ in range(2)]
            _wait_for(lambda: srv.state.active_rpcs == 3)
            with pytest.raises(RemoteError) as err:
                client.stats()
            assert err.value.code == Code.RESOURCE_EXHAUSTED and "max_concurrent_rpcs" in err.value.details
        finally:
            release.set()
            for t in threads:
                t.join()
        _wait_for(lambda: srv.state.active_rpcs == 0)
        assert client.stats().server["active_rpcs"] == 1  # the Stats call itself

        # No client deadline: the server's default (1 s) ends a stalled upload.
        release = threading.Event()
        with Client(srv.address, timeout=None, retries=0) as no_deadline:
            try:
                with pytest.raises(RemoteError) as err:
                    no_deadline._unary("SearchAudio", no_deadline._search.SearchAudio, _stalled_search(release),
                                       timeout=None)
            finally:
                release.set()
        assert err.value.code == Code.DEADLINE_EXCEEDED and "default deadline" in err.value.details


def _outcome(fn):
    try:
        return fn()
    except RemoteError as exc:
        return exc


def test_restart_on_the_same_data_directory(tmp_path, corpus):
    cfg = config(tmp_path / "data")
    with BackgroundServer(cfg) as srv, Client(srv.address) as client:
        first = client.ingest([corpus])
        assert len(first.ingested) == 2
        with pytest.raises(StoreLockedError):  # one writer per data directory
            BackgroundServer(config(tmp_path / "data"), warm_workers=False).start()
        before = client.search_similar(first.ingested[0]["track_id"], k=1)
    with BackgroundServer(cfg, warm_workers=False) as srv, Client(srv.address) as client:
        assert client.stats().tracks == 2
        assert client.search_similar(first.ingested[0]["track_id"], k=1)[0].track_id == before[0].track_id
        again = client.ingest([corpus])
        assert len(again.skipped) == 2 and not again.ingested


def test_auth_on_without_tokens_refuses_to_start(tmp_path):
    with pytest.raises(ConfigError, match="no token"):
        BackgroundServer(config(tmp_path / "data", auth_disabled=False), warm_workers=False).start()


def _serve(data: Path, extra_env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "CI": "true", "HEIHACHI_LOGGING__FORMAT": "json", "HEIHACHI_SERVER__WORKERS": "1",
           **extra_env}
    proc = subprocess.Popen([sys.executable, "-m", "heihachi_index.cli.main", "serve", "--port", "0",
                             "--metrics-port", "off", "--data-dir", str(data)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("{") and json.loads(line).get("msg") == "serving":
            return proc, json.loads(line)["address"]
    raise AssertionError(f"the server exited with {proc.wait()} before serving")


def test_sigterm_stops_gracefully_and_releases_the_store(tmp_path, corpus):
    data = tmp_path / "data"
    proc, address = _serve(data, {"HEIHACHI_SERVER__AUTH_DISABLED": "true", "HEIHACHI_SERVER__SHUTDOWN_GRACE_S": "1"})
    release = threading.Event()
    try:
        with Client(address, retries=0) as client:
            assert len(client.ingest([sorted(corpus.glob("*.flac"))[0]]).ingested) == 1
            results: list = []

            def open_ingest():
                def requests():
                    yield ipb.IngestRequest(upload=ipb.UploadHeader(file_name="late.flac"))
                    release.wait(60)
                results.append(_outcome(lambda: list(client.iter_ingest(requests))))

            holder = threading.Thread(target=open_ingest)
            holder.start()
            _wait_for(lambda: client.stats().server["active_ingests"] == 1)
            proc.send_signal(signal.SIGTERM)
            tail = proc.stderr.read()
            assert proc.wait(timeout=120) == 0, tail
            holder.join()
    finally:
        release.set()
        if proc.poll() is None:
            proc.kill()
    assert isinstance(results[0], RemoteError) and results[0].code in (Code.CANCELLED, Code.UNAVAILABLE)
    assert '"msg": "stopped"' in tail
    with TrackIndex.open(load_config(None, environ={}, data_dir=str(data))) as index:  # the lock is free
        assert index.count() == 1


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a certificate")
def test_tls_with_tokens(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    cfg = config(tmp_path / "data", auth_disabled=False, read_tokens=["r"], tls_cert=str(cert), tls_key=str(key))
    with BackgroundServer(cfg, warm_workers=False) as srv:
        with Client(srv.address, token="r", root_certificates=cert) as client:
            assert client.stats().tracks == 0
        with Client(srv.address, token="r", retries=0, timeout=5) as plain:
            with pytest.raises(RemoteError) as err:
                plain.stats()
            assert err.value.code == Code.UNAVAILABLE
    with pytest.raises(ConfigError, match="together"):
        BackgroundServer(config(tmp_path / "d2", tls_cert=str(cert)), warm_workers=False).start()


class _Unavailable(grpc.RpcError):
    def code(self):
        return Code.UNAVAILABLE

    def details(self):
        return "connection refused"


def test_client_retries_unavailable_then_gives_up():
    calls = []

    def flaky(request, timeout=None, metadata=None):
        calls.append(request)
        if len(calls) < 3:
            raise _Unavailable()
        return "answer"

    def down(request, timeout=None, metadata=None):
        calls.append(request)
        raise _Unavailable()

    with Client("127.0.0.1:1", retries=3) as client:
        client.settings = dataclasses.replace(client.settings, backoff_s=0.001)
        assert client._unary("Flaky", flaky, lambda: "request", timeout=1) == "answer"
        assert calls == ["request"] * 3  # a fresh request per attempt
        calls.clear()
        with pytest.raises(RemoteError) as err:
            client._unary("Down", down, "request", timeout=1)
        assert err.value.code == Code.UNAVAILABLE and len(calls) == 4  # the first try and three retries
