"""``open_store``: pick the store adapter from the configuration and take the write lock."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from heihachi_index.config import Config, ConfigError
from heihachi_index.index.base import Store
from heihachi_index.index.families import HANDCRAFTED, FamilySpec
from heihachi_index.index.lock import WriteLock

EDGE_DIR = "qdrant-edge"
QDRANT_LOCAL_DIR = "qdrant-local"


def open_store(config: Config, *, read_only: bool = False,
               families: Sequence[FamilySpec] = (HANDCRAFTED,)) -> Store:
    """Open the track store named by ``config.index``.

    ``backend: edge`` opens Qdrant Edge under ``<data_dir>/qdrant-edge``. ``backend: qdrant``
    connects to ``index.url`` when it is an ``http(s)://`` URL, uses qdrant-client local mode in
    memory for ``":memory:"``, at a path for ``file:PATH`` or a plain path, and under
    ``<data_dir>/qdrant-local`` when no URL is set.

    A writer takes ``<data_dir>/WRITE.lock`` exclusively. A read-only Edge open takes it shared
    (so it fails while a writer is open, and blocks writers while open); a read-only Qdrant open
    takes no lock (the server handles concurrent readers).

    Parameters
    ----------
    config : Config
        Loaded configuration.
    read_only : bool
        Open for reading only.
    families : sequence of FamilySpec
        Vector families of a newly created store.

    Raises
    ------
    StoreLockedError
        If another writer holds the data directory.
    ConfigError
        If the backend is unknown or the settings contradict each other.
    """
    backend = (config.index.backend or "").strip().lower()
    data_dir = config.data_path
    url = (config.index.url or "").strip() or None
    if backend == "edge":
        if url is not None:
            raise ConfigError(f"index.url ({url}) is set but index.backend is 'edge'; set backend: qdrant to use it")
        lock = WriteLock(data_dir, shared=read_only).acquire()
        try:
            from heihachi_index.index.edge import EdgeStore
            return EdgeStore(data_dir / EDGE_DIR, families=families, read_only=read_only, lock=lock)
        except BaseException:
            lock.release()
            raise
    if backend == "qdrant":
        lock = None if read_only else WriteLock(data_dir).acquire()
        try:
            from heihachi_index.index.qdrant import QdrantStore
            common = dict(collection=config.index.collection, families=families, read_only=read_only, lock=lock)
            if url is None:
                return QdrantStore(path=data_dir / QDRANT_LOCAL_DIR, **common)
            if url.startswith(("http://", "https://")):
                return QdrantStore(url=url, api_key=config.index.api_key, **common)
            if url == ":memory:":
                return QdrantStore(location=url, **common)
            for prefix in ("file://", "file:"):
                if url.startswith(prefix):
                    url = url[len(prefix):]
                    break
            return QdrantStore(path=Path(url).expanduser(), **common)
        except BaseException:
            if lock is not None:
                lock.release()
            raise
    raise ConfigError(f"index.backend must be 'edge' or 'qdrant', got {config.index.backend!r}")
