"""Decoding layer: any audio file to float32 samples at the rate a consumer asks for, with typed errors.

One path for every format (PyAV/FFmpeg): wav (pcm 8/16/24/32, float), flac, ogg/vorbis, opus, mp3,
m4a (aac, alac), aiff, at any sample rate and channel count. Mono is the mean of the channels and
resampling is soxr HQ, matching ``librosa.load``'s defaults.

- :func:`load` - a whole file as an :class:`Audio` (samples, rates, codec, track id, tags, fingerprint).
- :func:`stream` - a long file as mono blocks in bounded memory (:class:`AudioStream`).
- :func:`probe` - header information (:class:`AudioInfo`) without decoding.
- :func:`fingerprint`, :func:`fingerprint_similarity` - perceptual fingerprints for lossy copies.
- :mod:`.errors` - :class:`AudioError` and its subclasses, raised for every unusable file.
"""
from .errors import (
    AudioError,
    CorruptFileError,
    EmptyFileError,
    InvalidHeaderError,
    InvalidSamplesError,
    MissingFileError,
    NotAudioError,
    SilentAudioError,
    TooLongError,
    TooShortError,
    TruncatedError,
    UnreadableFileError,
    UnsupportedCodecError,
)
from .fingerprint import FP_SR, fingerprint, fingerprint_similarity
from .identity import track_uuid
from .load import Audio, load
from .probe import AudioInfo, probe
from .stream import AudioStream, stream
from .tags import Tags, read_tags

__all__ = [
    "Audio",
    "AudioInfo",
    "AudioStream",
    "Tags",
    "load",
    "stream",
    "probe",
    "read_tags",
    "fingerprint",
    "fingerprint_similarity",
    "track_uuid",
    "FP_SR",
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
