"""Search over the track index: ``similar()`` (tracks like this) with DJ filters, MMR and explanations, and
``search_text()`` (a description) through ``analyze_text()``."""
from heihachi_index.search.explain import explain
from heihachi_index.search.filters import SearchFilters, camelot_code
from heihachi_index.search.hit import Hit
from heihachi_index.search.mmr import DEFAULT_LAMBDA, mmr
from heihachi_index.search.query import ResolvedQuery, resolve_query
from heihachi_index.search.similar import similar
from heihachi_index.search.text import ConceptWeight, TextAnalysis, analyze_text, search_text

__all__ = ["DEFAULT_LAMBDA", "ConceptWeight", "Hit", "ResolvedQuery", "SearchFilters", "TextAnalysis", "analyze_text",
           "camelot_code", "explain", "mmr", "resolve_query", "search_text", "similar"]
