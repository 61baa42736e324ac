"""Ingestion pipeline: discover files, analyse them in worker processes, write them to the index."""
from heihachi_index.pipeline.analyze import Analysis, Failed, Skipped, analyze_file
from heihachi_index.pipeline.discover import AUDIO_EXTENSIONS, discover
from heihachi_index.pipeline.ingest import IngestReport, ingest

__all__ = ["AUDIO_EXTENSIONS", "Analysis", "Failed", "IngestReport", "Skipped", "analyze_file", "discover", "ingest"]
