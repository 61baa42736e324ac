"""Drum hits out (and back in): JSON with the grid and patterns, CSV, and General MIDI drum files."""
from __future__ import annotations

import csv
import io
import json
import os
from typing import Any, Sequence

import mido
import numpy as np

from heihachi_index.analysis.beat import BeatGrid
from heihachi_index.analysis.patterns import PatternAnalysis
from heihachi_index.analysis.types import DRUM_CLASSES, OTHER, DrumHit

#: General MIDI percussion notes (channel 10) of the drum classes.
GM_NOTES: dict[str, int] = {
    "kick": 36, "snare": 38, "clap": 39, "hihat_closed": 42, "hihat_open": 46, "tom": 45, "crash": 49, "ride": 51,
}
#: Notes read back as a class (GM's other toms, kicks, snares and cymbals included).
GM_LABELS: dict[int, str] = {
    **{n: label for label, n in GM_NOTES.items()},
    35: "kick", 40: "snare", 37: "snare", 44: "hihat_closed", 41: "tom", 43: "tom", 47: "tom", 48: "tom", 50: "tom",
    52: "crash", 55: "crash", 57: "crash", 53: "ride", 59: "ride",
}
DRUM_CHANNEL = 9  # zero-based: MIDI channel 10
TICKS_PER_BEAT = 480
NOTE_SECONDS = 0.05  # a drum note's length: GM drums ignore note-off, but a file needs one
CSV_FIELDS = ("time", "label", "confidence", "velocity")


class ExportError(ValueError):
    """Hits or parameters that cannot be written (or a file that cannot be read back)."""


def _check(hits: Sequence[DrumHit]) -> list[DrumHit]:
    hits = list(hits)
    for h in hits:
        if not isinstance(h, DrumHit):
            raise ExportError(f"expected DrumHit, got {type(h).__name__}")
        if not (np.isfinite(h.time) and np.isfinite(h.velocity) and np.isfinite(h.confidence)):
            raise ExportError(f"hit with a non-finite value: {h}")
        if h.time < 0:
            raise ExportError(f"hit before the start of the track: {h}")
        if h.label not in DRUM_CLASSES and h.label != OTHER:
            raise ExportError(f"unknown drum label {h.label!r}")
    return sorted(hits, key=lambda h: (h.time, h.label))


def hits_to_json(hits: Sequence[DrumHit], grid: BeatGrid | None = None, patterns: PatternAnalysis | None = None) -> str:
    """JSON document ``{"hits": [...], "grid": {...}?, "patterns": {...}?}`` (times in seconds)."""
    doc: dict[str, Any] = {"hits": [{"time": round(h.time, 6), "label": h.label,
                                     "confidence": round(float(h.confidence), 4),
                                     "velocity": round(float(h.velocity), 4)} for h in _check(hits)]}
    if grid is not None:
        doc["grid"] = grid.to_dict()
    if patterns is not None:
        doc["patterns"] = patterns.to_dict()
    return json.dumps(doc, separators=(",", ":"))


def hits_from_json(text: str) -> list[DrumHit]:
    """The hits of a :func:`hits_to_json` document."""
    try:
        doc = json.loads(text)
        rows = doc["hits"]
        return _check([DrumHit(float(r["time"]), str(r["label"]), float(r.get("confidence", 1.0)),
                               float(r.get("velocity", 1.0))) for r in rows])
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ExportError):
            raise
        raise ExportError(f"not a hits JSON document: {exc}") from exc


def hits_to_csv(hits: Sequence[DrumHit]) -> str:
    """CSV with a header ``time,label,confidence,velocity``, one hit per row, sorted by time."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for h in _check(hits):
        writer.writerow([f"{h.time:.6f}", h.label, f"{h.confidence:.4f}", f"{h.velocity:.4f}"])
    return out.getvalue()


def hits_from_csv(text: str) -> list[DrumHit]:
    """The hits of a :func:`hits_to_csv` table."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or not {"time", "label"} <= set(reader.fieldnames):
        raise ExportError(f"CSV needs the columns time and label, got {reader.fieldnames}")
    try:
        return _check([DrumHit(float(r["time"]), r["label"], float(r.get("confidence") or 1.0),
                               float(r.get("velocity") or 1.0)) for r in reader])
    except ValueError as exc:
        if isinstance(exc, ExportError):
            raise
        raise ExportError(f"bad CSV row: {exc}") from exc


def midi_velocity(velocity: float) -> int:
    """A 0-1 velocity as a MIDI velocity 1-127 (0 would be a note-off)."""
    return int(np.clip(round(float(velocity) * 127), 1, 127))


def hits_to_midi(hits: Sequence[DrumHit], path: str | os.PathLike[str], tempo: float,
                 other_note: int | None = None) -> mido.MidiFile:
    """Write the hits as a type-0 Standard MIDI File of General MIDI drums on channel 10.

    Parameters
    ----------
    hits : sequence of DrumHit
        Notes are :data:`GM_NOTES`; velocities 1-127 from the hits' 0-1 velocity. Hits labelled
        ``"other"`` are written as ``other_note`` or, when it is None, left out.
    path : path-like
        Where to write the ``.mid`` file.
    tempo : float
        Tempo (BPM) of the file; hit times are kept in seconds, so it only sets what a sequencer shows
        as beats (pass the grid's tempo to line them up with its bars).

    Returns
    -------
    mido.MidiFile
        The file written.
    """
    if not (np.isfinite(tempo) and 20.0 <= tempo <= 400.0):
        raise ExportError(f"tempo must be within 20-400 BPM, got {tempo}")
    if other_note is not None and not 0 <= other_note <= 127:
        raise ExportError(f"other_note must be a MIDI note 0-127, got {other_note}")
    ticks_per_second = TICKS_PER_BEAT * tempo / 60.0
    loudest: dict[tuple[int, int], int] = {}  # (note, tick) -> velocity: one note per key and tick
    for h in _check(hits):
        note = GM_NOTES.get(h.label, other_note)
        if note is None:
            continue
        key = (note, int(round(h.time * ticks_per_second)))
        loudest[key] = max(loudest.get(key, 0), midi_velocity(h.velocity))
    length = max(1, int(round(NOTE_SECONDS * ticks_per_second)))
    events: list[tuple[int, int, int, int]] = []  # (tick, order, note, velocity); note-offs (order 0) first
    keys = sorted(loudest)
    for i, (note, tick) in enumerate(keys):
        end = tick + length
        if i + 1 < len(keys) and keys[i + 1][0] == note:
            end = min(end, keys[i + 1][1])  # a repeated note ends where the next one starts
        events.append((tick, 1, note, loudest[(note, tick)]))
        events.append((end, 0, note, 0))
    events.sort()
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(tempo), time=0))
    track.append(mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0))
    now = 0
    for tick, order, note, vel in events:
        kind = "note_on" if order == 1 else "note_off"
        track.append(mido.Message(kind, channel=DRUM_CHANNEL, note=note, velocity=vel, time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    mid = mido.MidiFile(type=0, ticks_per_beat=TICKS_PER_BEAT)
    mid.tracks.append(track)
    mid.save(os.fspath(path))
    return mid


def hits_from_midi(path: str | os.PathLike[str]) -> list[DrumHit]:
    """Drum hits of a MIDI file: note-ons on channel 10, times in seconds through the file's tempo map,
    labels from :data:`GM_LABELS` (other notes become ``"other"``), velocity / 127."""
    try:
        mid = mido.MidiFile(os.fspath(path))
    except (OSError, EOFError, ValueError) as exc:
        raise ExportError(f"cannot read MIDI file {path}: {exc}") from exc
    hits, now = [], 0.0
    for msg in mid:  # iterating a MidiFile yields messages with times in seconds
        now += msg.time
        if msg.type == "note_on" and msg.velocity > 0 and msg.channel == DRUM_CHANNEL:
            hits.append(DrumHit(now, GM_LABELS.get(msg.note, OTHER), 1.0, msg.velocity / 127.0))
    return hits
