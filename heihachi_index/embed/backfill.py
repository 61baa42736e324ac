"""Backfill: add neural embedding families to tracks already in the index.

For every complete track (payload ``complete`` and ``path``) that lacks a family, the file is
decoded once as a stream of blocks at its own rate (bounded memory, hour-long mixes included), the
blocks go to every missing family's :class:`~.base.EmbeddingStream` (each resamples for its model),
window vectors go to the :class:`~.store.WindowStore` and track vectors to the index with
:meth:`TrackIndex.set_vectors`, a batch of tracks at a time. Resumable: a re-run only sees tracks
that still lack a family. A missing, changed or undecodable file is reported and skipped.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Mapping

import numpy as np

from heihachi_index.audio import AudioError, stream
from heihachi_index.config import AudioConfig
from heihachi_index.embed.base import Embedding, WindowEmbedder
from heihachi_index.embed.errors import EmbedError
from heihachi_index.embed.store import WindowStore
from heihachi_index.index import TrackIndex
from heihachi_index.logs import get_logger
from heihachi_index.progress import progress

log = get_logger(__name__)


@dataclass
class BackfillResult:
    """One track: the families embedded, or the reason it failed."""

    track_id: str
    path: str
    families: list[str]
    duration: float = 0.0
    error: str | None = None


@dataclass
class BackfillReport:
    embedded: dict[str, int] = field(default_factory=dict)
    present: dict[str, int] = field(default_factory=dict)
    failed: list[dict] = field(default_factory=list)
    tracks: int = 0
    seconds: float = 0.0
    audio_seconds: float = 0.0

    @property
    def realtime_factor(self) -> float:
        return self.audio_seconds / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict:
        return {**asdict(self), "realtime_factor": round(self.realtime_factor, 2)}

    def summary(self) -> str:
        fams = sorted(set(self.embedded) | set(self.present))
        lines = [f"{f}: embedded {self.embedded.get(f, 0)}, already present {self.present.get(f, 0)}" for f in fams]
        lines.append(f"{self.tracks} tracks in {self.seconds:.1f} s ({self.realtime_factor:.1f}x realtime), "
                     f"failed {len(self.failed)}")
        lines += [f"  failed: {row['reason']}" for row in self.failed]
        return "\n".join(lines)


def ensure_families(index: TrackIndex, embedders: Mapping[str, WindowEmbedder]) -> None:
    """Add each embedder's family to the index (CLAP unstandardised, so text and audio share one space).

    Raises
    ------
    EmbedError
        If the index already has the family with another dimension.
    """
    existing = index.families()
    for name, emb in embedders.items():
        if name in existing:
            if existing[name].dim != emb.dim:
                raise EmbedError(f"the index has family {name!r} with dimension {existing[name].dim} but the "
                                 f"configured model gives {emb.dim}: use the same checkpoint, or remove the family")
            continue
        index.add_family(name, emb.dim, standardize=emb.standardize)
        log.info("added vector family", extra={"family": name, "dim": emb.dim})


def pending_tracks(index: TrackIndex, families: list[str]) -> tuple[list[tuple[str, str, list[str]]], dict[str, int]]:
    """``[(track_id, path, missing families)]`` of complete tracks, and how many already have each family."""
    todo: list[tuple[str, str, list[str]]] = []
    present = {f: 0 for f in families}
    offset = None
    while True:
        page, offset = index.scroll(limit=256, offset=offset, with_payload=["complete", "path"], vectors=families)
        for rec in page:
            if rec.payload.get("complete") is not True or not rec.payload.get("path"):
                continue
            missing = [f for f in families if f not in rec.vectors]
            for f in families:
                present[f] += f not in missing
            if missing:
                todo.append((rec.track_id, str(rec.payload["path"]), missing))
        if offset is None:
            return todo, present


def embed_file(path: str, embedders: Mapping[str, WindowEmbedder], *, audio_config: AudioConfig | None = None,
               block_seconds: float = 60.0) -> tuple[dict[str, Embedding], str | None, float]:
    """Embed one file with several embedders from a single streamed decode.

    Returns
    -------
    (embeddings, track_id, duration)
        Embeddings by family, the decoded audio's track id and its duration in seconds.
    """
    with stream(path, sr=None, block_seconds=block_seconds, config=audio_config) as blocks:
        streams = {name: emb.stream(blocks.sr) for name, emb in embedders.items()}
        for block in blocks:
            for s in streams.values():
                s.push(block)
        return {name: s.finish() for name, s in streams.items()}, blocks.track_id, float(blocks.duration or 0.0)


def backfill(index: TrackIndex, embedders: Mapping[str, WindowEmbedder], *, window_store: WindowStore | None = None,
             batch_size: int = 16, show_progress: bool | None = None, audio_config: AudioConfig | None = None,
             on_result: Callable[[BackfillResult], None] | None = None) -> BackfillReport:
    """Embed every complete track lacking one of ``embedders``' families and store the vectors.

    Parameters
    ----------
    index : TrackIndex
        Opened for writing.
    embedders : mapping of str to embedder
        By family (see :func:`~.loader.load_embedders`).
    window_store : WindowStore, optional
        Where window vectors go (default: none kept).
    batch_size : int
        Tracks per index write.
    show_progress : bool, optional
        Force the progress bar on or off.
    audio_config : AudioConfig, optional
        Decoder limits.
    on_result : callable, optional
        Called with each track's :class:`BackfillResult`.
    """
    t0 = time.perf_counter()
    report = BackfillReport()
    if not embedders:
        raise EmbedError("no embedding model to backfill with (see `heihachi-index embed` for what is missing)")
    families = list(embedders)
    ensure_families(index, embedders)
    todo, report.present = pending_tracks(index, families)
    report.embedded = {f: 0 for f in families}
    pending: dict[str, dict[str, np.ndarray]] = {f: {} for f in families}

    def flush() -> None:
        for fam, vectors in pending.items():
            if vectors:
                index.set_vectors(fam, vectors)
                report.embedded[fam] += len(vectors)
                vectors.clear()
        index.flush()

    bar_kwargs = {} if show_progress is None else {"disable": not show_progress}
    bar = progress(total=len(todo), desc="embed", unit="track", **bar_kwargs)
    try:
        for track_id, path, missing in todo:
            result = BackfillResult(track_id, path, missing)
            try:
                embs, decoded_id, result.duration = embed_file(path, {f: embedders[f] for f in missing},
                                                               audio_config=audio_config)
                if decoded_id is not None and decoded_id != track_id:
                    raise EmbedError(f"{path}: the file no longer holds track {track_id} (its audio changed); "
                                     "re-ingest it")
            except (AudioError, EmbedError, ValueError, OSError) as exc:
                result.error = str(exc) if path in str(exc) else f"{path}: {exc}"
                result.families = []
                report.failed.append({"track_id": track_id, "path": path, "reason": result.error,
                                      "error": type(exc).__name__})
                log.warning("embedding failed", extra={"path": path, "reason": result.error})
            else:
                for fam, emb in embs.items():
                    if window_store is not None:
                        window_store.save(fam, track_id, emb)
                    pending[fam][track_id] = emb.vector
                report.audio_seconds += result.duration
                if max(len(v) for v in pending.values()) >= batch_size:
                    flush()
            report.tracks += 1
            if on_result is not None:
                on_result(result)
            bar.update(1)
        flush()
        index.finalize()
    except KeyboardInterrupt:
        flush()  # keep what is finished; a re-run resumes from there
        raise
    finally:
        bar.close()
        report.seconds = time.perf_counter() - t0
    return report
