"""Tests of the synthetic music generator (heihachi_index.synth) and the ``synth`` command."""
from __future__ import annotations

import csv
import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import librosa
import numpy as np
import pytest
import scipy.signal
import soundfile as sf

from heihachi_index.camelot import PITCH_CLASSES, camelot
from heihachi_index.cli.main import main
from heihachi_index.synth import (
    AMEN_BREAK,
    AMEN_PATTERN,
    LABELS,
    MOODS,
    SECTION_NAMES,
    STYLE_SPECS,
    STYLES,
    DrumKit,
    GroundTruth,
    generate,
    generate_corpus,
    label_for_name,
    mood_label,
    read_manifest,
    write_corpus,
)
from heihachi_index.synth.corpus import corpus_plan
from heihachi_index.synth.drums import PlacedHit, render_drums, synthetic_kit
from heihachi_index.synth.structure import plan_sections

PEAK = 10 ** (-1 / 20)
DRUM_STYLES = [s for s in STYLES if s != "ambient"]


# ---------------------------------------------------------------------------------------------------
# Helpers.


def steps_in_bar(truth: GroundTruth, label: str, section: str = "drop") -> list[int]:
    """16th-step positions (0-15) within their bar of one label's hits inside sections of a kind."""
    step = 15.0 / truth.tempo
    spans = [(s["start"], s["end"]) for s in truth.sections if s["name"] == section]
    out = []
    for h in truth.hits:
        if h["label"] == label and any(a <= h["time"] < b for a, b in spans):
            out.append(int(round(h["time"] / step)) % 16)
    return out


def band_envelope(x: np.ndarray, sr: int, band: tuple[float, float], frame: int) -> np.ndarray:
    """Smoothed energy envelope (one value per ``frame`` samples) of a band of ``x``."""
    y = scipy.signal.sosfilt(scipy.signal.butter(4, band, btype="bandpass", fs=sr, output="sos"), x)
    e = np.abs(scipy.signal.hilbert(y)) ** 2
    m = len(e) // frame
    e = e[: m * frame].reshape(m, frame).mean(axis=1)
    return np.convolve(e, np.ones(3) / 3, mode="same")


BANDS = {"kick": (20, 400), "tom": (50, 700), "snare": (800, 6000), "clap": (800, 6000),
         "hihat_closed": (10000, 18000), "hihat_open": (10000, 18000), "crash": (8000, 18000),
         "ride": (8000, 18000)}


def onset_offset(env: np.ndarray, frame_s: float, t: float, search: float = 0.02) -> float:
    """Where the energy first rises clearly (3 dB over the level 20-40 ms before) within +-``search``
    of ``t``, relative to ``t``; ``inf`` if it never does."""
    k, w = int(round(t / frame_s)), int(round(search / frame_s))
    pre = env[max(0, k - 2 * w):k - w].mean()
    thr = max(2.0 * pre, 0.1 * env[k:k + w].max())
    above = np.nonzero(env[k - w:k + w] > thr)[0]
    return (above[0] - w) * frame_s if len(above) else np.inf


def isolated_hits(hits: list[dict], before: float = 0.06, after: float = 0.02) -> list[dict]:
    """Hits with no other hit starting 60 ms before to 20 ms after them."""
    times = np.array([h["time"] for h in hits])
    return [h for h in hits if h["time"] > 0.1
            and np.sum((times > h["time"] - before) & (times < h["time"] + after)) == 1]


def chroma_mean(track) -> np.ndarray:
    y = librosa.resample(track.mono(), orig_sr=track.sr, target_sr=22050)
    return librosa.feature.chroma_cqt(y=y, sr=22050).mean(axis=1)


# ---------------------------------------------------------------------------------------------------
# Determinism and basic validity.


def test_same_arguments_give_identical_audio_and_seeds_differ():
    a = generate("neurofunk", 3, 8.0)
    b = generate("neurofunk", 3, 8.0, stems=True)
    c = generate("neurofunk", 4, 8.0)
    assert np.array_equal(a.audio, b.audio)
    # Without distortion (no master limiting) the stems add up to the mix.
    clean = generate("liquid", 3, 8.0, distortion=0.0, stems=True)
    assert np.allclose(sum(clean.stems.values())[: 7 * 44100], clean.audio[: 7 * 44100], atol=1e-4)
    assert a.truth.to_dict() == b.truth.to_dict()
    assert a.audio.shape == c.audio.shape
    assert np.abs(a.audio - c.audio).max() > 0.1
    # The style is part of the seed: the same seed in two styles gives different tracks.
    assert generate("liquid", 3, 8.0).truth.to_dict() != generate("jungle", 3, 8.0).truth.to_dict()


def test_override_changes_only_that_control():
    a = generate("techno", 9, 6.0)
    b = generate("techno", 9, 6.0, brightness=0.95)
    same = ("tempo", "key", "mode", "bass_type", "density", "distortion")
    assert all(getattr(a.truth, k) == getattr(b.truth, k) for k in same)
    assert b.truth.brightness == 0.95
    assert a.truth.hits == b.truth.hits


@pytest.mark.parametrize("style", STYLES)
def test_every_style_renders_valid_audio_and_truth(style):
    track = generate(style, 21, 12.0)
    t = track.truth
    audio = track.audio
    assert audio.dtype == np.float32 and audio.shape == (12 * 44100, 2)
    assert np.all(np.isfinite(audio))
    assert np.abs(audio).max() <= 1.0
    assert np.abs(audio).max() == pytest.approx(PEAK, abs=1e-3)
    assert track.mono().shape == (12 * 44100,) and track.mono().dtype == np.float32

    lo, hi = STYLE_SPECS[style].tempo
    assert lo <= t.tempo <= hi
    assert t.key in PITCH_CLASSES and t.mode in ("major", "minor")
    assert t.camelot == camelot(t.key, t.mode)
    assert t.mood in MOODS and t.mood == mood_label(t.mode, t.tempo, t.brightness, t.density, t.distortion, t.drums)
    assert 0 <= t.brightness <= 1 and 0 <= t.density <= 1 and 0 <= t.distortion <= 1
    assert t.duration == pytest.approx(12.0)

    beats = np.array(t.beats)
    assert beats[0] == 0.0 and beats[-1] < t.duration
    assert np.allclose(np.diff(beats), 60.0 / t.tempo)
    assert t.downbeats == t.beats[::4]

    assert t.sections[0]["start"] == 0.0 and t.sections[-1]["end"] == t.duration
    bar = 240.0 / t.tempo
    for a, b in zip(t.sections, t.sections[1:]):
        assert a["end"] == b["start"]
        # Bar-aligned, on the sample grid like the hits.
        assert abs(b["start"] - round(b["start"] / bar) * bar) <= 0.5 / track.sr + 1e-9
        assert b["start"] * track.sr == pytest.approx(round(b["start"] * track.sr))
    assert all(s["name"] in SECTION_NAMES and s["end"] > s["start"] for s in t.sections)

    times = [h["time"] for h in t.hits]
    assert times == sorted(times)
    assert all(h["label"] in LABELS and 0 < h["velocity"] <= 1 and 0 <= h["time"] < t.duration for h in t.hits)
    assert all(h["time"] * track.sr == pytest.approx(round(h["time"] * track.sr)) for h in t.hits)
    if style == "ambient":
        assert not t.drums and t.hits == []
    else:
        assert t.drums and len(t.hits) > 20

    # JSON round trip.
    again = GroundTruth.from_dict(json.loads(json.dumps(t.to_dict())))
    assert again == t


def test_invalid_arguments_are_rejected():
    with pytest.raises(ValueError):
        generate("polka", 1, 2.0)
    with pytest.raises(ValueError):
        generate("house", 1, 2.0, brightness=1.5)
    with pytest.raises(ValueError):
        generate("house", 1, 2.0, bass="tuba")
    with pytest.raises(ValueError):
        generate("house", 1, 2.0, mode="dorian")
    with pytest.raises(ValueError):
        generate("house", -1, 2.0)


def test_key_argument_forms():
    assert (generate("house", 1, 2.0, key="Bb").truth.key) == "A#"
    t = generate("house", 1, 2.0, key="F minor").truth
    assert (t.key, t.mode, t.camelot) == ("F", "minor", "4A")
    t = generate("house", 1, 2.0, key="8B").truth
    assert (t.key, t.mode) == ("C", "major")


def test_short_tracks_and_structure_off():
    t = generate("jungle", 2, 2.0).truth
    assert [s["name"] for s in t.sections] == ["drop"] and t.hits
    t = generate("techno", 2, 30.0, structure=False).truth
    assert [s["name"] for s in t.sections] == ["drop"]


def test_render_is_fast():
    generate("neurofunk", 1, 2.0)
    start = time.perf_counter()
    generate("neurofunk", 1, 60.0)
    assert time.perf_counter() - start < 5.0


# ---------------------------------------------------------------------------------------------------
# Rhythm.


def test_drum_and_bass_two_step():
    for seed in (1, 2):
        t = generate("neurofunk", seed, 20.0, structure=False, density=0.3).truth
        kicks, snares = steps_in_bar(t, "kick"), steps_in_bar(t, "snare")
        assert {0, 10} <= set(kicks) and set(kicks) <= {0, 6, 10, 11, 13}
        assert snares.count(4) >= 10 and snares.count(12) >= 10
        assert set(snares) <= {4, 7, 9, 12, 14, 15}
        assert 174 / 2 < t.tempo


def test_dubstep_is_half_time_at_full_tempo():
    t = generate("dubstep", 5, 20.0, structure=False).truth
    assert 138 <= t.tempo <= 142
    snares = steps_in_bar(t, "snare")
    # Snare on beat 3 (never the backbeat of 2 and 4), apart from phrase-end pickups.
    assert snares.count(8) >= 0.8 * len(snares) and not {4, 12} & set(snares)
    assert 0 in steps_in_bar(t, "kick") and 4 not in steps_in_bar(t, "kick")
    hats = np.diff(t.hit_times("hihat_closed"))
    # Hats run at 8ths or 16ths of the real (140) tempo, not of 70.
    assert np.median(hats) <= 60.0 / t.tempo / 2 + 1e-6


def test_four_on_the_floor_and_house_claps():
    t = generate("house", 3, 20.0, structure=False).truth
    assert sorted(set(steps_in_bar(t, "kick"))) == [0, 4, 8, 12]
    assert sorted(set(steps_in_bar(t, "clap"))) == [4, 12]
    assert set(steps_in_bar(t, "hihat_open")) <= {2, 6, 10, 14} and steps_in_bar(t, "hihat_open")
    assert sorted(set(steps_in_bar(generate("techno", 3, 20.0, structure=False).truth, "kick"))) == [0, 4, 8, 12]


def test_amen_pattern_and_chopped_jungle():
    assert set(AMEN_PATTERN) <= set(LABELS)
    assert all(len(v) == 32 for v in AMEN_PATTERN.values())
    assert all(len(v) == 64 for v in AMEN_BREAK.values())
    kick, snare = np.array(AMEN_PATTERN["kick"]), np.array(AMEN_PATTERN["snare"])
    assert list(np.nonzero(kick[:16])[0]) == [0, 2, 10, 11]
    assert list(np.nonzero(snare[:16])[0]) == [4, 7, 9, 12, 15]
    assert AMEN_PATTERN["crash"][16 + 10] > 0

    t = generate("jungle", 4, 20.0, structure=False).truth
    step = 15.0 / t.tempo
    # Every kick and snare comes from a quarter-bar slice of the break (same offset within its slice).
    for label in ("kick", "snare"):
        offsets = {i % 4 for i, v in enumerate(AMEN_BREAK[label]) if v > 0}
        for h in t.hits:
            if h["label"] == label:
                s = (h["time"] + 0.01) / step  # microtiming is a few ms at most
                assert int(s) % 4 in offsets
    assert len(t.hit_times("ride")) > 40


def test_hiphop_swing_delays_odd_sixteenths():
    t = generate("hiphop", 6, 20.0, structure=False, density=1.0).truth
    assert t.swing > 0.1
    step = 15.0 / t.tempo
    frac = np.array([(h["time"] / step) % 2 for h in t.hits if h["label"] == "hihat_closed"])
    odd = frac[(frac > 0.5) & (frac < 1.9)]
    assert len(odd) > 10
    # Odd 16ths land swing x one step late (plus a few ms of human jitter).
    assert np.median(odd) - 1.0 == pytest.approx(t.swing, abs=0.05)


def test_sections_arrange_parts():
    track = generate("neurofunk", 8, 60.0, stems=True)
    t = track.truth
    assert [s["name"] for s in t.sections] == ["intro", "buildup", "drop", "breakdown", "buildup", "drop",
                                               "outro"]
    sr = track.sr

    def rms(stem, s):
        a, b = int(s["start"] * sr), int(s["end"] * sr)
        return float(np.sqrt(np.mean(track.stems[stem][a:b] ** 2)))

    def hits_in(s, label=None):
        return [h for h in t.hits if s["start"] <= h["time"] < s["end"] and (label is None or h["label"] == label)]

    intro, build, drop, breakdown = t.sections[:4]
    assert rms("bass", intro) < 1e-4 < rms("bass", drop)
    # Past the release of the drop's last note the bass is silent.
    assert rms("bass", {"start": breakdown["start"] + 0.1, "end": breakdown["end"]}) < 1e-4
    assert not hits_in(breakdown)
    assert not hits_in(intro, "snare") and hits_in(intro, "hihat_closed")
    assert rms("fx", build) > 1e-3 and rms("fx", drop) < 1e-4
    roll = np.diff([h["time"] for h in hits_in(build, "snare")])
    assert roll[-1] < roll[0]   # the snare roll speeds up
    assert any(h["label"] == "crash" and abs(h["time"] - drop["start"]) < 1e-3 for h in t.hits)


@pytest.mark.parametrize("bars", [1, 3, 4, 5, 7, 8, 11, 12, 16, 19, 20, 31, 32, 40, 44, 64, 200])
def test_plan_sections_covers_all_bars(bars):
    sections = plan_sections(bars)
    assert sections[0].start == 0 and sections[-1].end == bars
    assert all(a.end == b.start and b.bars >= 1 for a, b in zip(sections, sections[1:]))
    assert "drop" in [s.name for s in sections]


# ---------------------------------------------------------------------------------------------------
# Drum truth lines up with the audio.


@pytest.mark.parametrize("style", ["neurofunk", "jungle", "dubstep", "techno", "house", "hiphop"])
def test_hits_line_up_with_energy_onsets(style):
    track = generate(style, 12, 12.0, stems=True)
    x = track.stems["drums"].mean(axis=1).astype(np.float64)
    sr = track.sr
    frame = sr // 1000
    envs = {label: band_envelope(x, sr, band, frame) for label, band in BANDS.items()}
    hits = isolated_hits(track.truth.hits)
    assert len(hits) >= 20

    def aligned(shift: float) -> float:
        return float(np.mean([abs(onset_offset(envs[h["label"]], frame / sr, h["time"] + shift)) <= 0.01
                              for h in hits]))

    assert aligned(0.0) >= 0.95
    # The check has teeth: truth moved by 25 ms no longer lines up.
    assert aligned(0.025) < 0.3


@pytest.mark.parametrize("style", ["liquid", "jungle", "techno", "hiphop"])
def test_every_drum_onset_is_labelled(style):
    track = generate(style, 13, 12.0, stems=True)
    y = librosa.resample(track.stems["drums"].mean(axis=1), orig_sr=track.sr, target_sr=22050)
    onsets = librosa.onset.onset_detect(y=y, sr=22050, hop_length=128, units="time")
    truth = track.truth.hit_times()
    assert len(onsets) > 20
    # A detected onset lies at or up to 50 ms after a labelled hit.
    lag = np.array([np.min(np.where(o - truth >= -0.015, o - truth, np.inf)) for o in onsets])
    assert np.mean(lag <= 0.05) >= 0.97


def test_full_mix_high_band_follows_cymbal_hits():
    track = generate("techno", 14, 12.0, structure=False)
    x = track.mono().astype(np.float64)
    frame = track.sr // 1000
    env = band_envelope(x, track.sr, (9000, 18000), frame)
    hits = [h for h in isolated_hits(track.truth.hits) if h["label"].startswith("hihat")]
    assert len(hits) > 20
    ok = np.mean([abs(onset_offset(env, frame / track.sr, h["time"])) <= 0.01 for h in hits])
    assert ok >= 0.9


def test_drum_hits_are_not_identical_copies():
    sr = 44100
    kit = synthetic_kit("techno", sr, np.random.default_rng(0), labels=["kick", "snare"])
    hits = [PlacedHit(i * sr // 2, label, 0.8) for i in range(8) for label in ["kick"]]
    hits += [PlacedHit(i * sr // 2 + sr // 4, "snare", 0.5 + 0.06 * i) for i in range(8)]
    x = render_drums(hits, 4 * sr, sr, kit, np.random.default_rng(1)).mean(axis=0)
    kicks = [x[h.sample:h.sample + 4000] for h in hits if h.label == "kick"]
    snares = [x[h.sample:h.sample + 4000] for h in hits if h.label == "snare"]
    for group in (kicks, snares):
        for a, b in zip(group, group[1:]):
            assert not np.allclose(a / np.abs(a).max(), b / np.abs(b).max(), atol=1e-3)
    # Velocity scales level and brightness.
    assert np.abs(snares[-1]).max() > 1.3 * np.abs(snares[0]).max()

    def centroid(seg):
        power = np.abs(np.fft.rfft(seg)) ** 2
        return float((np.fft.rfftfreq(len(seg), 1 / sr) * power).sum() / power.sum())

    assert centroid(snares[-1]) > centroid(snares[0])


def test_ambient_has_no_drums_but_a_pulse():
    track = generate("ambient", 16, 20.0)
    t = track.truth
    assert t.hits == [] and not t.drums and 70 <= t.tempo <= 110
    y = librosa.resample(track.mono(), orig_sr=track.sr, target_sr=22050)
    onsets = librosa.onset.onset_detect(y=y, sr=22050, units="time", hop_length=256)
    eighth = 30.0 / t.tempo
    # The plucked arpeggio sounds every 8th note (onset detection lags the note start by a few frames).
    assert len(onsets) > 0.8 * t.duration / eighth
    off = ((onsets + eighth / 2) % eighth) - eighth / 2
    assert np.mean((off > -0.01) & (off < 0.035)) > 0.9


# ---------------------------------------------------------------------------------------------------
# Harmony and timbre controls.


@pytest.mark.parametrize("style,seed,key", [("liquid", 1, "A"), ("techno", 2, "F#"), ("neurofunk", 3, "D"),
                                            ("ambient", 4, "C")])
def test_chroma_peaks_on_tonic_triad_and_mode_moves_it(style, seed, key):
    tonic = PITCH_CLASSES.index(key)
    minor = chroma_mean(generate(style, seed, 15.0, key=key, mode="minor"))
    major = chroma_mean(generate(style, seed, 15.0, key=key, mode="major"))
    m3, M3 = (tonic + 3) % 12, (tonic + 4) % 12
    assert int(np.argmax(minor)) in {tonic, m3, (tonic + 7) % 12}
    assert int(np.argmax(major)) in {tonic, M3, (tonic + 7) % 12}
    assert minor[m3] > minor[M3]
    assert major[M3] > major[m3]


def high_ratio(track) -> float:
    y = track.mono().astype(np.float64)
    power = np.abs(np.fft.rfft(y)) ** 2
    f = np.fft.rfftfreq(len(y), 1.0 / track.sr)
    return float(power[(f > 200) & (f < 4000)].sum() / power[f < 4000].sum())


@pytest.mark.parametrize("style", ["neurofunk", "liquid", "hiphop"])
def test_reese_has_more_high_harmonics_than_sub(style):
    sub = generate(style, 17, 10.0, bass="sub", structure=False)
    reese = generate(style, 17, 10.0, bass="reese", structure=False)
    assert high_ratio(reese) > 1.15 * high_ratio(sub)
    assert high_ratio(generate(style, 17, 10.0, bass="none", structure=False)) > high_ratio(sub)


@pytest.mark.parametrize("style", ["house", "ambient", "dubstep"])
def test_brightness_raises_spectral_centroid(style):
    centroids = []
    for b in (0.1, 0.5, 0.9):
        track = generate(style, 18, 10.0, brightness=b)
        centroids.append(float(librosa.feature.spectral_centroid(y=track.mono(), sr=track.sr).mean()))
    assert centroids[0] < centroids[1] < centroids[2]
    assert centroids[2] > 1.15 * centroids[0]


def test_vocals_add_formant_tones():
    off = generate("liquid", 19, 12.0, stems=True)
    on = generate("liquid", 19, 12.0, vocals=True, stems=True)
    assert not off.truth.vocals and on.truth.vocals
    assert np.abs(off.stems["vocals"]).max() == 0.0
    voc = on.stems["vocals"].mean(axis=1).astype(np.float64)
    assert np.sqrt(np.mean(voc ** 2)) > 1e-3
    f, psd = scipy.signal.welch(voc, fs=on.sr, nperseg=4096)
    # Voiced, pitched energy sits in the singing and formant range.
    assert psd[(f > 200) & (f < 3500)].sum() > 0.9 * psd.sum()


def test_mood_rule():
    assert mood_label("minor", 174, 0.3, 0.9, 0.9, True) == "aggressive"
    assert mood_label("minor", 174, 0.3, 0.7, 0.1, True) == "dark"
    assert mood_label("minor", 174, 0.8, 0.7, 0.1, True) == "melancholic"
    assert mood_label("major", 128, 0.8, 0.9, 0.1, True) == "euphoric"
    assert mood_label("major", 128, 0.4, 0.7, 0.1, True) == "uplifting"
    assert mood_label("major", 80, 0.4, 0.2, 0.0, False) == "calm"


# ---------------------------------------------------------------------------------------------------
# Corpus, files and CLI.


def test_corpus_plan_cycles_styles_with_some_vocals():
    plan = corpus_plan(24, seed=0)
    counts = {s: sum(p[0] == s for p in plan) for s in STYLES}
    assert set(counts.values()) == {3}
    assert len({p[1] for p in plan}) == 24 and plan[3][1] == 1003
    vocal = [p for p in plan if p[2]]
    assert {p[0] for p in vocal} == {"liquid", "house", "hiphop"}
    assert corpus_plan(3, seed=1, styles=["techno"])[0] == ("techno", 2000, False)
    with pytest.raises(ValueError):
        corpus_plan(2, styles=["polka"])


@pytest.mark.parametrize("fmt", ["flac", "wav"])
def test_write_corpus_and_read_manifest_round_trip(tmp_path, fmt):
    tracks = generate_corpus(3, 2.0, seed=0, styles=["neurofunk", "house", "ambient"])
    assert [t.truth.style for t in tracks] == ["neurofunk", "house", "ambient"]
    write_corpus(tmp_path, tracks, fmt=fmt)
    assert (tmp_path / f"000_neurofunk_s1000.{fmt}").exists()
    items = read_manifest(tmp_path)
    assert len(items) == 3
    for (path, truth), track in zip(items, tracks):
        assert path.exists() and truth == track.truth
        audio, sr = sf.read(str(path), dtype="float32")
        assert sr == track.sr and audio.shape == track.audio.shape
        assert np.abs(audio - track.audio).max() < 1e-4
        assert sf.info(str(path)).subtype == "PCM_16"
    rows = list(csv.DictReader(open(tmp_path / "manifest.csv")))
    assert [r["file"] for r in rows] == [p.name for p, _ in items]
    assert int(rows[0]["n_hits"]) == len(tracks[0].truth.hits)
    assert rows[2]["n_hits"] == "0" and rows[0]["camelot"] == tracks[0].truth.camelot
    assert rows[0]["sections"].startswith("drop:0.0-2.0")
    entries = json.loads((tmp_path / "manifest.json").read_text())
    assert entries[1]["file"] == f"001_house_s1001.{fmt}" and entries[1]["style"] == "house"


@pytest.fixture
def restore_logging():
    # main() points the package logger at the (captured) stderr of the test; put it back afterwards.
    logger = logging.getLogger("heihachi_index")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    yield
    logger.handlers[:], logger.level, logger.propagate = saved


def test_cli_parser_does_not_import_the_renderer():
    # Building the CLI parser (done for every command) must stay light: no scipy/soundfile imports.
    code = ("import sys, heihachi_index.cli.synth, heihachi_index.synth.styles; "
            "sys.exit(any(m in sys.modules for m in ('scipy', 'soundfile', 'heihachi_index.synth.render')))")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_cli_writes_corpus(tmp_path, capsys, restore_logging):
    out = tmp_path / "corpus"
    rc = main(["synth", str(out), "--n", "3", "--seconds", "2", "--styles", "techno,liquid", "--format", "wav",
               "--sr", "22050", "--seed", "2"])
    assert rc == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 3 and "techno" in printed[0] and "BPM" in printed[0]
    files = sorted(p.name for p in out.glob("*.wav"))
    assert files == ["000_techno_s3000.wav", "001_liquid_s3001.wav", "002_techno_s3002.wav"]
    assert (out / "manifest.json").exists() and (out / "manifest.csv").exists()
    items = read_manifest(out)
    assert [t.style for _, t in items] == ["techno", "liquid", "techno"]
    assert sf.info(str(out / files[0])).samplerate == 22050

    rc = main(["synth", str(tmp_path / "j"), "--n", "1", "--seconds", "1", "--styles", "ambient", "--json"])
    assert rc == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["tracks"][0]["style"] == "ambient" and summary["tracks"][0]["file"].endswith(".flac")

    with pytest.raises(SystemExit) as exc:
        main(["synth", str(tmp_path / "x"), "--styles", "polka"])
    assert exc.value.code == 2


# ---------------------------------------------------------------------------------------------------
# Sample kits.


def _tone(sr: int, freq: float, seconds: float, lead: int = 0, noise: bool = False) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    rng = np.random.default_rng(int(freq))
    x = rng.standard_normal(len(t)) if noise else np.sin(2 * np.pi * freq * t)
    x = 0.8 * x * np.exp(-t / (seconds / 4))
    return np.concatenate([np.zeros(lead), x]).astype(np.float32)


HYDROGEN_XML = """<?xml version="1.0" encoding="UTF-8"?>
<drumkit_info xmlns="http://www.hydrogen-music.org/drumkit">
 <name>Fake Kit</name>
 <instrumentList>
  <instrument><id>0</id><name>Kick</name>
   <instrumentComponent><drumkitComponent>0</drumkitComponent>
    <layer><filename>kick_soft.wav</filename><min>0</min><max>0.5</max><gain>1</gain></layer>
    <layer><filename>kick_hard.wav</filename><min>0.5</min><max>1</max><gain>1</gain></layer>
   </instrumentComponent>
  </instrument>
  <instrument><id>1</id><name>Snare Rock</name><layer><filename>snare.wav</filename></layer></instrument>
  <instrument><id>2</id><name>Closed HH</name><layer><filename>hat.wav</filename></layer></instrument>
  <instrument><id>3</id><name>Open HH</name><layer><filename>ohat.wav</filename></layer></instrument>
  <instrument><id>4</id><name>Cowbell</name><layer><filename>cowbell.wav</filename></layer></instrument>
  <instrument><id>5</id><name>Tom Hi</name><layer><filename>missing.wav</filename></layer></instrument>
 </instrumentList>
</drumkit_info>
"""


def make_hydrogen_kit(folder: Path, sr: int = 44100) -> Path:
    folder.mkdir()
    sf.write(folder / "kick_soft.wav", _tone(sr, 90.0, 0.3), sr)
    sf.write(folder / "kick_hard.wav", _tone(sr, 300.0, 0.12, lead=200), sr)
    sf.write(folder / "snare.wav", _tone(sr, 1.0, 0.2, noise=True), sr)
    sf.write(folder / "hat.wav", _tone(22050, 2.0, 0.05, noise=True), 22050)
    sf.write(folder / "ohat.wav", _tone(sr, 3.0, 0.3, noise=True), sr)
    sf.write(folder / "cowbell.wav", _tone(sr, 800.0, 0.2), sr)
    (folder / "drumkit.xml").write_text(HYDROGEN_XML)
    return folder


def test_label_for_name():
    names = {"Kick": "kick", "Bass Drum": "kick", "Snare": "snare", "Snare Jazz": "snare", "Hand Clap": "clap",
             "Closed HH": "hihat_closed", "Hat Closed": "hihat_closed", "Pedal Hat": "hihat_closed",
             "Open HH": "hihat_open", "hihat_open_02": "hihat_open", "Tom Hi": "tom", "tom2": "tom",
             "Crash": "crash", "Ride Bell": "ride", "Cowbell": None, "Stick": None}
    assert {n: label_for_name(n) for n in names} == names


def test_hydrogen_kit_is_parsed_and_used(tmp_path):
    kit = DrumKit.from_folder(make_hydrogen_kit(tmp_path / "kit"))
    assert kit.name == "Fake Kit"
    assert kit.labels == ("kick", "snare", "hihat_closed", "hihat_open")
    kick = kit.instruments["kick"][0]
    assert [(ly.vmin, ly.vmax) for ly in kick.layers] == [(0.0, 0.5), (0.5, 1.0)]
    hard = kick.layers[1]
    # Leading silence is trimmed (the 200 zeros, and the first samples of the sine below -40 dB).
    assert abs(hard.audio[0]) > 0.005 and abs(len(hard.audio) - int(0.12 * 44100)) <= 3
    assert kit.instruments["hihat_closed"][0].layers[0].sr == 22050

    track = generate("techno", 4, 8.0, kit=tmp_path / "kit", stems=True, structure=False)
    assert track.truth.kit == "Fake Kit"
    x = track.stems["drums"].mean(axis=1)
    sr = track.sr
    # Loud kicks with no other low drum nearby sound exactly like the hard kick sample (below the hats).
    low = [h for h in track.truth.hits if h["label"] in ("kick", "snare", "tom", "clap", "crash")]
    loud = [h for h in isolated_hits(low, before=0.15, after=0.15) if h["label"] == "kick" and h["velocity"] > 0.6]
    assert loud
    sample = scipy.signal.sosfilt(scipy.signal.butter(4, 2000, fs=sr, output="sos"), hard.at(sr)[0])
    x = scipy.signal.sosfilt(scipy.signal.butter(4, 2000, fs=sr, output="sos"), x)
    for h in loud[:3]:
        s = int(round(h["time"] * sr))
        seg = x[s:s + len(sample)]
        corr = float(np.dot(seg, sample) / (np.linalg.norm(seg) * np.linalg.norm(sample)))
        assert corr > 0.95
    # The kit has no clap: the synthesised fallback fills it in, so every label still sounds.
    assert generate("house", 4, 4.0, kit=kit, structure=False).truth.hit_times("clap").size > 0


def test_plain_folder_kit(tmp_path):
    folder = tmp_path / "plain"
    folder.mkdir()
    sf.write(folder / "kick_01.wav", _tone(44100, 60.0, 0.2), 44100)
    sf.write(folder / "Crash Cymbal.flac", _tone(44100, 5.0, 0.5, noise=True), 44100)
    sf.write(folder / "fx_sweep.wav", _tone(44100, 500.0, 0.2), 44100)
    (folder / "notes.txt").write_text("not audio")
    kit = DrumKit.from_folder(folder)
    assert kit.labels == ("kick", "crash")
    with pytest.raises(ValueError):
        DrumKit.from_folder(tmp_path / "nothing-here")
