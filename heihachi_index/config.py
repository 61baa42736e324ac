"""One configuration object, loaded from ``configs/*.yaml`` and overridable by environment variables.

Precedence (last wins): dataclass defaults < YAML file < ``HEIHACHI_*`` environment variables <
explicit keyword overrides (for example a CLI flag such as ``--data-dir``).

Environment variables name a field by its path, sections separated by a double underscore:
``HEIHACHI_DATA_DIR=/srv/music-index``, ``HEIHACHI_FEATURES__SR=22050``,
``HEIHACHI_INDEX__URL=http://qdrant:6333``.
"""
from __future__ import annotations

import dataclasses
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

ENV_PREFIX = "HEIHACHI_"
CONFIG_ENV = "HEIHACHI_CONFIG"


class ConfigError(ValueError):
    """A configuration file or variable that cannot be used."""


@dataclass
class AudioConfig:
    min_duration_s: float = 1.0
    max_duration_s: float = 6 * 3600.0
    silence_dbfs: float = -70.0
    block_seconds: float = 60.0
    max_channels: int = 64
    max_sample_rate: int = 768_000


@dataclass
class FeatureConfig:
    sr: int = 22050
    n_fft: int = 2048
    hop_length: int = 512
    tempo_min: float = 60.0
    tempo_max: float = 200.0


@dataclass
class IndexConfig:
    backend: str = "edge"
    url: str | None = None
    api_key: str | None = None
    collection: str = "tracks"


@dataclass
class IngestConfig:
    workers: int = 0
    drums: bool = True


@dataclass
class LogConfig:
    level: str = "INFO"
    format: str = "auto"


@dataclass
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 50051
    metrics_port: int | None = 9464
    max_message_bytes: int = 4 * 1024 * 1024
    max_upload_bytes: int = 512 * 1024 * 1024
    max_concurrent_rpcs: int = 64
    max_concurrent_ingests: int = 2
    default_deadline_s: float = 30.0
    ingest_deadline_s: float = 3600.0
    shutdown_grace_s: float = 10.0
    allowed_roots: list[str] = field(default_factory=list)
    auth_disabled: bool = False
    read_tokens: list[str] = field(default_factory=list)
    write_tokens: list[str] = field(default_factory=list)
    tls_cert: str | None = None
    tls_key: str | None = None
    workers: int = 0


@dataclass
class EmbedConfig:
    clap_path: str | None = None
    beats_path: str | None = None
    device: str = "auto"
    batch_size: int = 16
    text_model: str | None = None


@dataclass
class Config:
    data_dir: str = "./heihachi-data"
    audio: AudioConfig = field(default_factory=AudioConfig)
    features: FeatureConfig = field(default_factory=FeatureConfig)
    index: IndexConfig = field(default_factory=IndexConfig)
    ingest: IngestConfig = field(default_factory=IngestConfig)
    logging: LogConfig = field(default_factory=LogConfig)
    server: ServerConfig = field(default_factory=ServerConfig)
    embed: EmbedConfig = field(default_factory=EmbedConfig)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).expanduser()

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _coerce(value: Any, annotation: Any, where: str) -> Any:
    if typing.get_origin(annotation) is list:
        return _coerce_list(value, typing.get_args(annotation)[0], where)
    hints = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else (annotation,)
    if value is None or (isinstance(value, str) and value.lower() in {"", "null", "none"}):
        if type(None) in hints:
            return None
        raise ConfigError(f"{where}: a value is required")
    target = next(h for h in hints if h is not type(None))
    try:
        if target is bool:
            if isinstance(value, str):
                if value.lower() in {"1", "true", "yes", "on"}:
                    return True
                if value.lower() in {"0", "false", "no", "off"}:
                    return False
                raise ValueError(value)
            return bool(value)
        return target(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: cannot read {value!r} as {target.__name__}") from exc


def _coerce_list(value: Any, item: Any, where: str) -> list[Any]:
    """A list from YAML (a sequence) or the environment (comma-separated; empty or null means none)."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"{where}: expected a list or a comma-separated string, got {value!r}")
    return [_coerce(v, item, f"{where}[{i}]") for i, v in enumerate(value)]


def _apply(obj: Any, values: Mapping[str, Any], where: str) -> None:
    hints = typing.get_type_hints(type(obj))
    names = {f.name for f in dataclasses.fields(obj)}
    for key, value in values.items():
        if key not in names:
            raise ConfigError(f"{where}: unknown key {key!r} (known: {', '.join(sorted(names))})")
        current = getattr(obj, key)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, Mapping):
                raise ConfigError(f"{where}.{key}: expected a mapping")
            _apply(current, value, f"{where}.{key}")
        else:
            setattr(obj, key, _coerce(value, hints[key], f"{where}.{key}"))


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name == CONFIG_ENV:
            continue
        path = name[len(ENV_PREFIX):].lower().split("__")
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return tree


def default_config_path() -> Path | None:
    """The YAML file used when none is named: ``$HEIHACHI_CONFIG``, else ``./configs/default.yaml``."""
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    candidate = Path("configs/default.yaml")
    return candidate if candidate.exists() else None


def load_config(
    path: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Config:
    """Load the configuration.

    Parameters
    ----------
    path : path-like, optional
        YAML file; defaults to :func:`default_config_path`.
    environ : mapping, optional
        Environment to read ``HEIHACHI_*`` overrides from (default ``os.environ``).
    **overrides
        Top-level or dotted (``features.sr``) values that win over everything else; ``None`` is ignored.
    """
    cfg = Config()
    file = Path(path) if path is not None else default_config_path()
    if file is not None:
        if not file.exists():
            raise ConfigError(f"{file}: config file not found")
        try:
            data = yaml.safe_load(file.read_text()) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{file}: not valid YAML ({exc})") from exc
        if not isinstance(data, Mapping):
            raise ConfigError(f"{file}: top level must be a mapping")
        _apply(cfg, data, str(file))
    _apply(cfg, _env_overrides(os.environ if environ is None else environ), "environment")
    tree: dict[str, Any] = {}
    for key, value in overrides.items():
        if value is None:
            continue
        node = tree
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    _apply(cfg, tree, "overrides")
    return cfg
