"""``similar``: the tracks most like a query, with filters, MMR diversity and explanations."""
from __future__ import annotations

from typing import Mapping

import numpy as np

from heihachi_index.index.conditions import Filter, combine
from heihachi_index.index.families import DEFAULT_FAMILY
from heihachi_index.index.track_index import Featurizer, TrackIndex
from heihachi_index.search.explain import explain as explain_pair
from heihachi_index.search.filters import SearchFilters
from heihachi_index.search.hit import Hit
from heihachi_index.search.mmr import DEFAULT_LAMBDA, mmr as mmr_select
from heihachi_index.search.query import Query, resolve_query

EXPLAINED_FAMILIES = ("handcrafted",)


def _mmr_lambda(mmr: float | bool | None) -> float | None:
    if mmr is None or mmr is False:
        return None
    if mmr is True:
        return DEFAULT_LAMBDA
    lam = float(mmr)
    if not 0.0 <= lam <= 1.0:
        raise ValueError(f"mmr lambda must be in [0, 1], got {mmr}")
    return lam


def similar(index: TrackIndex, query: Query, k: int = 10, *, family: str = DEFAULT_FAMILY,
            filters: SearchFilters | Filter | None = None, mmr: float | bool | None = None, pool: int | None = None,
            explain: bool = False, exclude_self: bool = True, backend: str = "faiss", exact: bool | None = None,
            featurize: Featurizer | Mapping[str, Featurizer] | None = None, payloads: bool = True) -> list[Hit]:
    """Tracks most similar to ``query`` by cosine similarity of standardised vectors.

    Parameters
    ----------
    index : TrackIndex
        The index to search.
    query : str, path-like or ndarray
        A track id in the index, an audio file (featurised with ``featurize`` or
        ``index.featurize``) or a raw vector.
    k : int
        Number of hits.
    family : str
        Vector family to compare.
    filters : SearchFilters or Filter, optional
        Tempo (with half/double time), Camelot-compatible keys, duration, tags, genre.
    mmr : float or bool, optional
        MMR lambda (``True`` = 0.7): re-rank a pool of candidates for diversity.
    pool : int, optional
        Candidates fetched before MMR (default ``10 * k`` with MMR, else ``k``).
    explain : bool
        Attach per-feature-group contributions to the score (handcrafted family only).
    exclude_self : bool
        Leave the query track out when the query is a track id.
    backend : {"faiss", "store"}
        In-memory FAISS index (the serving path) or the store's own search; same semantics.
    exact : bool, optional
        Force exact search.
    featurize : callable, optional
        Overrides ``index.featurize`` for audio-file queries.
    payloads : bool
        Read the hits' payloads from the store (``False``: empty payloads, for callers that keep
        their own copy, like the server).

    Returns
    -------
    list of Hit
        Best first (in MMR selection order when ``mmr`` is set); ``score`` is always the cosine
        similarity to the query.
    """
    if k <= 0:
        return []
    lam = _mmr_lambda(mmr)
    q = resolve_query(index, query, family, featurize)
    flt = filters.to_filter() if isinstance(filters, SearchFilters) else filters
    if exclude_self and q.track_id is not None:
        flt = combine(flt, Filter(exclude_ids=frozenset({q.track_id})))
    n_pool = max(k, pool if pool is not None else (10 * k if lam is not None else k))
    explained = explain and family in EXPLAINED_FAMILIES
    cands = index.search(q.vector, n_pool, family=family, filter=flt, backend=backend, exact=exact,
                         with_vectors=lam is not None or explained)
    if lam is not None and cands:
        chosen = [cands[i] for i in mmr_select(q.vector, np.stack([c.vector for c in cands]), k, lam)]
    else:
        chosen = cands[:k]
    stored = index.payloads([c.track_id for c in chosen]) if payloads else {}
    return [Hit(c.track_id, c.score, stored.get(c.track_id, {}),
                explain_pair(q.vector, c.vector) if explained else None) for c in chosen]
