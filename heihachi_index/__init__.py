"""heihachi-index: an embedding index and semantic search service for electronic music."""
__version__ = "0.1.0"
