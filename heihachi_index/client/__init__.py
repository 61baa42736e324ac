"""Clients of a heihachi-index server: :class:`Client` (blocking) and :class:`AsyncClient` (asyncio).

>>> from heihachi_index.client import Client
>>> with Client("127.0.0.1:50051", token="...") as client:      # doctest: +SKIP
...     client.ingest(["music/"], recursive=True)
...     hits = client.search_similar(track_id, k=10, mmr=0.7, explain=True,
...                                  filters={"tempo": (170, 178), "key": "4A"})
"""
from heihachi_index.client.aio import AsyncClient
from heihachi_index.client.errors import RemoteError
from heihachi_index.client.results import AudioSearch, Hit, IndexStats, IngestOutcome, TrackPage, TrackRecord
from heihachi_index.client.sync import Client

__all__ = ["AsyncClient", "AudioSearch", "Client", "Hit", "IndexStats", "IngestOutcome", "RemoteError", "TrackPage",
           "TrackRecord"]
