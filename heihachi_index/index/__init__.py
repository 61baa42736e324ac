"""Storage of the track index: Qdrant Edge (embedded) or a Qdrant server, plus FAISS beside it.

Typical use::

    from heihachi_index.index import TrackIndex, Track
    with TrackIndex.open(config) as index:
        index.upsert([Track(track_id, {"handcrafted": raw_vector}, payload)])
        index.finalize()
"""
from heihachi_index.index.base import PointRecord, ScoredPoint, Store
from heihachi_index.index.conditions import AnyOf, Filter, MatchAny, Range
from heihachi_index.index.errors import (
    DimensionMismatchError,
    ReadOnlyStoreError,
    StoreError,
    StoreLockedError,
    TrackNotFoundError,
    UnknownFamilyError,
)
from heihachi_index.index.factory import open_store
from heihachi_index.index.faiss_index import AnnParams, FamilyIndex
from heihachi_index.index.families import DEFAULT_FAMILY, HANDCRAFTED, KNOWN_FAMILIES, FamilySpec, family_spec
from heihachi_index.index.ids import normalize_track_id
from heihachi_index.index.payload import PAYLOAD_INDEXES
from heihachi_index.index.standardize import Stats
from heihachi_index.index.track_index import Track, TrackIndex

__all__ = [
    "AnnParams", "AnyOf", "DEFAULT_FAMILY", "DimensionMismatchError", "FamilyIndex", "FamilySpec", "Filter",
    "HANDCRAFTED", "KNOWN_FAMILIES", "MatchAny", "PAYLOAD_INDEXES", "PointRecord", "Range", "ReadOnlyStoreError",
    "ScoredPoint", "Stats", "Store", "StoreError", "StoreLockedError", "Track", "TrackIndex", "TrackNotFoundError",
    "UnknownFamilyError", "family_spec", "normalize_track_id", "open_store",
]
