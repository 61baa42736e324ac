"""Tests of the decoding layer (heihachi_index.audio). Every file is generated here, in tmp dirs."""
from __future__ import annotations

import math
import pickle
import shutil
import struct
import tracemalloc
from pathlib import Path

import av
import mutagen
import numpy as np
import pytest
import soundfile as sf

from heihachi_index.audio import (
    FP_SR,
    Audio,
    AudioError,
    AudioInfo,
    CorruptFileError,
    EmptyFileError,
    InvalidHeaderError,
    InvalidSamplesError,
    MissingFileError,
    NotAudioError,
    SilentAudioError,
    Tags,
    TooLongError,
    TooShortError,
    TruncatedError,
    UnreadableFileError,
    UnsupportedCodecError,
    fingerprint,
    fingerprint_similarity,
    load,
    probe,
    read_tags,
    stream,
    track_uuid,
)
from heihachi_index.config import AudioConfig

LAYOUTS = {1: "mono", 2: "stereo", 6: "5.1"}
FREQ = 997.0


# --- signal and file helpers -----------------------------------------------------------------------


def tone(freq: float = FREQ, sr: int = 44100, dur: float = 3.0, channels: int = 2,
         amp: float = 0.5) -> np.ndarray:
    """``(frames, channels)`` float32 sine, same phase in every channel, channel c at amp*(1-0.1c)."""
    t = np.arange(int(round(sr * dur))) / sr
    x = np.sin(2 * np.pi * freq * t)
    return np.stack([amp * (1 - 0.1 * c) * x for c in range(channels)], axis=1).astype(np.float32)


def synth(seed: int, dur: float = 20.0, sr: int = 44100) -> np.ndarray:
    """Music-like mono float32: a random melody of decaying harmonic notes with noise hits."""
    rng = np.random.default_rng(seed)
    n = int(dur * sr)
    y = np.zeros(n, np.float32)
    step = int(0.125 * sr)
    t = np.arange(step) / sr
    env = np.exp(-t * 12)
    for i in range(0, n - step, step):
        f0 = 110 * 2 ** (rng.integers(0, 36) / 12)
        note = sum((0.5 / h) * np.sin(2 * np.pi * f0 * h * t + rng.uniform(0, 6)) for h in range(1, 6))
        y[i:i + step] += (note * env * rng.uniform(0.3, 1)).astype(np.float32)
        if rng.random() < 0.5:
            y[i:i + step // 4] += (rng.standard_normal(step // 4) * 0.3 * env[:step // 4]).astype(np.float32)
    return (y / (np.abs(y).max() * 1.25)).astype(np.float32)


def encode(path: Path, data: np.ndarray, sr: int, codec: str, *, fmt: str | None = None,
           rate: int | None = None, bit_rate: int | None = None, options: dict | None = None) -> Path:
    """Encode ``(frames, channels)`` float32 with PyAV/FFmpeg."""
    channels = data.shape[1]
    layout = LAYOUTS[channels]
    with av.open(str(path), "w", format=fmt, options=options or {}) as out:
        st = out.add_stream(codec, rate=rate or sr, layout=layout)
        if bit_rate:
            st.bit_rate = bit_rate
        planar = np.ascontiguousarray(data.T)
        for i in range(0, planar.shape[1], 1024):
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(planar[:, i:i + 1024]), format="fltp",
                                               layout=layout)
            frame.sample_rate = sr
            frame.pts = i
            for packet in st.encode(frame):
                out.mux(packet)
        for packet in st.encode(None):
            out.mux(packet)
    return path


# kind: (suffix, soundfile format/subtype) for soundfile writers, or (suffix, PyAV codec, options) for PyAV.
SF_WRITERS = {
    "wav_pcm16": (".wav", "WAV", "PCM_16"),
    "wav_pcm24": (".wav", "WAV", "PCM_24"),
    "wav_pcm32": (".wav", "WAV", "PCM_32"),
    "wav_float": (".wav", "WAV", "FLOAT"),
    "aiff": (".aiff", "AIFF", "PCM_16"),
    "ogg_vorbis": (".ogg", "OGG", "VORBIS"),
}
AV_WRITERS = {
    "flac": (".flac", "flac", {}),
    "opus": (".opus", "libopus", {"rate": 48000, "bit_rate": 128000}),
    "mp3": (".mp3", "libmp3lame", {"bit_rate": 192000}),
    "m4a_aac": (".m4a", "aac", {"bit_rate": 192000}),
    "m4a_alac": (".m4a", "alac", {}),
}


def write_format(path_stem: Path, kind: str, data: np.ndarray, sr: int) -> Path:
    """One of the supported formats, written by soundfile (wav, aiff, ogg) or PyAV (the rest)."""
    if kind in SF_WRITERS:
        suffix, fmt, subtype = SF_WRITERS[kind]
        path = path_stem.with_suffix(suffix)
        sf.write(path, data, sr, format=fmt, subtype=subtype)
        return path
    suffix, codec, kwargs = AV_WRITERS[kind]
    return encode(path_stem.with_suffix(suffix), data, sr, codec, **kwargs)


def peak_hz(y: np.ndarray, sr: int) -> float:
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    return float(np.argmax(spec) * sr / len(y))


def rms(y: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(y, dtype=np.float64))))


def patch(src: Path, dst: Path, offset: int, fmt: str, value: int) -> Path:
    b = bytearray(src.read_bytes())
    b[offset:offset + struct.calcsize(fmt)] = struct.pack(fmt, value)
    dst.write_bytes(bytes(b))
    return dst


def check_error(exc: AudioError, cls: type, path: Path | str, *words: str) -> None:
    """The right class, the file named, the reason explains, and str() = "<path>: <reason>"."""
    assert type(exc) is cls, f"{type(exc).__name__}: {exc}"
    assert exc.path == str(path)
    assert str(exc) == f"{path}: {exc.reason}"
    for word in words:
        assert word.lower() in exc.reason.lower(), f"{word!r} not in {exc.reason!r}"


# --- formats, rates, channels ----------------------------------------------------------------------

FORMATS = {
    # kind: (format, codec, duration tolerance in s)
    "wav_pcm16": ("wav", "pcm_s16le", 1e-9),
    "wav_pcm24": ("wav", "pcm_s24le", 1e-9),
    "wav_pcm32": ("wav", "pcm_s32le", 1e-9),
    "wav_float": ("wav", "pcm_f32le", 1e-9),
    "aiff": ("aiff", "pcm_s16be", 1e-9),
    "flac": ("flac", "flac", 1e-9),
    "ogg_vorbis": ("ogg", "vorbis", 0.05),
    "opus": ("ogg", "opus", 0.05),
    "mp3": ("mp3", "mp3", 0.05),
    "m4a_aac": ("mp4", "aac", 0.05),
    "m4a_alac": ("mp4", "alac", 1e-9),
}


@pytest.fixture(scope="module")
def format_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("formats")
    data = tone(dur=3.0, channels=2)
    return {kind: write_format(d / kind, kind, data, 44100) for kind in FORMATS}


@pytest.mark.parametrize("kind", list(FORMATS))
def test_format_decodes_with_right_metadata(format_files: dict[str, Path], kind: str) -> None:
    fmt, codec, tol = FORMATS[kind]
    path = format_files[kind]
    a = load(path)
    assert isinstance(a, Audio)
    assert (a.format, a.codec) == (fmt, codec)
    assert a.path == str(path)
    assert a.source_channels == 2
    assert a.source_sr == (48000 if kind == "opus" else 44100)
    assert abs(a.duration - 3.0) <= tol + 1e-9, a.duration
    info = probe(path)
    assert (info.format, info.codec, info.channels) == (fmt, codec, 2)
    assert info.sample_rate == a.source_sr
    assert abs(info.duration - 3.0) < 0.05


@pytest.mark.parametrize("target", [22050, 48000, 16000])
@pytest.mark.parametrize("kind", list(FORMATS))
def test_format_resamples_tone(format_files: dict[str, Path], kind: str, target: int) -> None:
    a = load(format_files[kind], sr=target)
    y = a.samples
    assert a.sr == target
    assert y.dtype == np.float32 and y.ndim == 1
    assert abs(len(y) - a.duration * target) <= 1
    assert abs(peak_hz(y, target) - FREQ) < 2.0
    # Mono is the mean of the channels (0.5 and 0.45 amplitude): RMS 0.475/sqrt(2).
    mid = y[len(y) // 4: 3 * len(y) // 4]
    assert rms(mid) == pytest.approx(0.475 / math.sqrt(2), rel=0.03)
    assert np.isfinite(y).all()


@pytest.mark.parametrize("channels", [1, 2, 6])
@pytest.mark.parametrize("rate", [8000, 44100, 48000, 96000])
def test_channels_and_input_rates(tmp_path: Path, channels: int, rate: int) -> None:
    path = tmp_path / f"t{channels}_{rate}.wav"
    sf.write(path, tone(440.0, rate, 1.5, channels), rate, subtype="PCM_16")
    a = load(path)
    assert (a.source_sr, a.source_channels, a.sr) == (rate, channels, 22050)
    assert len(a.samples) == math.ceil(1.5 * 22050)
    assert abs(peak_hz(a.samples, 22050) - 440.0) < 2.0
    amps = [0.5 * (1 - 0.1 * c) for c in range(channels)]
    assert rms(a.samples[5000:-5000]) == pytest.approx(np.mean(amps) / math.sqrt(2), rel=0.01)
    multi = load(path, sr=16000, mono=False)
    assert multi.samples.shape == (channels, math.ceil(1.5 * 16000))
    assert multi.samples.flags.c_contiguous
    for c in range(channels):
        assert rms(multi.samples[c, 4000:-4000]) == pytest.approx(amps[c] / math.sqrt(2), rel=0.01)
    np.testing.assert_allclose(load(path, sr=16000).samples, multi.samples.mean(axis=0), atol=1e-6)


@pytest.mark.parametrize("channels,rate", [(6, 96000), (1, 8000), (2, 48000)])
def test_flac_channels_and_rates(tmp_path: Path, channels: int, rate: int) -> None:
    path = encode(tmp_path / "x.flac", tone(440.0, rate, 1.5, channels), rate, "flac")
    a = load(path, sr=48000)
    assert (a.source_sr, a.source_channels, a.codec) == (rate, channels, "flac")
    assert abs(peak_hz(a.samples, 48000) - 440.0) < 2.0


def test_native_rate_and_bad_rate_argument(format_files: dict[str, Path]) -> None:
    a = load(format_files["flac"], sr=None)
    assert a.sr == a.source_sr == 44100 and len(a.samples) == 3 * 44100
    for bad in (0, -1, 22050.5, True, 10**7):
        with pytest.raises(ValueError):
            load(format_files["flac"], sr=bad)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # audioread imports aifc/audioop
def test_matches_librosa_load(tmp_path: Path) -> None:
    librosa = pytest.importorskip("librosa")
    rng = np.random.default_rng(3)
    data = (tone(dur=2.0, channels=2) + 0.05 * rng.standard_normal((88200, 2))).astype(np.float32)
    for path in (tmp_path / "x.wav", tmp_path / "x.flac"):
        sf.write(path, data, 44100, subtype="PCM_16")
        for target in (22050, 48000, 16000):
            ours = load(path, sr=target).samples
            ref, _ = librosa.load(path, sr=target)
            np.testing.assert_allclose(ours, ref, atol=1e-6)
        ours2 = load(path, sr=22050, mono=False).samples
        ref2, _ = librosa.load(path, sr=22050, mono=False)
        np.testing.assert_allclose(ours2, ref2, atol=1e-6)


def test_stream_parameters_changing_midway(tmp_path: Path) -> None:
    """Concatenated MP3s at 44.1 kHz stereo then 22.05 kHz mono: converted to the first format."""
    def raw_mp3(name: str, data: np.ndarray, sr: int) -> bytes:
        p = encode(tmp_path / name, data, sr, "libmp3lame", options={"write_xing": "0", "id3v2_version": "0"})
        return p.read_bytes()

    blob = (raw_mp3("a.mp3", tone(440.0, 44100, 2.0, 2), 44100)
            + raw_mp3("b.mp3", tone(880.0, 22050, 2.0, 1), 22050))
    path = tmp_path / "joined.mp3"
    path.write_bytes(blob)
    a = load(path, sr=22050)
    assert (a.source_sr, a.source_channels) == (44100, 2)
    assert abs(a.duration - 4.0) < 0.15
    first, second = a.samples[: 22050], a.samples[-22050:]
    assert abs(peak_hz(first, 22050) - 440) < 3 and abs(peak_hz(second, 22050) - 880) < 3


@pytest.mark.parametrize("codec", ["libmp3lame", "adpcm_ms", "pcm_alaw"])
def test_wav_with_compressed_payload(tmp_path: Path, codec: str) -> None:
    """MP3/ADPCM inside WAV: the data size is not a frame count, so no false "cut short"."""
    path = encode(tmp_path / "c.wav", tone(dur=3.0), 44100, codec, fmt="wav")
    a = load(path)
    assert a.format == "wav" and a.codec == {"libmp3lame": "mp3"}.get(codec, codec)
    assert abs(a.duration - 3.0) < 0.05
    assert abs(peak_hz(a.samples, 22050) - FREQ) < 2.0
    assert probe(path).duration_exact is (codec == "pcm_alaw")


# --- errors ----------------------------------------------------------------------------------------


@pytest.fixture()
def wav16(tmp_path: Path) -> Path:
    p = tmp_path / "ok.wav"
    sf.write(p, tone(dur=2.0), 44100, subtype="PCM_16")
    return p


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.flac"
    with pytest.raises(MissingFileError) as ei:
        load(path)
    check_error(ei.value, MissingFileError, path, "no such file")
    assert isinstance(ei.value, FileNotFoundError)
    with pytest.raises(FileNotFoundError):
        probe(path)


def test_directory_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(NotAudioError) as ei:
        load(tmp_path)
    check_error(ei.value, NotAudioError, tmp_path, "directory")
    empty = tmp_path / "empty.mp3"
    empty.write_bytes(b"")
    with pytest.raises(EmptyFileError) as ei2:
        load(empty)
    check_error(ei2.value, EmptyFileError, empty, "empty", "0 bytes")


@pytest.mark.parametrize("name,content,words", [
    ("text.wav", b"this is not audio, just some words\n" * 200, ("not audio", "text")),
    ("random.mp3", None, ("not audio",)),
    ("random.wav", None, ("not audio",)),
    ("random.flac", None, ("not audio",)),
    ("image.png", bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"), ("png", "image")),
    ("image.mp3", b"\xff\xd8\xff\xe0" + bytes(2000), ("jpeg",)),
])
def test_not_audio(tmp_path: Path, name: str, content: bytes | None, words: tuple[str, ...]) -> None:
    path = tmp_path / name
    path.write_bytes(content if content is not None else np.random.default_rng(7).bytes(100_000))
    with pytest.raises(NotAudioError) as ei:
        load(path)
    check_error(ei.value, NotAudioError, path, *words)


def test_container_without_audio_stream(tmp_path: Path) -> None:
    path = tmp_path / "video.mkv"
    with av.open(str(path), "w") as out:
        st = out.add_stream("ffv1", rate=5)
        st.width = st.height = 32
        st.pix_fmt = "yuv420p"
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
            frame.pts = i
            for packet in st.encode(frame):
                out.mux(packet)
        for packet in st.encode(None):
            out.mux(packet)
    with pytest.raises(NotAudioError) as ei:
        load(path)
    check_error(ei.value, NotAudioError, path, "no audio stream", "video")
    with pytest.raises(NotAudioError):
        probe(path)


def test_unknown_wav_format_tag(wav16: Path, tmp_path: Path) -> None:
    path = patch(wav16, tmp_path / "tag.wav", 20, "<H", 0x1234)
    with pytest.raises(UnsupportedCodecError) as ei:
        load(path)
    check_error(ei.value, UnsupportedCodecError, path, "unsupported", "0x1234")


@pytest.mark.parametrize("offset,fmt,value,words", [
    (24, "<I", 0, ("sample rate", "0 Hz")),
    (24, "<I", 1_000_000, ("sample rate", "1e+06", "maximum")),
    (22, "<H", 1000, ("1000 channels", "maximum")),
    (22, "<H", 0, ("0 channels",)),
])
def test_absurd_wav_header(wav16: Path, tmp_path: Path, offset: int, fmt: str, value: int,
                           words: tuple[str, ...]) -> None:
    path = patch(wav16, tmp_path / "bad.wav", offset, fmt, value)
    for fn in (load, probe):
        with pytest.raises(InvalidHeaderError) as ei:
            fn(path)
        check_error(ei.value, InvalidHeaderError, path, *words)


def test_declared_duration_too_long(wav16: Path, format_files: dict[str, Path]) -> None:
    cfg = AudioConfig(max_duration_s=1.5)
    for path in (wav16, format_files["flac"], format_files["mp3"]):
        with pytest.raises(InvalidHeaderError) as ei:
            load(path, config=cfg)
        check_error(ei.value, InvalidHeaderError, path, "duration", "maximum")


def test_decoded_too_long_without_header_length(format_files: dict[str, Path]) -> None:
    path = format_files["ogg_vorbis"]  # Ogg has no header length: the decoder stops at the limit
    with pytest.raises(TooLongError) as ei:
        load(path, config=AudioConfig(max_duration_s=1.5))
    check_error(ei.value, TooLongError, path, "too long", "maximum")


@pytest.mark.parametrize("kind", ["wav_pcm16", "aiff", "flac", "mp3", "m4a_aac"])
def test_truncated(format_files: dict[str, Path], tmp_path: Path, kind: str) -> None:
    src = format_files[kind]
    data = src.read_bytes()
    path = tmp_path / f"cut{src.suffix}"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(TruncatedError) as ei:
        load(path)
    check_error(ei.value, TruncatedError, path, "cut short")
    assert isinstance(ei.value, CorruptFileError)


def test_decoder_error_midstream(tmp_path: Path) -> None:
    path = tmp_path / "damaged.mp3"
    encode(path, tone(dur=4.0), 44100, "libmp3lame")
    b = bytearray(path.read_bytes())
    mid = len(b) // 2
    b[mid:mid + 3000] = np.random.default_rng(1).bytes(3000)
    path.write_bytes(bytes(b))
    with pytest.raises(TruncatedError) as ei:
        load(path)
    check_error(ei.value, TruncatedError, path, "decoder error at")


def test_corrupt_header(format_files: dict[str, Path], wav16: Path, tmp_path: Path) -> None:
    flac = format_files["flac"].read_bytes()
    path = tmp_path / "bad.flac"
    path.write_bytes(flac[:4] + b"\x7f" + flac[5:])  # invalid metadata block type
    with pytest.raises(CorruptFileError) as ei:
        load(path)
    check_error(ei.value, CorruptFileError, path, "flac")
    zeroed = tmp_path / "zeroed.flac"
    zeroed.write_bytes(flac[:8] + bytes(34) + flac[42:])  # STREAMINFO all zeros
    with pytest.raises(InvalidHeaderError) as ei1:
        load(zeroed)
    check_error(ei1.value, InvalidHeaderError, zeroed, "header")
    nodata = patch(wav16, tmp_path / "nodata.wav", 36, ">I", int.from_bytes(b"junk", "big"))
    with pytest.raises(CorruptFileError) as ei2:
        load(nodata)
    check_error(ei2.value, CorruptFileError, nodata, "no data chunk")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_samples(tmp_path: Path, bad: float) -> None:
    data = tone(dur=2.0)
    data[50000, 1] = bad
    path = tmp_path / "nan.wav"
    sf.write(path, data, 44100, subtype="FLOAT")
    with pytest.raises(InvalidSamplesError) as ei:
        load(path)
    check_error(ei.value, InvalidSamplesError, path, "nan or infinity", "1.13 s")


def test_silent(tmp_path: Path) -> None:
    zero = tmp_path / "zero.flac"
    sf.write(zero, np.zeros((88200, 2), np.float32), 44100, subtype="PCM_16")
    with pytest.raises(SilentAudioError) as ei:
        load(zero)
    check_error(ei.value, SilentAudioError, zero, "silent", "zero")
    quiet = tmp_path / "quiet.wav"  # -80 dBFS
    sf.write(quiet, tone(dur=2.0, amp=1e-4), 44100, subtype="FLOAT")
    with pytest.raises(SilentAudioError) as ei2:
        load(quiet)
    check_error(ei2.value, SilentAudioError, quiet, "silent", "-80", "dbfs")
    soft = tmp_path / "soft.wav"  # -60 dBFS: quiet but not silence
    sf.write(soft, tone(dur=2.0, amp=1e-3), 44100, subtype="FLOAT")
    assert load(soft).samples.std() > 0
    assert load(quiet, config=AudioConfig(silence_dbfs=-90)).samples.std() > 0


def test_too_short(tmp_path: Path) -> None:
    path = tmp_path / "short.wav"
    sf.write(path, tone(dur=0.5), 44100, subtype="PCM_16")
    with pytest.raises(TooShortError) as ei:
        load(path)
    check_error(ei.value, TooShortError, path, "too short", "0.50 s")
    assert load(path, config=AudioConfig(min_duration_s=0.25)).duration == pytest.approx(0.5)


def test_errors_pickle_and_hierarchy(tmp_path: Path) -> None:
    classes = [MissingFileError, UnreadableFileError, EmptyFileError, NotAudioError, UnsupportedCodecError,
               InvalidHeaderError, CorruptFileError, TruncatedError, InvalidSamplesError, SilentAudioError,
               TooShortError, TooLongError]
    codes = set()
    for cls in classes:
        err = cls("/music/x.flac", "some reason")
        assert isinstance(err, AudioError) and str(err) == "/music/x.flac: some reason"
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is cls and (back.path, back.reason) == (err.path, err.reason)
        codes.add(cls.code)
    assert len(codes) == len(classes)


@pytest.mark.timeout(120)  # a hang fails the test instead of stalling the suite
def test_garbage_never_hangs_or_leaks(format_files: dict[str, Path], tmp_path: Path) -> None:
    """Prefixes of valid files and random bytes under every extension: only AudioError, quickly."""
    rng = np.random.default_rng(11)
    cases: list[Path] = []
    for kind, src in format_files.items():
        data = src.read_bytes()
        for n in (4, 12, 44, 100, 600):
            p = tmp_path / f"{kind}_{n}{src.suffix}"
            p.write_bytes(data[:n])
            cases.append(p)
    for ext in (".mp3", ".wav", ".flac", ".ogg", ".opus", ".m4a", ".aiff", ".aac", ""):
        for size in (1, 300, 20_000):
            p = tmp_path / f"rand{size}{ext}"
            p.write_bytes(rng.bytes(size))
            cases.append(p)
    for p in cases:
        with pytest.raises(AudioError) as ei:
            load(p)
        assert ei.value.path == str(p)
        with pytest.raises(AudioError):
            list(stream(p))


# --- probe ---------------------------------------------------------------------------------------


def test_probe_reads_headers_only(tmp_path: Path, ten_minute_flac: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_decoding(*args, **kwargs):
        raise AssertionError("probe must not decode audio")

    monkeypatch.setattr(av.container.InputContainer, "demux", no_decoding)
    monkeypatch.setattr(av.container.InputContainer, "decode", no_decoding)
    info = probe(ten_minute_flac)
    assert isinstance(info, AudioInfo)
    assert (info.format, info.codec, info.sample_rate, info.channels) == ("flac", "flac", 44100, 2)
    assert info.duration == pytest.approx(600.0) and info.duration_exact
    assert info.size_bytes == ten_minute_flac.stat().st_size


def test_probe_mp3_length_exact_only_with_xing(tmp_path: Path) -> None:
    data = tone(dur=4.0)
    xing = encode(tmp_path / "xing.mp3", data, 44100, "libmp3lame")
    plain = encode(tmp_path / "plain.mp3", data, 44100, "libmp3lame", options={"write_xing": "0"})
    assert probe(xing).duration_exact and probe(xing).duration == pytest.approx(4.0, abs=0.01)
    assert not probe(plain).duration_exact
    # Without a length header a shorter file is not "cut short": it just decodes.
    cut = tmp_path / "plain_cut.mp3"
    cut.write_bytes(plain.read_bytes()[: plain.stat().st_size // 2])
    assert load(cut).duration == pytest.approx(2.0, abs=0.1)


# --- identity --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def int16_audio() -> np.ndarray:
    rng = np.random.default_rng(5)
    x = np.stack([synth(5, 4.0), synth(6, 4.0)], axis=1)
    return (np.clip(x + rng.normal(0, 1e-3, x.shape), -1, 1) * 32767).astype(np.int16)


def test_track_id_same_for_lossless_copies(tmp_path: Path, int16_audio: np.ndarray) -> None:
    paths = []
    writers = [("a.wav", {}), ("a.flac", {}), ("a.aiff", {"format": "AIFF"}), ("a.w64", {"format": "W64"})]
    for name, kw in writers:
        p = tmp_path / name
        sf.write(p, int16_audio, 44100, subtype="PCM_16", **kw)
        paths.append(p)
    paths.append(encode(tmp_path / "av.flac", int16_audio.astype(np.float32) / 32768, 44100, "flac"))
    paths.append(encode(tmp_path / "av.m4a", int16_audio.astype(np.float32) / 32768, 44100, "alac"))
    loaded = [load(p) for p in paths]
    ids = {a.track_id for a in loaded}
    assert len(ids) == 1, [(a.path, a.track_id) for a in loaded]
    track_id = ids.pop()
    assert len(track_id) == 32 and int(track_id, 16) >= 0 and track_id == track_id.lower()
    assert track_uuid(track_id).replace("-", "") == track_id
    assert len({a.content_hash for a in loaded}) == len(loaded)  # the files differ byte for byte
    assert all(len(a.content_hash) == 64 for a in loaded)
    # Streaming computes the same id.
    with stream(paths[1], block_seconds=1.0) as s:
        for _ in s:
            pass
    assert s.track_id == track_id


def test_track_id_ignores_tags_and_path(tmp_path: Path, int16_audio: np.ndarray) -> None:
    from mutagen.id3 import TIT2

    wav, flac = tmp_path / "a.wav", tmp_path / "a.flac"
    sf.write(wav, int16_audio, 44100, subtype="PCM_16")
    sf.write(flac, int16_audio, 44100, subtype="PCM_16")
    base_wav, base_flac = load(wav), load(flac)
    tagged_wav = tmp_path / "sub" / "renamed.wav"
    tagged_wav.parent.mkdir()
    shutil.copy(wav, tagged_wav)
    f = mutagen.File(tagged_wav)
    f.add_tags()
    f.tags.add(TIT2(encoding=3, text="Retagged"))
    f.save()
    tagged_flac = tmp_path / "b.flac"
    shutil.copy(flac, tagged_flac)
    g = mutagen.File(tagged_flac)
    g["title"], g["artist"] = "Other title", "Someone"
    g.save()
    a, b = load(tagged_wav), load(tagged_flac)
    assert a.tags.title == "Retagged" and b.tags.artist == "Someone"
    assert a.track_id == base_wav.track_id == base_flac.track_id == b.track_id
    assert a.content_hash != base_wav.content_hash and b.content_hash != base_flac.content_hash


def test_track_id_differs_for_different_audio(tmp_path: Path, int16_audio: np.ndarray) -> None:
    ids = set()
    variants = {
        "same.wav": (int16_audio, 44100),
        "one_lsb.wav": (int16_audio.copy(), 44100),
        "other_rate.wav": (int16_audio, 48000),
        "mono.wav": (int16_audio[:, :1], 44100),
        "shorter.wav": (int16_audio[:-1], 44100),
    }
    variants["one_lsb.wav"][0][70000, 1] += 1
    for name, (data, rate) in variants.items():
        sf.write(tmp_path / name, data, rate, subtype="PCM_16")
        ids.add(load(tmp_path / name).track_id)
    assert len(ids) == len(variants)


def test_track_id_24bit_lossless(tmp_path: Path) -> None:
    # Integer samples, so that every writer stores exactly the same 24-bit values.
    data = (np.round(tone(dur=1.5) * 0.9 * 2**23).astype(np.int32) << 8)
    sf.write(tmp_path / "a.wav", data, 48000, subtype="PCM_24")
    sf.write(tmp_path / "a.flac", data, 48000, subtype="PCM_24")
    sf.write(tmp_path / "a.aiff", data, 48000, subtype="PCM_24", format="AIFF")
    ids = {load(tmp_path / n).track_id for n in ("a.wav", "a.flac", "a.aiff")}
    assert len(ids) == 1


# --- fingerprint -----------------------------------------------------------------------------------


def test_fingerprint_finds_lossy_copy(tmp_path: Path) -> None:
    music, other = synth(1), synth(2)
    orig = tmp_path / "orig.wav"
    sf.write(orig, music, 44100, subtype="PCM_16")
    copy = encode(tmp_path / "copy.mp3", music[:, None], 44100, "libmp3lame", bit_rate=128000)
    unrelated = tmp_path / "other.wav"
    sf.write(unrelated, other, 44100, subtype="PCM_16")
    a, b, c = (load(p, fingerprint=True) for p in (orig, copy, unrelated))
    assert load(orig).fingerprint is None  # only computed when asked for
    assert a.track_id != b.track_id  # lossy: a different decoded signal
    assert a.fingerprint.dtype == np.uint32
    assert len(a.fingerprint) == pytest.approx((20.0 * FP_SR - 2048) / 64, abs=3)
    same = fingerprint_similarity(a.fingerprint, b.fingerprint)
    diff = fingerprint_similarity(a.fingerprint, c.fingerprint)
    assert same > 0.8, same
    assert 0.4 < diff < 0.6, diff
    assert fingerprint_similarity(a.fingerprint, a.fingerprint) == 1.0
    # Gain, resampling and a 0.2 s offset keep it; load() computes it from the native-rate audio.
    assert fingerprint_similarity(a.fingerprint, fingerprint(music * 0.3, 44100)) > 0.95
    assert fingerprint_similarity(a.fingerprint, fingerprint(load(orig, sr=16000).samples, 16000)) > 0.9
    assert fingerprint_similarity(a.fingerprint, fingerprint(music[8820:], 44100)) > 0.9
    np.testing.assert_array_equal(a.fingerprint, fingerprint(load(orig, sr=None).samples, 44100))


def test_fingerprint_edge_cases() -> None:
    assert len(fingerprint(np.zeros(100, np.float32), 44100)) == 0
    assert fingerprint_similarity(np.zeros(0, np.uint32), np.ones(10, np.uint32)) == 0.0
    stereo = np.stack([synth(3, 3.0), synth(3, 3.0)])
    np.testing.assert_array_equal(fingerprint(stereo, 44100), fingerprint(stereo[0], 44100))
    rng = np.random.default_rng(0)
    a = rng.integers(0, 2**32, 500, dtype=np.uint32)
    assert fingerprint_similarity(a, ~a, max_offset=0) == 0.0
    assert fingerprint_similarity(a, np.roll(a, 5), max_offset=2) < 0.6
    assert fingerprint_similarity(a, np.roll(a, 5)) == pytest.approx(1.0, abs=0.02)
    assert fingerprint_similarity(a, a[5:]) == 1.0  # found at an offset


# --- tags ----------------------------------------------------------------------------------------


def test_tags_read_across_formats(format_files: dict[str, Path], tmp_path: Path) -> None:
    from mutagen.id3 import TALB, TCON, TIT2, TPE1

    expected = Tags(title="Tear Drop", artist="Noisia", album="Split the Atom", genre="Neurofunk")
    for kind in ("wav_pcm16", "aiff", "mp3"):
        p = tmp_path / f"{kind}{format_files[kind].suffix}"
        shutil.copy(format_files[kind], p)
        f = mutagen.File(p)
        if f.tags is None:
            f.add_tags()
        for frame in (TIT2(encoding=3, text="Tear Drop"), TPE1(encoding=3, text="Noisia"),
                      TALB(encoding=3, text="Split the Atom"), TCON(encoding=3, text="Neurofunk")):
            f.tags.add(frame)
        f.save()
        assert load(p).tags == expected, kind
    for kind in ("flac", "ogg_vorbis", "opus", "m4a_aac"):
        p = tmp_path / f"{kind}{format_files[kind].suffix}"
        shutil.copy(format_files[kind], p)
        f = mutagen.File(p, easy=True)
        if f.tags is None:
            f.add_tags()
        f["title"], f["artist"], f["album"], f["genre"] = "Tear Drop", "Noisia", "Split the Atom", "Neurofunk"
        f.save()
        assert load(p).tags == expected, kind


def test_tags_numeric_genre_and_riff_info(format_files: dict[str, Path], tmp_path: Path) -> None:
    from mutagen.id3 import TCON

    mp3 = tmp_path / "g.mp3"
    shutil.copy(format_files["mp3"], mp3)
    f = mutagen.File(mp3)
    f.tags.add(TCON(encoding=3, text="(17)"))
    f.save()
    assert read_tags(str(mp3)).genre == "Rock"

    def sub(cid: bytes, text: str) -> bytes:
        raw = text.encode() + b"\0"
        return cid + struct.pack("<I", len(raw)) + raw + (b"\0" if len(raw) % 2 else b"")

    info = b"INFO" + sub(b"INAM", "Shellshock") + sub(b"IART", "Noisia") + sub(b"IGNR", "Drum & Bass")
    src = format_files["wav_pcm16"].read_bytes()
    body = src[12:] + b"LIST" + struct.pack("<I", len(info)) + info
    wav = tmp_path / "info.wav"
    wav.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body)
    a = load(wav)
    assert a.tags == Tags(title="Shellshock", artist="Noisia", album=None, genre="Drum & Bass")
    assert a.track_id == load(format_files["wav_pcm16"]).track_id


def test_broken_or_missing_tags_never_fail(format_files: dict[str, Path], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    plain = load(format_files["flac"])
    assert plain.tags == Tags() and not plain.tags
    junk = tmp_path / "junk_id3.wav"  # an 'id3 ' chunk full of garbage
    garbage = np.random.default_rng(4).bytes(300)
    body = format_files["wav_pcm16"].read_bytes()[12:] + b"id3 " + struct.pack("<I", 300) + garbage
    junk.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body)
    assert load(junk).duration == pytest.approx(3.0)

    def boom(*args: object, **kwargs: object) -> None:
        raise mutagen.MutagenError("broken tags")

    monkeypatch.setattr(mutagen, "File", boom)
    a = load(format_files["mp3"])
    assert a.tags == Tags() and a.duration == pytest.approx(3.0, abs=0.05)


# --- streaming, memory, speed ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def ten_minute_flac(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("long") / "mix.flac"
    sr, block = 44100, 44100 * 30
    rng = np.random.default_rng(0)
    with sf.SoundFile(path, "w", sr, 2, subtype="PCM_16", format="FLAC") as f:
        for start in range(0, sr * 600, block):
            t = np.arange(start, start + block) / sr
            s = (0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.standard_normal(block)).astype(np.float32)
            f.write(np.stack([s, 0.5 * s], axis=1))
    return path


def test_stream_memory_is_bounded(ten_minute_flac: Path) -> None:
    tracemalloc.start()
    try:
        s = stream(ten_minute_flac, block_seconds=10.0)
        sizes = []
        energy = 0.0
        for block in s:
            assert block.dtype == np.float32 and block.ndim == 1
            sizes.append(len(block))
            energy += float(np.dot(block, block))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    whole_file = 600 * 22050 * 4  # the whole file as float32 mono at 22050 Hz: 53 MB
    assert peak < 16e6, f"peak traced memory {peak / 1e6:.1f} MB"
    assert peak < whole_file / 3
    assert sum(sizes) == 600 * 22050
    assert set(sizes[:-1]) == {220500}
    assert s.duration == pytest.approx(600.0) and s.source_sr == 44100 and s.source_channels == 2
    # Mono = 0.75 * (0.3 sine + 0.05 white noise); at 22050 Hz half the noise band is gone.
    assert energy / sum(sizes) == pytest.approx((0.75 ** 2) * (0.3 ** 2 / 2 + 0.05 ** 2 / 2), rel=0.02)


def test_stream_matches_load(ten_minute_flac: Path) -> None:
    whole = load(ten_minute_flac)
    with stream(ten_minute_flac, block_seconds=7.3) as s:
        blocks = list(s)
    joined = np.concatenate(blocks)
    assert len(joined) == len(whole.samples)
    np.testing.assert_allclose(joined, whole.samples, atol=1e-6)
    assert s.track_id == whole.track_id


@pytest.mark.parametrize("target", [48000, 16000, None])
def test_stream_matches_load_other_rates(format_files: dict[str, Path], target: int | None) -> None:
    for kind in ("wav_pcm24", "mp3", "opus"):
        path = format_files[kind]
        whole = load(path, sr=target).samples
        joined = np.concatenate(list(stream(path, sr=target, block_seconds=0.37)))
        assert joined.shape == whole.shape
        np.testing.assert_allclose(joined, whole, atol=1e-6)


def test_stream_errors(tmp_path: Path, wav16: Path) -> None:
    with pytest.raises(MissingFileError):
        stream(tmp_path / "missing.wav")  # at the call, not at the first block
    zero = tmp_path / "zero.wav"
    sf.write(zero, np.zeros((88200, 2), np.float32), 44100)
    s = stream(zero, block_seconds=60)
    with pytest.raises(SilentAudioError):
        next(s)  # a short silent file never yields a zero block first
    cut = tmp_path / "cut.wav"
    data = wav16.read_bytes()
    cut.write_bytes(data[: len(data) * 3 // 4])
    got = []
    with pytest.raises(TruncatedError) as ei:
        for block in stream(cut, block_seconds=0.25):
            got.append(block)
    check_error(ei.value, TruncatedError, cut, "cut short")
    assert 0 < len(got) * 0.25 < 1.5  # blocks came out before the end-of-file check
    nan = tmp_path / "nan.wav"
    x = tone(dur=3.0)
    x[100000] = np.nan
    sf.write(nan, x, 44100, subtype="FLOAT")
    with pytest.raises(InvalidSamplesError):
        list(stream(nan, block_seconds=0.5))
    with pytest.raises(ValueError):
        stream(wav16, block_seconds=0)


@pytest.fixture(scope="module")
def three_minute_flac(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("perf") / "track.flac"
    sr = 44100
    rng = np.random.default_rng(1)
    t = np.arange(sr * 180) / sr
    s = (0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.standard_normal(len(t))).astype(np.float32)
    sf.write(path, np.stack([s, 0.8 * s], axis=1), sr, subtype="PCM_16")
    return path


def test_three_minute_flac_memory(three_minute_flac: Path) -> None:
    a = load(three_minute_flac, sr=22050)
    assert len(a.samples) == 180 * 22050
    tracemalloc.start()
    try:
        load(three_minute_flac, sr=22050)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Output is 15.9 MB; one float64 copy of the native stereo signal alone would be 63.5 MB.
    assert peak < 2 * a.samples.nbytes + 8e6, f"peak traced memory {peak / 1e6:.1f} MB"
