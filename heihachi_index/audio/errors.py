"""Typed errors of the decoding layer.

Every failure to turn a file into usable audio is an :class:`AudioError` naming the file and the reason
(``str(err) == "<path>: <reason>"``); raw PyAV/FFmpeg, OS or mutagen exceptions never escape
:func:`heihachi_index.audio.load`, :func:`~heihachi_index.audio.stream` or
:func:`~heihachi_index.audio.probe`. Each class has a short stable ``code`` for logs and ingest reports.
Errors pickle (ingest workers send them back to the parent process).

Hierarchy::

    AudioError
    ├── MissingFileError        (also a FileNotFoundError)
    ├── UnreadableFileError     permission denied, I/O error
    ├── EmptyFileError          zero bytes
    ├── NotAudioError           text, random bytes, an image, a container without an audio stream
    ├── UnsupportedCodecError   an audio stream no decoder handles (e.g. unknown WAV format tag)
    ├── InvalidHeaderError      absurd header values (rate, channels, declared duration)
    ├── CorruptFileError        a recognised container that cannot be read
    │   └── TruncatedError      cut short, or a decoder error in the middle of the stream
    ├── InvalidSamplesError     NaN or infinite samples
    ├── SilentAudioError        whole-file peak below ``AudioConfig.silence_dbfs``
    ├── TooShortError           shorter than ``AudioConfig.min_duration_s``
    └── TooLongError            decodes to more than ``AudioConfig.max_duration_s``
"""
from __future__ import annotations

import errno
import os
from typing import Any

__all__ = [
    "AudioError",
    "MissingFileError",
    "UnreadableFileError",
    "EmptyFileError",
    "NotAudioError",
    "UnsupportedCodecError",
    "InvalidHeaderError",
    "CorruptFileError",
    "TruncatedError",
    "InvalidSamplesError",
    "SilentAudioError",
    "TooShortError",
    "TooLongError",
]


class AudioError(Exception):
    """A file that cannot be used as audio. ``path`` and ``reason`` are plain strings."""

    code = "audio_error"

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = os.fspath(path) if not isinstance(path, str) else path
        self.reason = str(reason)
        super().__init__(self.path, self.reason)

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.reason))


class MissingFileError(AudioError, FileNotFoundError):
    """The path does not exist (``except FileNotFoundError`` catches it too)."""

    code = "missing"

    def __init__(self, path: str | os.PathLike[str], reason: str = "no such file") -> None:
        AudioError.__init__(self, path, reason)
        self.errno = errno.ENOENT
        self.strerror = self.reason
        self.filename = self.path


class UnreadableFileError(AudioError):
    """The file exists but cannot be read (permission denied, I/O error)."""

    code = "unreadable"


class EmptyFileError(AudioError):
    """The file has zero bytes."""

    code = "empty"


class NotAudioError(AudioError):
    """Not an audio file: text, random bytes, an image, or a container with no audio stream."""

    code = "not_audio"


class UnsupportedCodecError(AudioError):
    """A container with an audio stream whose codec no available decoder supports."""

    code = "unsupported_codec"


class InvalidHeaderError(AudioError):
    """Absurd header values: sample rate or channel count 0 or too large, declared duration too long."""

    code = "invalid_header"


class CorruptFileError(AudioError):
    """A recognised audio container that cannot be read."""

    code = "corrupt"


class TruncatedError(CorruptFileError):
    """The file is cut short (declared length much longer than the decodable data) or the decoder
    failed in the middle of the stream."""

    code = "truncated"


class InvalidSamplesError(AudioError):
    """The decoded samples contain NaN or infinity."""

    code = "invalid_samples"


class SilentAudioError(AudioError):
    """The whole file's peak is below ``AudioConfig.silence_dbfs``."""

    code = "silent"


class TooShortError(AudioError):
    """The decoded audio is shorter than ``AudioConfig.min_duration_s``."""

    code = "too_short"


class TooLongError(AudioError):
    """The decoded audio runs past ``AudioConfig.max_duration_s`` (decoding stops there)."""

    code = "too_long"
