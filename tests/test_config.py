"""One config object: defaults, configs/default.yaml, HEIHACHI_* environment, explicit overrides."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from heihachi_index.config import Config, ConfigError, load_config

ROOT = Path(__file__).resolve().parents[1]


def test_default_yaml_matches_the_dataclass_defaults():
    assert yaml.safe_load((ROOT / "configs" / "default.yaml").read_text()) == Config().to_dict()


def test_precedence_file_env_override(tmp_path):
    file = tmp_path / "c.yaml"
    file.write_text("data_dir: /from/file\nfeatures:\n  tempo_max: 190\n")
    cfg = load_config(file, environ={"HEIHACHI_FEATURES__TEMPO_MAX": "185", "HEIHACHI_INGEST__WORKERS": "3"})
    assert (cfg.data_dir, cfg.features.tempo_max, cfg.ingest.workers) == ("/from/file", 185.0, 3)
    cfg = load_config(file, environ={"HEIHACHI_DATA_DIR": "/from/env"}, data_dir="/from/flag")
    assert cfg.data_dir == "/from/flag"
    assert load_config(file, environ={"HEIHACHI_DATA_DIR": "/from/env"}).data_dir == "/from/env"
    assert load_config(file, environ={"HEIHACHI_INDEX__URL": "null"}).index.url is None


@pytest.mark.parametrize("text,message", [
    ("nonsense: 1\n", "unknown key 'nonsense'"),
    ("features:\n  sr: lots\n", "cannot read 'lots' as int"),
    ("features: 3\n", "expected a mapping"),
    ("[1, 2]\n", "top level must be a mapping"),
])
def test_bad_config_files_name_the_problem(tmp_path, text, message):
    file = tmp_path / "bad.yaml"
    file.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(file, environ={})


def test_missing_file_and_bad_env_are_clear_errors(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml", environ={})
    with pytest.raises(ConfigError, match="environment.ingest.workers"):
        load_config(None, environ={"HEIHACHI_INGEST__WORKERS": "many"})
