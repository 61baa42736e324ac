"""Look at a file's first bytes: what kind of file it is and, for WAV and AIFF, what its header declares.

FFmpeg does the decoding; this module only exists so that errors can say *why* a file is bad. FFmpeg
refuses a WAV whose sample rate is 0 with a generic "Invalid data", does not report the channel count
of a WAV that claims 1000 channels, and estimates the length of a cut-short WAV from the file size
instead of the header. So WAV/RF64 and AIFF/AIFC headers are parsed here (a few hundred bytes), MP3s
are checked for a Xing/Info/VBRI header (without one FFmpeg's duration is a bit-rate estimate), MP4
top-level boxes are walked for a box that runs past the end of the file, and non-audio files are
recognised well enough to name them (text, PNG, JPEG, ...). Nothing here ever raises on bad input.
"""
from __future__ import annotations

import math
import os
import struct
from dataclasses import dataclass, field
from typing import BinaryIO

HEAD_BYTES = 64 * 1024
_MAX_CHUNKS = 4096
_INFO_BYTES = 1 << 20  # RIFF LIST/INFO chunks larger than this are not read

# Kinds that are audio containers or elementary streams.
AUDIO_KINDS = frozenset({"wav", "aiff", "flac", "mp3", "mp4", "ogg", "caf", "matroska", "w64", "adts",
                         "ape", "wavpack", "amr", "ac3", "au"})
# Kinds that are clearly something else, with the words used in error messages.
NON_AUDIO_KINDS = {
    "text": "a text file",
    "png": "a PNG image",
    "jpeg": "a JPEG image",
    "gif": "a GIF image",
    "webp": "a WebP image",
    "bmp": "a BMP image",
    "pdf": "a PDF document",
    "zip": "a ZIP archive",
    "gzip": "a gzip archive",
    "elf": "an executable",
}

# WAV format tags whose data size divided by the block size is the frame count (PCM, float, A-law, mu-law);
# for compressed payloads (ADPCM, MP3 in WAV) the header gives no exact length.
_WAV_PCM_TAGS = frozenset({0x0001, 0x0003, 0x0006, 0x0007})
# AIFC compression types that are plain PCM (numSampleFrames is the exact length).
_AIFC_PCM = frozenset({"NONE", "none", "sowt", "twos", "in24", "in32", "fl32", "FL32", "fl64", "FL64",
                       "raw ", "alaw", "ALAW", "ulaw", "ULAW"})

# WAV format tags worth naming in messages.
WAV_FORMAT_NAMES = {
    0x0001: "PCM", 0x0003: "IEEE float", 0x0006: "A-law", 0x0007: "mu-law", 0x0002: "MS ADPCM",
    0x0011: "IMA ADPCM", 0x0055: "MPEG layer 3", 0x0050: "MPEG", 0xFFFE: "extensible",
}


@dataclass
class Sniff:
    """What the first bytes say. ``kind`` is None when nothing was recognised."""

    kind: str | None = None
    size: int = 0
    # Header values (WAV and AIFF only; None elsewhere or when absent).
    format_tag: int | None = None
    compression: str | None = None  # AIFC compression type
    sample_rate: float | None = None
    channels: int | None = None
    bits_per_sample: int | None = None
    declared_frames: int | None = None  # from the WAV data size or AIFF COMM; None when unknown
    # MP3: a Xing/Info/VBRI header gives FFmpeg an exact length.
    mp3_length_header: bool = False
    # Evidence that the file was cut short (a chunk or box running past the end), as a phrase.
    truncation: str | None = None
    # Problems in the header parsed here, as phrases (e.g. "no fmt chunk").
    problem: str | None = None
    # RIFF LIST/INFO text tags (INAM, IART, IPRD, IGNR, ...).
    riff_info: dict[str, str] = field(default_factory=dict)

    @property
    def is_audio(self) -> bool:
        return self.kind in AUDIO_KINDS

    @property
    def description(self) -> str | None:
        """Words for a non-audio kind ("a PNG image"), else None."""
        return NON_AUDIO_KINDS.get(self.kind or "")

    @property
    def declared_duration(self) -> float | None:
        if self.declared_frames is None or not self.sample_rate or not math.isfinite(self.sample_rate):
            return None
        return self.declared_frames / self.sample_rate


def sniff(path: str) -> Sniff:
    """Read the start of ``path`` (and a few chunk headers) and describe it. Raises only ``OSError``
    from opening the file; anything malformed inside is reported in the result."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        head = f.read(HEAD_BYTES)
        out = Sniff(size=size)
        try:
            _identify(f, head, out)
        except (struct.error, ValueError, OverflowError, OSError):
            out.problem = out.problem or "malformed header"
    return out


def _identify(f: BinaryIO, head: bytes, out: Sniff) -> None:
    if len(head) >= 12 and head[:4] in (b"RIFF", b"RIFX", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        out.kind = "wav"
        _parse_wav(f, head, out)
    elif len(head) >= 12 and head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        out.kind = "aiff"
        _parse_aiff(f, head, out)
    elif len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        out.kind = "webp"
    elif head[:16] == b"riff\x2e\x91\xcf\x11\xa5\xd6\x28\xdb\x04\xc1\x00\x00":
        out.kind = "w64"
    elif head[:4] == b"fLaC":
        out.kind = "flac"
    elif head[:4] == b"OggS":
        out.kind = "ogg"
    elif head[:4] == b"caff":
        out.kind = "caf"
    elif head[:4] == b"\x1a\x45\xdf\xa3":
        out.kind = "matroska"
    elif len(head) >= 8 and head[4:8] == b"ftyp":
        out.kind = "mp4"
        _walk_mp4(f, out)
    elif head[:4] == b"wvpk":
        out.kind = "wavpack"
    elif head[:4] == b"MAC ":
        out.kind = "ape"
    elif head[:5] == b"#!AMR":
        out.kind = "amr"
    elif head[:4] == b".snd":
        out.kind = "au"
    elif head[:3] == b"ID3":
        _after_id3(f, head, out)
    elif len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0:
        if (head[1] & 0x06) == 0:  # layer bits 00: ADTS AAC
            out.kind = "adts"
        else:
            out.kind = "mp3"
            out.mp3_length_header = _has_vbr_header(head, 0)
    elif head[:2] == b"\x0b\x77":
        out.kind = "ac3"
    elif head[:8] == b"\x89PNG\r\n\x1a\n":
        out.kind = "png"
    elif head[:3] == b"\xff\xd8\xff":
        out.kind = "jpeg"
    elif head[:4] in (b"GIF8",):
        out.kind = "gif"
    elif head[:2] == b"BM" and len(head) >= 26:
        out.kind = "bmp"
    elif head[:5] == b"%PDF-":
        out.kind = "pdf"
    elif head[:4] == b"PK\x03\x04":
        out.kind = "zip"
    elif head[:2] == b"\x1f\x8b":
        out.kind = "gzip"
    elif head[:4] == b"\x7fELF":
        out.kind = "elf"
    elif _looks_like_text(head):
        out.kind = "text"


def _looks_like_text(head: bytes) -> bool:
    sample = head[:4096]
    if not sample or b"\0" in sample:
        return False
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # a character cut at the end of the sample is fine
            return False
        text = sample[: exc.start].decode("utf-8")
    printable = sum(ch.isprintable() or ch in "\r\n\t\f" for ch in text)
    return printable >= 0.95 * max(len(text), 1)


# --- WAV ---------------------------------------------------------------------------------------------


def _parse_wav(f: BinaryIO, head: bytes, out: Sniff) -> None:
    big = head[:4] == b"RIFX"
    e = ">" if big else "<"
    rf64 = head[:4] in (b"RF64", b"BW64")
    ds64_data: int | None = None
    block_align = 0
    data_size: int | None = None
    seen_data = False
    pos = 12
    for _ in range(_MAX_CHUNKS):
        if pos + 8 > out.size:
            break
        f.seek(pos)
        hdr = f.read(8)
        if len(hdr) < 8:
            break
        cid = hdr[:4]
        (csize,) = struct.unpack(e + "I", hdr[4:])
        body_at = pos + 8
        if cid == b"fmt " and out.format_tag is None:
            body = f.read(min(csize, 64))
            if len(body) < 16:
                out.problem = "fmt chunk too short"
                return
            tag, ch, sr, _byte_rate, block_align, bits = struct.unpack(e + "HHIIHH", body[:16])
            if tag == 0xFFFE and len(body) >= 26:  # WAVE_FORMAT_EXTENSIBLE: real tag in the GUID
                (tag,) = struct.unpack(e + "H", body[24:26])
            out.format_tag, out.channels, out.sample_rate, out.bits_per_sample = tag, ch, float(sr), bits
        elif cid == b"ds64" and rf64:
            body = f.read(min(csize, 28))
            if len(body) >= 16:
                ds64_data = struct.unpack("<Q", body[8:16])[0]
        elif cid == b"data" and not seen_data:
            seen_data = True
            data_size = csize
            if rf64 and csize == 0xFFFFFFFF and ds64_data is not None:
                data_size = ds64_data
            if data_size in (0, 0xFFFFFFFF):  # streaming writers: size unknown, audio runs to the end
                data_size = None
                break
            available = out.size - body_at
            if data_size > available:
                out.truncation = (f"header declares {data_size} bytes of audio data, "
                                  f"the file holds {max(available, 0)}")
                break
            pos = body_at + data_size + (data_size & 1)
            continue  # keep walking: a LIST/INFO chunk often follows the audio
        elif cid == b"LIST" and csize <= _INFO_BYTES:
            body = f.read(csize)
            if body[:4] == b"INFO":
                out.riff_info.update(_riff_info(body[4:], e))
        pos = body_at + csize + (csize & 1)
    if out.format_tag is None:
        out.problem = "no fmt chunk"
        return
    if not seen_data:
        out.problem = "no data chunk"
        return
    if data_size is not None and block_align > 0 and out.format_tag in _WAV_PCM_TAGS:
        out.declared_frames = data_size // block_align


def _riff_info(body: bytes, e: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    pos = 0
    while pos + 8 <= len(body) and len(tags) < 64:
        cid = body[pos:pos + 4].decode("latin-1")
        (n,) = struct.unpack(e + "I", body[pos + 4:pos + 8])
        raw = body[pos + 8:pos + 8 + n].split(b"\0", 1)[0]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        if text.strip():
            tags[cid] = text.strip()
        pos += 8 + n + (n & 1)
    return tags


# --- AIFF --------------------------------------------------------------------------------------------


def _extended80(b: bytes) -> float:
    """IEEE 754 80-bit extended (AIFF sample rate) to float; inf/nan for the special exponents."""
    exp_sign, mant = struct.unpack(">HQ", b[:10])
    sign = -1.0 if exp_sign & 0x8000 else 1.0
    exp = exp_sign & 0x7FFF
    if exp == 0 and mant == 0:
        return 0.0
    if exp == 0x7FFF:
        return math.nan if mant & 0x7FFFFFFFFFFFFFFF else sign * math.inf
    try:
        return sign * math.ldexp(float(mant), exp - 16383 - 63)
    except OverflowError:
        return sign * math.inf


def _parse_aiff(f: BinaryIO, head: bytes, out: Sniff) -> None:
    aifc = head[8:12] == b"AIFC"
    pos = 12
    ssnd_size: int | None = None
    ssnd_at = 0
    for _ in range(_MAX_CHUNKS):
        if pos + 8 > out.size:
            break
        f.seek(pos)
        hdr = f.read(8)
        if len(hdr) < 8:
            break
        cid = hdr[:4]
        (csize,) = struct.unpack(">I", hdr[4:])
        if cid == b"COMM":
            body = f.read(min(csize, 64))
            if len(body) < 18:
                out.problem = "COMM chunk too short"
                return
            ch, frames, bits = struct.unpack(">hIh", body[:8])
            out.channels, out.declared_frames, out.bits_per_sample = ch, frames, bits
            out.sample_rate = _extended80(body[8:18])
            if aifc and len(body) >= 22:
                out.compression = body[18:22].decode("latin-1")
        elif cid == b"SSND":
            ssnd_size, ssnd_at = csize, pos + 8
        pos = pos + 8 + csize + (csize & 1)
    if out.channels is None:
        out.problem = "no COMM chunk"
        return
    if out.compression is not None and out.compression not in _AIFC_PCM:
        out.declared_frames = None  # compressed AIFC: COMM counts packets, not frames
    if ssnd_size is not None and ssnd_at + ssnd_size > out.size:
        out.truncation = (f"header declares {ssnd_size} bytes of sound data, "
                          f"the file holds {max(out.size - ssnd_at, 0)}")


# --- MP3 / ID3 ---------------------------------------------------------------------------------------


def _after_id3(f: BinaryIO, head: bytes, out: Sniff) -> None:
    if len(head) < 10:
        out.kind = "mp3"
        return
    b = head[6:10]
    tag_size = (b[0] & 0x7F) << 21 | (b[1] & 0x7F) << 14 | (b[2] & 0x7F) << 7 | (b[3] & 0x7F)
    start = 10 + tag_size + (10 if head[5] & 0x10 else 0)
    if start > out.size:
        out.kind = "mp3"
        out.truncation = "the ID3 tag runs past the end of the file"
        return
    f.seek(start)
    nxt = f.read(4096)
    if nxt[:4] == b"fLaC":
        out.kind = "flac"
        return
    out.kind = "mp3"
    # Skip zero padding some taggers leave after the tag.
    i = 0
    while i < len(nxt) and nxt[i] == 0:
        i += 1
    if i + 1 < len(nxt) and nxt[i] == 0xFF and (nxt[i + 1] & 0xE0) == 0xE0:
        if (nxt[i + 1] & 0x06) == 0:
            out.kind = "adts"
        else:
            out.mp3_length_header = _has_vbr_header(nxt, i)


def _has_vbr_header(buf: bytes, sync: int) -> bool:
    """A Xing/Info (LAME) or VBRI header in the first MP3 frame, which FFmpeg uses for an exact length."""
    frame = buf[sync:sync + 200]
    return any(tag in frame for tag in (b"Xing", b"Info", b"VBRI"))


# --- MP4 ---------------------------------------------------------------------------------------------


def _walk_mp4(f: BinaryIO, out: Sniff) -> None:
    pos = 0
    seen: set[bytes] = set()
    for _ in range(_MAX_CHUNKS):
        if pos + 8 > out.size:
            break
        f.seek(pos)
        hdr = f.read(16)
        if len(hdr) < 8:
            break
        size, btype = struct.unpack(">I4s", hdr[:8])
        if size == 1:
            if len(hdr) < 16:
                break
            (size,) = struct.unpack(">Q", hdr[8:16])
        elif size == 0:
            size = out.size - pos
        if size < 8:
            out.problem = f"invalid MP4 box size at byte {pos}"
            return
        seen.add(btype)
        if pos + size > out.size:
            name = btype.decode("latin-1", "replace")
            out.truncation = f"the MP4 '{name}' box runs past the end of the file"
            return
        pos += size
    if b"moov" not in seen:
        out.problem = "no 'moov' box (incomplete MP4)"
