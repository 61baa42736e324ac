"""Opening a file: path checks, header checks, the FFmpeg container and its audio stream.

:func:`probe` reads only headers (no decoding). :func:`open_audio` is what the decoder builds on; it
raises the header-level errors: missing/unreadable/empty file, not audio, unsupported codec, invalid
header, corrupt container.
"""
from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass
from typing import Any

import av

from ..config import AudioConfig
from .errors import (
    AudioError,
    CorruptFileError,
    EmptyFileError,
    MissingFileError,
    NotAudioError,
    TruncatedError,
    UnreadableFileError,
    UnsupportedCodecError,
)
from .sniff import WAV_FORMAT_NAMES, Sniff, sniff
from .validate import check_channels, check_declared_duration, check_sample_rate

# Containers whose header gives the exact length (so a shorter decode means the file was cut short).
# MP3 joins them when it has a Xing/Info/VBRI header; elsewhere FFmpeg's duration may be an estimate.
# WAV and AIFF lengths come from the header parsed in .sniff (PCM payloads only), not from FFmpeg,
# which estimates the length of a cut-short WAV from the file size.
EXACT_LENGTH_FORMATS = frozenset({"flac", "mov,mp4,m4a,3gp,3g2,mj2", "w64", "caf"})
FORMAT_NAMES = {"mov,mp4,m4a,3gp,3g2,mj2": "mp4", "matroska,webm": "matroska"}
KIND_NAMES = {"wav": "WAV", "aiff": "AIFF", "flac": "FLAC", "mp3": "MP3", "mp4": "MP4", "ogg": "Ogg",
              "caf": "CAF", "matroska": "Matroska", "w64": "Wave64", "adts": "AAC"}


@dataclass(frozen=True)
class AudioInfo:
    """Header information of an audio file (nothing decoded).

    ``duration`` is in seconds, None when the file does not say; ``duration_exact`` is True when the
    header declares the length (wav, aiff, flac, mp4, mp3 with a Xing/Info header) and False when
    FFmpeg estimated it (e.g. from the bit rate). ``format`` is the container (``wav``, ``flac``,
    ``mp3``, ``ogg``, ``mp4``, ``aiff``, ...), ``codec`` the audio codec (``pcm_s16le``, ``flac``, ``mp3``,
    ``vorbis``, ``opus``, ``aac``, ``alac``, ...).
    """

    path: str
    format: str
    codec: str
    sample_rate: int
    channels: int
    duration: float | None
    duration_exact: bool
    bit_rate: int | None
    sample_format: str | None
    bits_per_sample: int | None
    size_bytes: int


@dataclass
class OpenedAudio:
    """An open container positioned at the start, with its chosen audio stream (internal)."""

    path: str
    container: Any
    stream: Any
    info: AudioInfo
    sniff: Sniff

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing never matters more than the error being reported
            self.container.close()


def probe(path: str | os.PathLike[str], *, config: AudioConfig | None = None) -> AudioInfo:
    """Header information of ``path`` without decoding the audio. Raises the header-level
    :class:`~.errors.AudioError` subclasses."""
    opened = open_audio(path, config or AudioConfig())
    opened.close()
    return opened.info


def open_audio(path: str | os.PathLike[str], cfg: AudioConfig) -> OpenedAudio:
    p = os.fspath(path)
    size = _check_path(p)
    try:
        sn = sniff(p)
    except PermissionError as exc:
        raise UnreadableFileError(p, "permission denied") from exc
    except OSError as exc:
        raise UnreadableFileError(p, f"cannot read: {exc.strerror or exc}") from exc
    if sn.description is not None:
        raise NotAudioError(p, f"not audio: looks like {sn.description}")
    if sn.kind in ("wav", "aiff") and sn.problem is None:
        where = f"{KIND_NAMES[sn.kind]} header"
        check_sample_rate(p, sn.sample_rate, cfg, where)
        check_channels(p, sn.channels, cfg, where)
        check_declared_duration(p, sn.declared_duration, cfg)

    try:
        container = av.open(p, metadata_errors="replace")
    except MemoryError:
        raise
    except Exception as exc:
        raise _open_failed(p, sn, exc) from exc
    try:
        stream = _audio_stream(p, container, sn)
        info = _info(p, size, container, stream, sn, cfg)
    except (AudioError, MemoryError, KeyboardInterrupt):
        container.close()
        raise
    except Exception as exc:  # a PyAV surprise on an odd stream: still a typed error
        container.close()
        raise _open_failed(p, sn, exc) from exc
    return OpenedAudio(p, container, stream, info, sn)


def ffmpeg_reason(exc: BaseException) -> str:
    """The human part of a PyAV/FFmpeg exception ("Invalid data found when processing input")."""
    text = getattr(exc, "strerror", None)
    return str(text) if text else f"{type(exc).__name__}: {exc}"


def _check_path(p: str) -> int:
    try:
        st = os.stat(p)
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise MissingFileError(p) from exc
    except PermissionError as exc:
        raise UnreadableFileError(p, "permission denied") from exc
    except OSError as exc:
        raise UnreadableFileError(p, f"cannot read: {exc.strerror or exc}") from exc
    if stat.S_ISDIR(st.st_mode):
        raise NotAudioError(p, "not audio: is a directory")
    if not stat.S_ISREG(st.st_mode):
        raise NotAudioError(p, "not audio: not a regular file")
    if st.st_size == 0:
        raise EmptyFileError(p, "file is empty (0 bytes)")
    return st.st_size


def _open_failed(p: str, sn: Sniff, exc: BaseException) -> AudioError:
    reason = ffmpeg_reason(exc)
    if sn.truncation:
        return TruncatedError(p, f"file is cut short: {sn.truncation}")
    if sn.is_audio:
        kind = KIND_NAMES.get(sn.kind or "", sn.kind)
        return CorruptFileError(p, f"cannot read this {kind} file: {sn.problem or reason}")
    return NotAudioError(p, f"not audio: not a recognised audio format (FFmpeg: {reason})")


def _audio_stream(p: str, container: Any, sn: Sniff) -> Any:
    audio = list(container.streams.audio)
    if not audio:
        found = ", ".join(f"{s.type} ({_codec_name(s) or 'unknown codec'})" for s in container.streams)
        fmt = FORMAT_NAMES.get(container.format.name, container.format.name)
        raise NotAudioError(p, f"no audio stream in this {fmt} file" + (f" (found {found})" if found else ""))
    try:
        stream = container.streams.best("audio") or audio[0]
    except Exception:
        stream = audio[0]
    if stream.codec_context is None:
        raise UnsupportedCodecError(p, f"unsupported audio codec ({_codec_description(stream, sn)})")
    return stream


def _codec_name(stream: Any) -> str | None:
    cc = stream.codec_context
    if cc is None:
        return None
    codec = cc.codec
    return getattr(codec, "canonical_name", None) or codec.name


def _codec_description(stream: Any, sn: Sniff) -> str:
    if sn.kind == "wav" and sn.format_tag is not None:
        name = WAV_FORMAT_NAMES.get(sn.format_tag)
        return f"WAV format tag 0x{sn.format_tag:04X}" + (f", {name}" if name else "")
    if sn.kind == "aiff" and sn.compression:
        return f"AIFC compression type {sn.compression!r}"
    return "no decoder for it in this FFmpeg build"


def _info(p: str, size: int, container: Any, stream: Any, sn: Sniff, cfg: AudioConfig) -> AudioInfo:
    cc = stream.codec_context
    fmt_raw = container.format.name
    sample_rate = int(cc.sample_rate or 0)
    channels = int(cc.channels or 0)
    if sample_rate <= 0 or channels <= 0:
        what = KIND_NAMES.get(sn.kind or "", fmt_raw)
        if sn.is_audio:
            raise CorruptFileError(p, f"no valid audio frames found in this {what} file")
        raise NotAudioError(p, f"not audio: no valid audio frames found (FFmpeg tried {fmt_raw})")
    check_sample_rate(p, sample_rate, cfg, "stream")
    check_channels(p, channels, cfg, "stream")

    duration: float | None = None
    exact = False
    if sn.kind in ("wav", "aiff") and sn.declared_duration is not None:
        duration, exact = sn.declared_duration, True
    else:
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / av.time_base
        if duration is not None and duration > 0:
            exact = fmt_raw in EXACT_LENGTH_FORMATS or (fmt_raw == "mp3" and sn.mp3_length_header)
        else:
            duration = None
    if exact:
        check_declared_duration(p, duration, cfg)
    bit_rate = cc.bit_rate or container.bit_rate or None
    return AudioInfo(
        path=p,
        format=FORMAT_NAMES.get(fmt_raw, fmt_raw.split(",")[0]),
        codec=_codec_name(stream) or "unknown",
        sample_rate=sample_rate,
        channels=channels,
        duration=duration,
        duration_exact=exact,
        bit_rate=int(bit_rate) if bit_rate else None,
        sample_format=cc.format.name if cc.format is not None else None,
        bits_per_sample=sn.bits_per_sample if sn.kind in ("wav", "aiff") else None,
        size_bytes=size,
    )
