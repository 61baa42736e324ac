"""Semantic search over the track index: ``similar()`` with DJ filters, MMR and explanations."""
from heihachi_index.search.explain import explain
from heihachi_index.search.filters import SearchFilters, camelot_code
from heihachi_index.search.hit import Hit
from heihachi_index.search.mmr import DEFAULT_LAMBDA, mmr
from heihachi_index.search.query import ResolvedQuery, resolve_query
from heihachi_index.search.similar import similar

__all__ = ["DEFAULT_LAMBDA", "Hit", "ResolvedQuery", "SearchFilters", "camelot_code", "explain", "mmr",
           "resolve_query", "similar"]
