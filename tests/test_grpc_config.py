"""The server section of the configuration, auth set-up and the allowed roots."""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import grpc
import pytest
import yaml

from heihachi_index.config import Config, ConfigError, ServerConfig, load_config
from services.auth import Authenticator, Scope
from services.errors import RpcError
from services.paths import AllowedRoots

DEFAULT_YAML = Path(__file__).resolve().parents[1] / "configs" / "default.yaml"


def test_server_defaults_and_default_yaml_agree():
    from_yaml = load_config(DEFAULT_YAML, environ={})
    assert dataclasses.asdict(from_yaml.server) == dataclasses.asdict(ServerConfig())
    assert set(yaml.safe_load(DEFAULT_YAML.read_text())["server"]) == {f.name for f in dataclasses.fields(ServerConfig)}
    assert dataclasses.asdict(from_yaml) == dataclasses.asdict(Config())


def test_lists_come_from_yaml_sequences_and_comma_separated_env(tmp_path):
    cfg_file = tmp_path / "c.yaml"
    cfg_file.write_text("server:\n  allowed_roots: [/music, /more]\n  read_tokens: null\n")
    cfg = load_config(cfg_file, environ={"HEIHACHI_SERVER__WRITE_TOKENS": " w1, w2 ,,",
                                         "HEIHACHI_SERVER__METRICS_PORT": "null",
                                         "HEIHACHI_SERVER__AUTH_DISABLED": "false"})
    assert cfg.server.allowed_roots == ["/music", "/more"]
    assert cfg.server.read_tokens == [] and cfg.server.write_tokens == ["w1", "w2"]
    assert cfg.server.metrics_port is None and cfg.server.auth_disabled is False
    assert load_config(cfg_file, environ={"HEIHACHI_SERVER__ALLOWED_ROOTS": ""}).server.allowed_roots == []
    cfg_file.write_text("server:\n  allowed_roots: 5\n")
    with pytest.raises(ConfigError, match="server.allowed_roots"):
        load_config(cfg_file, environ={})


def test_auth_must_be_configured_or_explicitly_disabled():
    with pytest.raises(ConfigError, match="no token"):
        Authenticator(ServerConfig())
    assert Authenticator(ServerConfig(auth_disabled=True)).check([], Scope.WRITE) is None


def test_bearer_tokens_and_scopes():
    auth = Authenticator(ServerConfig(read_tokens=["r"], write_tokens=["w"]))
    assert auth.check([("authorization", "Bearer w")], Scope.WRITE) is Scope.WRITE
    assert auth.check([("authorization", "bearer r")], Scope.READ) is Scope.READ
    cases = [([], grpc.StatusCode.UNAUTHENTICATED),
             ([("authorization", "Bearer nope")], grpc.StatusCode.UNAUTHENTICATED),
             ([("authorization", "Basic r")], grpc.StatusCode.UNAUTHENTICATED),
             ([("authorization", "Bearer r")], grpc.StatusCode.PERMISSION_DENIED)]
    for metadata, code in cases:
        with pytest.raises(RpcError) as err:
            auth.check(metadata, Scope.WRITE)
        assert err.value.code == code


def test_allowed_roots_follow_symlinks(tmp_path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "secret.flac").write_bytes(b"x")
    (root / "link.flac").symlink_to(outside / "secret.flac")
    roots = AllowedRoots([str(root)])
    assert roots.resolve("a.flac") == root.resolve() / "a.flac"  # relative to the first root
    for bad in (str(outside / "secret.flac"), str(root / "link.flac"), str(root / ".." / "outside"), "/etc/passwd"):
        with pytest.raises(RpcError) as err:
            roots.resolve(bad)
        assert err.value.code == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(RpcError) as err:
        AllowedRoots([]).resolve(str(root))
    assert err.value.code == grpc.StatusCode.PERMISSION_DENIED and "no allowed_roots" in err.value.message
    assert os.path.isdir(root)
