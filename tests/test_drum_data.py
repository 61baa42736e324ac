"""Labelled drum data for the classifier: sample onsets, label fixes, GM SoundFont kits rendered by FluidSynth."""
from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import soundfile as sf

from heihachi_index.analysis.drums import soundfont
from heihachi_index.analysis.drums.data import HYDROGEN_DIR, KitSet, hydrogen_kits, kit_split, load_kit, other_sounds
from heihachi_index.analysis.types import DRUM_CLASSES, OTHER
from heihachi_index.synth.drums import sample_onset

SR = 44100
TIM = soundfont.SOUNDFONTS[1]


def _hit(sr: int = SR, seconds: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (np.exp(-t / 0.05) * np.sin(2 * np.pi * 180 * t)).astype(np.float32)


def test_sample_onset_skips_a_quiet_lead_in():
    lead = int(0.06 * SR)  # 60 ms swell from -40 to -26 dB before the hit
    swell = np.linspace(0.01, 0.05, lead).astype(np.float32) * np.sign(np.sin(np.arange(lead)))
    x = np.concatenate([np.zeros(100, np.float32), swell, _hit()])
    start = sample_onset(x, SR)
    assert abs(start - (100 + lead)) <= 0.0015 * SR
    assert sample_onset(_hit(), SR) <= 1
    assert sample_onset(np.zeros(100, np.float32), SR) == 0
    assert sample_onset(np.array([0.0, 0.001, 1.0, 0.5], np.float32), SR) == 2  # shorter than 1 ms


def test_sample_onset_is_the_chick_after_a_loud_pedal_swell():
    # A pedal hi-hat: 40 ms of swell at -21..-17 dB, then the chick. The hit is the chick.
    rng = np.random.default_rng(0)
    lead = int(0.04 * SR)
    swell = (np.linspace(0.09, 0.14, lead) * rng.choice([-1.0, 1.0], lead)).astype(np.float32)
    t = np.arange(int(0.15 * SR)) / SR
    chick = (rng.standard_normal(len(t)) * np.exp(-t / 0.02) / 3.0).astype(np.float32)
    chick /= np.max(np.abs(chick))
    x = np.concatenate([swell, chick])
    assert abs(sample_onset(x, SR) - lead) <= 0.0015 * SR
    # A click 4 dB under the body that follows it 3 ms later is part of the attack, not a lead-in.
    click = np.full(int(0.003 * SR), 0.6, np.float32)
    assert sample_onset(np.concatenate([np.zeros(50, np.float32), click, _hit()]), SR) <= 50


def _write_kit(folder, names: list[str]) -> None:
    root = ET.Element("drumkit_info")
    ET.SubElement(root, "name").text = "test kit"
    insts = ET.SubElement(root, "instrumentList")
    for i, name in enumerate(names):
        inst = ET.SubElement(insts, "instrument")
        ET.SubElement(inst, "id").text = str(i)
        ET.SubElement(inst, "name").text = name
        fname = f"s{i}.wav"
        ET.SubElement(inst, "filename").text = fname
        sf.write(folder / fname, np.concatenate([np.full(2000, 1e-3, np.float32), _hit()]), SR)
    ET.ElementTree(root).write(folder / "drumkit.xml")


def test_hydrogen_label_fixes(tmp_path):
    _write_kit(tmp_path, ["Kick", "Hat Closed", "Hat Op", "Open HH", "Hat Choke", "Snare Roll", "Crash",
                          "Cowbell", "Tambourine", "Shaker 2"])
    kit = load_kit(tmp_path)
    names = {label: sorted(i.name for i in insts) for label, insts in kit.instruments.items()}
    assert names["hihat_open"] == ["Hat Op", "Open HH"]
    assert names["hihat_closed"] == ["Hat Closed"]           # the choke is dropped
    assert "snare" not in names                              # a roll is not a hit
    # The hit time is the attack, not the start of the file's -60 dB lead-in.
    ly = kit.instruments["kick"][0].layers[0]
    assert abs(len(ly.audio) - len(_hit())) <= 1
    # "other" is non-drum percussion, but not the hat-like shakers and tambourines.
    assert [s.name for s in other_sounds(tmp_path)] == ["Cowbell"]


def test_gm_key_map_covers_every_class():
    assert set(soundfont.GM_LABELS.values()) == {*DRUM_CLASSES, OTHER}
    assert soundfont.GM_LABELS[36] == "kick" and soundfont.GM_LABELS[42] == "hihat_closed"
    assert soundfont.GM_LABELS[46] == "hihat_open" and soundfont.GM_LABELS[51] == "ride"
    assert not {54, 69, 70} & set(soundfont.GM_LABELS)  # tambourine, cabasa, maracas


needs_fluidsynth = pytest.mark.skipif(shutil.which("fluidsynth") is None or not TIM.is_file(),
                                      reason="fluidsynth and timgm6mb-soundfont not installed")


@needs_fluidsynth
def test_render_preset_gives_labelled_one_shots():
    shots = soundfont.render_preset(TIM, 0, notes=[36, 42, 49])
    assert set(shots) == {36, 42, 49}
    for xs in shots.values():
        assert len(xs) == len(soundfont.VELOCITIES)
        for x in xs:
            assert x.dtype == np.float32 and np.all(np.isfinite(x))
            assert abs(float(np.max(np.abs(x))) - 1.0) < 1e-5
            assert sample_onset(x, soundfont.RATE) <= 1  # starts at its attack
    # A crash rings far longer than a closed hat.
    def ring(x):
        return int(np.flatnonzero(np.abs(x) > 0.01)[-1])

    assert ring(shots[49][-1]) > 3 * ring(shots[42][-1])


@needs_fluidsynth
def test_soundfont_kits_are_drum_kits(monkeypatch):
    from heihachi_index.analysis.drums.data import soundfont_kit_set

    render = soundfont.soundfont_kits
    monkeypatch.setattr(soundfont, "soundfont_kits", lambda: render((TIM,), (0, 25)))
    ks = soundfont_kit_set()
    assert isinstance(ks, KitSet) and ks.soundfont == set(ks.kits) == {"TimGM6mb-0", "TimGM6mb-25"}
    assert set(ks.kits["TimGM6mb-0"].labels) == set(DRUM_CLASSES)
    assert all(s.label == OTHER for s in ks.others["TimGM6mb-0"]) and ks.others["TimGM6mb-0"]
    # The TR-808 kit shares some sounds with the standard kit: each sound is kept once.
    keys = [ly.audio[:4096].tobytes() for kit in ks.kits.values() for insts in kit.instruments.values()
            for i in insts for ly in i.layers]
    assert len(keys) == len(set(keys))


def test_soundfont_kits_without_fluidsynth_say_what_to_install(monkeypatch, caplog):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with caplog.at_level("WARNING"):
        assert soundfont.soundfont_kits() == []
    assert "apt-get install fluidsynth" in caplog.text
    with pytest.raises(RuntimeError, match="fluidsynth not found"):
        soundfont.render_preset(TIM, 0)


def test_soundfont_kits_get_their_own_pattern_count():
    from heihachi_index.analysis.drums.data import random_kit
    from heihachi_index.analysis.drums.train import build_examples

    kit = random_kit(np.random.default_rng(0), 22050)
    ks = KitSet({"sf": kit}, {}, frozenset({"sf"}))
    common = dict(tracks_per_kit=0, synthetic_tracks=0, shot_passes=0, seconds=4.0, seed=0)
    assert len(build_examples(ks, soundfont_tracks_per_kit=0, **common).x) == 0
    ex = build_examples(ks, soundfont_tracks_per_kit=1, **common)
    assert len(ex.x) > 5 and ex.y.sum() > 5
    assert set(ex.source) == {"sf"}
    plain = KitSet({"sf": kit}, {})  # not a SoundFont kit: tracks_per_kit (0) applies
    assert len(build_examples(plain, soundfont_tracks_per_kit=1, **common).x) == 0


def test_kit_families_group_shared_recordings():
    from heihachi_index.analysis.drums.data import OneShot, kit_families, kit_family
    from heihachi_index.synth.drums import DrumKit, Instrument, Layer

    assert {kit_family(n) for n in ("FluidR3_GM-0", "FluidR3_GM-16")} == {"fluidr3"}
    assert {kit_family(n) for n in ("Millo-Drums_v.1", "Millo_MultiLayered2")} == {"millo"}
    rng = np.random.default_rng(0)
    noise = [(rng.standard_normal(8000) * np.exp(-np.arange(8000) / 2000)).astype(np.float32) for _ in range(8)]

    def kit(name: str, sounds: list[np.ndarray]) -> DrumKit:
        return DrumKit(name, {"snare": [Instrument(f"s{i}", "snare", [Layer(x, SR)]) for i, x in enumerate(sounds)]})

    # "Copy" holds three of "Orig"'s recordings (rescaled); "Other" shares one of its five with "Orig" (one
    # of "Orig"'s six), under the 25 % that make two families one.
    kits = {"Orig-A": kit("Orig-A", noise[:4]), "Orig-B": kit("Orig-B", noise[1:3]),
            "Copy": kit("Copy", [0.5 * x for x in noise[1:4]]), "Other": kit("Other", [noise[0], *noise[4:8]])}
    # "Tiny" is half "Orig", half "Other": it joins one of them, and does not chain the two together.
    kits["Tiny"] = kit("Tiny", [noise[2], noise[6]])
    fam = kit_families(KitSet(kits, {"Perc": [OneShot(noise[5], SR, OTHER, "Perc", "p")]}))
    assert fam["Orig-A"] == fam["Orig-B"] == fam["Copy"]
    assert fam["Other"] != fam["Orig-A"] and fam["Perc"] == fam["Other"]
    assert fam["Tiny"] in (fam["Orig-A"], fam["Other"]) and len(set(fam.values())) == 2
    assert len(set(kit_families(KitSet(kits, {}), threshold=1.01).values())) == 4   # nothing the same


def test_every_example_carries_its_source():
    """Rows of a kit carry its family; synthetic and random patterns are sources of their own; random
    one-shot sets join the family of the kit whose "other" sounds they borrow."""
    from heihachi_index.analysis.drums.data import OneShot, random_kit
    from heihachi_index.analysis.drums.train import TrainConfig, build_examples, example_sources, family_folds, kit_folds

    rng = np.random.default_rng(0)
    perc = [OneShot((rng.standard_normal(4000) * np.exp(-np.arange(4000) / 800)).astype(np.float32), 22050, OTHER,
                    "Perc", f"p{i}") for i in range(3)]
    ks = KitSet({"Kit_A": random_kit(rng, 22050)}, {"Perc": perc})
    ex = build_examples(ks, tracks_per_kit=1, synthetic_tracks=1, random_tracks=1, shot_passes=1,
                        random_shot_kits=1, seconds=3.0, seed=0)
    assert set(ex.source) == {"kit", "perc", "synthetic/1", "random/2"}
    assert ex.y[ex.source == "perc", DRUM_CLASSES.index("kick")].sum() > 0   # the random kit's one-shots
    # Known without rendering (the folds of a run, for evaluating each kit out of fold).
    sizes = dict(tracks_per_kit=1, synthetic_tracks=1, random_tracks=1, shot_passes=1, random_shot_kits=1)
    assert example_sources(ks, **sizes) == set(ex.source)
    assert example_sources(ks, **{**sizes, "random_shot_kits": 3, "synthetic_tracks": 2}) == {
        "kit", "perc", "synthetic/1", "synthetic/2", "random/3"}
    alone = KitSet({"Kit_A": ks.kits["Kit_A"]}, {})   # no "other" sounds to borrow: sets of their own
    assert example_sources(alone, **sizes) == {"kit", "synthetic/1", "random/2", "random-shots/0"}
    with pytest.raises(ValueError, match="unknown before rendering"):
        example_sources(ks, **{**sizes, "shot_passes": 0})
    for seed in range(4):   # each kit family in the fold that training's cross-validation puts its rows in
        fold = kit_folds(ex.source, 2, seed)
        assert family_folds(ks, TrainConfig(**sizes, members=2, seed=seed)) == {
            fam: int(fold[ex.source == fam][0]) for fam in ("kit", "perc")}


def test_hit_features_tell_partials_from_noise():
    from heihachi_index.analysis.drums.classify import GROUPS, N_BANDS, N_FEATURES, WINDOW_STARTS, hit_features
    from heihachi_index.analysis.drums.onsets import SR as ASR
    from heihachi_index.analysis.drums.onsets import detect_onsets, percussive_bands

    rng = np.random.default_rng(0)
    t = np.arange(int(0.8 * ASR)) / ASR
    decay = np.exp(-t / 0.3)
    tone = sum(np.sin(2 * np.pi * f * t) for f in (5100.0, 6300.0, 7700.0, 9100.0)) * decay
    noise = rng.standard_normal(len(t)) * decay
    flat = {}
    for name, x in (("tone", tone), ("noise", noise)):
        y = np.concatenate([np.zeros(ASR // 4), x / np.max(np.abs(x)) * 0.5, np.zeros(ASR // 4)]).astype(np.float32)
        perc = percussive_bands(y)
        on = detect_onsets(y, perc=perc)
        i = int(np.argmin(np.abs(on.samples - ASR // 4)))
        f = hit_features(y, on.samples[i : i + 1], perc, on.strength[i : i + 1]).x
        assert f.shape == (1, N_FEATURES) and np.all(np.isfinite(f))
        start = len(WINDOW_STARTS) * N_BANDS
        fl = f[0, start : start + len(WINDOW_STARTS) * len(GROUPS)].reshape(len(WINDOW_STARTS), len(GROUPS))
        assert np.all((fl >= 0) & (fl <= 1))
        flat[name] = fl[3:6, 3].mean()  # decay windows, the 4-11 kHz group
    assert flat["tone"] < 0.2 < 0.4 < flat["noise"]


def test_reliability_measures_calibration():
    from heihachi_index.analysis.drums.metrics import reliability

    rng = np.random.default_rng(0)
    c = rng.random(20000)
    table, ece = reliability(c, rng.random(20000) < c)  # right as often as claimed
    assert ece < 0.02 and table[:, 0].sum() == 20000
    _, ece_over = reliability(c, rng.random(20000) < c / 2)  # right half as often
    assert abs(ece_over - 0.25) < 0.02
    assert reliability(np.array([]), np.array([]))[1] == 0.0


def _noise_hit(seed: int, sr: int = SR, seconds: float = 0.2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    return (rng.standard_normal(len(t)) * np.exp(-t / 0.04)).astype(np.float32)


def test_recordings_of_held_out_kits_never_reach_training():
    from heihachi_index.analysis.drums.data import OneShot, drop_recordings_of
    from heihachi_index.synth.drums import DrumKit, Instrument, Layer

    held_hat, held_kick = _noise_hit(1), _hit()
    held = [OneShot(held_hat, SR, "hihat_closed", "held", "hat"), OneShot(held_kick, SR, "kick", "held", "kick")]
    # The held-out hat again in another kit: resampled, quieter, 2 ms later, as one of three velocity layers.
    import soxr
    copy = np.concatenate([np.zeros(44, np.float32), 0.3 * soxr.resample(held_hat, SR, 48000)])
    hat = Instrument("Hat", "hihat_closed", [Layer(_noise_hit(2), SR), Layer(copy, 48000), Layer(_noise_hit(3), SR)])
    other_hat = Instrument("Hat 2", "hihat_closed", [Layer(_noise_hit(4), SR)])
    # A different kick of nearly the same pitch: low sounds correlate, but it is not the same recording.
    t = np.arange(int(0.3 * SR)) / SR
    kick = Instrument("Kick", "kick", [Layer((np.exp(-t / 0.06) * np.sin(2 * np.pi * 170 * t)).astype(np.float32)
                                             + 0.05 * _noise_hit(5, seconds=0.3), SR)])
    kits = KitSet({"k": DrumKit("k", {"hihat_closed": [hat, other_hat], "kick": [kick]}, None)},
                  {"k": [OneShot(held_hat[::-1].copy(), SR, OTHER, "k", "reversed"),
                         OneShot(held_hat * 0.5, SR, OTHER, "k", "copy")]}, frozenset({"k"}))
    out = drop_recordings_of(kits, held)
    kept = {label: [i.name for i in insts] for label, insts in out.kits["k"].instruments.items()}
    assert kept == {"hihat_closed": ["Hat 2"], "kick": ["Kick"]}   # the whole instrument of the copy goes
    assert [s.name for s in out.others["k"]] == ["reversed"]
    assert out.soundfont == {"k"}
    assert drop_recordings_of(kits, []) is kits


def test_exadrums_and_sample_file_names(tmp_path):
    from heihachi_index.analysis.drums.data import exadrums_kit
    from heihachi_index.synth.drums import label_for_name

    assert label_for_name("Snr_Acou_01") == "snare" and label_for_name("BD_Acou_01") == "kick"
    assert exadrums_kit(tmp_path / "absent") is None
    for name in ("BD_Acou_01", "Snr_Acou_01", "HiHat", "RideEdge", "Tom01"):
        sf.write(tmp_path / f"{name}.wav", _hit(), SR)
    kit = exadrums_kit(tmp_path)
    assert kit.name == "exadrums" and set(kit.instruments) == {"kick", "snare", "hihat_closed", "ride", "tom"}


def test_soundfont_layouts(tmp_path):
    import mido

    assert soundfont.layout(TIM).labels is soundfont.GM_LABELS and soundfont.layout(TIM).bank == 128
    avl = soundfont.layout(soundfont.SOUNDFONTS[-1])
    assert avl.bank == 0 and avl.presets == (0,) and avl.labels[46] == "hihat_open"
    assert {48, 50, 52, 54, 58, 60}.isdisjoint(avl.labels)  # swish, chokes, tambourine, the ambiguous 22"
    assert set(avl.labels.values()) == {*DRUM_CLASSES, OTHER}
    assert not any("Black_Pearl" in f.name for f in soundfont.SOUNDFONTS)  # the held-out kit's recordings
    for bank, channel in ((128, 9), (0, 0)):
        soundfont._midi(0, [36, 42], tmp_path / "k.mid", bank)
        msgs = [m for m in mido.MidiFile(str(tmp_path / "k.mid")).tracks[0] if not m.is_meta]
        assert {m.channel for m in msgs} == {channel}
        assert [m.note for m in msgs if m.type == "note_on"] == [36] * 3 + [42] * 3



@pytest.mark.skipif(not (HYDROGEN_DIR / "Gimme A Hand 1.0").is_dir(), reason="hydrogen-drumkits not installed")
def test_held_out_clap_copied_into_another_kit_is_not_trained_on():
    # "Gimme A Hand 1.0" holds the held-out Black Pearl kit's hand clap, five times over.
    assert "Gimme A Hand 1.0" in {p.name for p in hydrogen_kits()}
    assert "Gimme A Hand 1.0" not in kit_split("train", extra=False).kits


@pytest.mark.skipif(not (HYDROGEN_DIR / "VariBreaks").is_dir(), reason="hydrogen-drumkits not installed")
def test_splits_are_disjoint_by_kit():
    from heihachi_index.analysis.drums.data import HELD_OUT_KITS, VALIDATION_KITS

    train, validation = kit_split("train", extra=False), kit_split("validation")
    assert set(validation.kits) == set(VALIDATION_KITS)
    assert not set(train.kits) & (set(VALIDATION_KITS) | set(HELD_OUT_KITS))
    with pytest.raises(ValueError, match="unknown split 'calibration'"):
        kit_split("calibration")


def _gus_patch(waves: list[tuple[bytes, int, int]]) -> bytes:
    """A GUS patch holding ``(data, rate, modes)`` waves, laid out as TiMidity reads it."""
    import struct

    head = bytearray(239)
    head[:22] = b"GF1PATCH110\0ID#000002\0"
    head[82] = 1      # instruments
    head[151] = 1     # layers
    head[198] = len(waves)
    out = bytes(head)
    for data, rate, modes in waves:
        wave = bytearray(96)
        struct.pack_into("<I", wave, 8, len(data))
        struct.pack_into("<H", wave, 20, rate)
        wave[55] = modes
        out += bytes(wave) + data
    return out


def test_gus_patches_are_read_as_samples(tmp_path, caplog):
    from heihachi_index.analysis.drums.data import freepats_kit
    from heihachi_index.synth.drums import load_sample
    from heihachi_index.synth.gus import read_patch

    hit = np.concatenate([np.zeros(50, np.float32), _hit(32000)])
    pcm16 = np.round(hit * 30000).astype("<i2").tobytes()
    pcm8u = (np.round(hit[::2] * 100) + 128).astype(np.uint8).tobytes()
    (tmp_path / "038_Snare_1.pat").write_bytes(_gus_patch([(pcm16, 32000, 0x01), (pcm8u, 16000, 0x02)]))
    waves = read_patch(tmp_path / "038_Snare_1.pat")
    assert [(len(x), sr) for x, sr in waves] == [(len(hit), 32000), (len(hit[::2]), 16000)]
    np.testing.assert_allclose(waves[0][0], hit * 30000 / 32768, atol=1e-4)
    np.testing.assert_allclose(waves[1][0], np.round(hit[::2] * 100) / 128, atol=1e-6)
    x, sr = load_sample(tmp_path / "038_Snare_1.pat")
    assert sr == 32000 and abs(len(x) - len(_hit(32000))) <= 2   # from the hit on
    # Named by GM note: 42 is a closed hat, 56 a cowbell ("other"); 25 (a snare roll) is no single hit.
    (tmp_path / "042_Hi-Hat_Closed.pat").write_bytes(_gus_patch([(pcm16, 32000, 0x01)]))
    (tmp_path / "056_Cow_Bell.pat").write_bytes(_gus_patch([(pcm16, 32000, 0x01)]))
    (tmp_path / "025_Snare_Roll.pat").write_bytes(_gus_patch([(pcm16, 32000, 0x01)]))
    (tmp_path / "036_Kick_2.pat").write_bytes(_gus_patch([(pcm16[:-100], 32000, 0x01)])[:-1000])  # truncated
    with pytest.raises(ValueError, match="036_Kick_2.pat.*truncated"):
        read_patch(tmp_path / "036_Kick_2.pat")
    (tmp_path / "empty.pat").write_bytes(_gus_patch([]))
    with pytest.raises(ValueError, match="empty.pat: the patch holds no wave"):
        read_patch(tmp_path / "empty.pat")
    assert load_sample(tmp_path / "empty.pat") is None   # warned, not a silent empty sound
    with pytest.raises(ValueError, match="not a GUS patch"):
        (tmp_path / "x.pat").write_bytes(b"RIFF" + bytes(300))
        read_patch(tmp_path / "x.pat")
    with caplog.at_level("WARNING"):
        kit, others = freepats_kit(tmp_path)
    assert any("unreadable" in r.getMessage() for r in caplog.records)
    assert {label: [i.name for i in insts] for label, insts in kit.instruments.items()} == {
        "snare": ["038_Snare_1"], "hihat_closed": ["042_Hi-Hat_Closed"]}
    assert [s.name for s in others] == ["056_Cow_Bell"] and others[0].label == OTHER
    assert freepats_kit(tmp_path / "absent") is None


def test_disputed_labels_name_held_out_one_shots():
    """Every entry of DISPUTED_LABELS is an instrument of a held-out kit (a misspelt one would silently leave
    nothing out of the audited figure of eval_drums.py)."""
    from heihachi_index.analysis.drums.data import DISPUTED_LABELS, HELD_OUT_KITS, kit_one_shots

    shots = [s for name in HELD_OUT_KITS for s in kit_one_shots(load_kit(HYDROGEN_DIR / name), name)]
    found = {(s.kit, s.name): s.label for s in shots if (s.kit, s.name) in DISPUTED_LABELS}
    assert set(found) == set(DISPUTED_LABELS)
    assert found["The Black Pearl 1.0", "Sabian Hat Swish"] == "hihat_closed"
    assert sum((s.kit, s.name) in DISPUTED_LABELS for s in shots) == 11   # the Swish has five velocity layers


def _benchmark(name: str):
    """``benchmarks/<name>.py`` as a module."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def _eval_drums(monkeypatch):
    """``benchmarks/eval_drums.py`` as a module."""
    import os

    # The benchmark pins its thread counts on import (os.environ.setdefault): keep that out of the tests after
    # this one, and out of the processes they start.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        monkeypatch.setenv(var, os.environ.get(var, "1"))
    return _benchmark("eval_drums")


def _drum_baselines(monkeypatch):
    """``benchmarks/drum_baselines.py`` as a module, and the ``eval_drums`` module it imports (loaded by
    :func:`_eval_drums`, so that it leaves the environment alone)."""
    import sys

    ev = _eval_drums(monkeypatch)
    monkeypatch.setitem(sys.modules, "eval_drums", ev)
    monkeypatch.setattr(sys, "path", list(sys.path))
    return _benchmark("drum_baselines"), ev


def test_eval_lists_the_one_shots_it_misreads(monkeypatch):
    from heihachi_index.analysis.drums.data import DISPUTED_LABELS, OneShot

    bench = _eval_drums(monkeypatch)
    audio = np.zeros(10, np.float32)
    kit, disputed = next(iter(DISPUTED_LABELS))
    shots = [OneShot(audio, 44100, "hihat_open", "K", "Open") for _ in range(4)]
    shots += [OneShot(audio, 44100, "kick", "K", "Kick"), OneShot(audio, 44100, "tom", kit, disputed)]
    results = [("hihat_open", {"ride"}), ("hihat_open", {"crash", "ride"}), ("hihat_open", {"ride"}),
               ("hihat_open", {"hihat_open"}), ("kick", {"kick"}), ("tom", set())]
    assert bench._misreads(shots, results) == ["K / Open: hihat_open -> ride (2), crash+ride (1)",
                                               f"{kit} / {disputed} (disputed): tom -> nothing (1)"]
    # The instrument with the most misread takes comes first.
    assert bench._misreads(shots[::-1], results[::-1])[0].startswith("K / Open: ")
    assert bench._misreads(shots[3:5], results[3:5]) == []  # heard as labelled, alone
    # A take heard as its label and something more is listed too: the extra label is a false positive.
    assert bench._misreads(shots[:1], [("hihat_open", {"hihat_open", "crash"})]) == [
        "K / Open: hihat_open -> crash+hihat_open (1)"]


def test_eval_hears_each_training_kit_with_the_members_that_never_heard_it(monkeypatch, tmp_path, capsys):
    """Section 6 of eval_drums: every one-shot of a training kit goes to the member pair of the fold its family
    was in when the weights were trained (the folds they record, or those of the run they record), and
    nowhere else."""
    import json
    from dataclasses import asdict, replace

    from heihachi_index.analysis.drums import train as T
    from heihachi_index.analysis.drums.classify import load_classifier
    from heihachi_index.analysis.drums.data import OneShot, kit_families, random_kit

    bench = _eval_drums(monkeypatch)
    rng = np.random.default_rng(0)
    perc = [OneShot(np.ones(100, np.float32), 22050, OTHER, "Perc", f"p{i}") for i in range(2)]
    kits = KitSet({name: random_kit(rng, 22050) for name in ("Alpha", "Beta", "Gamma", "Delta")}, {"Perc": perc})
    asked: list[T.TrainConfig] = []
    monkeypatch.setattr(T, "training_kits", lambda cfg: asked.append(cfg) or kits)
    clf = load_classifier()
    families = kit_families(kits)
    heard: list[tuple[str, int]] = []

    def classify_alone(shots, model):
        member = [m for m in range(clf.members) if np.array_equal(model.weights[0][0], clf.weights[0][m])]
        assert model.members == 1 and model.conv.members == 1 and len(member) == 1
        heard.extend((s.kit, member[0]) for s in shots)
        return [(s.label, {s.label}) for s in shots]

    def crossval(**meta) -> dict:
        heard.clear()
        asked.clear()
        clf.save(path, **meta)
        return bench.section_crossval(False, model=str(path))

    monkeypatch.setattr(bench, "_classify_alone", classify_alone)
    path = tmp_path / "w.npz"
    n_shots = sum(len(kits.sounds(name)) for name in (*kits.kits, "Perc"))
    # Weights that record only their seed (the shipped ones): the default run with that seed, folds worked out.
    folds = T.family_folds(kits, replace(T.TrainConfig(), seed=3))
    assert set(folds) == set(families.values()) and len(set(folds.values())) > 1  # not all in one fold
    assert crossval(train_kits=sorted(kits.kits), seed=3) == {"macro_f1": 1.0, "family_macro_f1": 1.0}
    assert asked == [replace(T.TrainConfig(), seed=3)]
    assert len(heard) == n_shots and all(member == folds[families[kit]] for kit, member in heard)
    assert "(no drums)" in capsys.readouterr().out   # "Perc" holds no drum class
    # Weights that record their configuration: the folds of that run.
    cfg = replace(T.TrainConfig(), seed=5, random_tracks=7)
    other = T.family_folds(kits, cfg)
    assert other != folds
    crossval(train_kits=sorted(kits.kits), seed=5, config=json.dumps(asdict(cfg)))
    assert asked == [cfg] and len(heard) == n_shots
    assert all(member == other[families[kit]] for kit, member in heard)
    # Weights that record their folds: those, whatever the configuration says. A family in no fold (never
    # played in training) is left out.
    recorded = {fam: (i + 1) % clf.members for i, fam in enumerate(sorted(set(families.values())))}
    del recorded[families["Alpha"]]
    crossval(train_kits=sorted(kits.kits), seed=5, config=json.dumps(asdict(cfg)), folds=json.dumps(recorded))
    assert len(heard) == n_shots - len(kits.sounds("Alpha"))
    assert all(member == recorded[families[kit]] for kit, member in heard)
    assert "left out" in capsys.readouterr().out
    # Weights that do not record their run, or were trained on other kits or with other members, cannot say
    # who heard what.
    for meta in ({"train_kits": sorted(kits.kits)}, {"train_kits": ["Alpha"], "seed": 3},
                 {"train_kits": sorted(kits.kits), "seed": 3, "config": json.dumps(asdict(replace(cfg, members=2)))}):
        assert crossval(**meta) == {} and not heard
        assert "skipped" in capsys.readouterr().out


def test_bandwidth_check_hears_each_band_where_it_is(monkeypatch):
    """``drum_baselines.describe``: a 2 kHz tone is the 0 dB reference under 11 kHz with nothing above; a 16 kHz
    tone 20 dB over it lands in the 15-17.5 kHz band, and only the high bands hear it."""
    bench, _ = _drum_baselines(monkeypatch)
    t = np.arange(bench.RATE) / bench.RATE
    low_tone = (0.1 * np.sin(2 * np.pi * 2000.0 * t)).astype(np.float32)
    n_low, n_high = len(bench.LOW_EDGES) - 1, len(bench.HIGH_EDGES) - 1
    low, high = bench.describe(low_tone)
    low, high = low.reshape(len(bench.TIMES), n_low), high.reshape(len(bench.TIMES), n_high)
    band = int(np.searchsorted(bench.LOW_EDGES, 2000.0)) - 1
    assert np.allclose(low[:3, band], 0.0, atol=0.02) and np.all(low[:3, :band - 2] == -1.0)
    assert np.all(high <= -0.9)
    _, high = bench.describe(low_tone + (1.0 * np.sin(2 * np.pi * 16000.0 * t)).astype(np.float32))
    high = high.reshape(len(bench.TIMES), n_high)
    # +3 dB more: the scales match for noise (cymbals), and a window twice as long gains 3 dB more on a tone.
    assert np.allclose(high[:3, 2], 23.0 / 60.0, atol=0.03) and np.all(high[:3, [0, 1, 3]] < 0.0)
    # The low bands are what the 22.05 kHz analysis hears: resampled, not decimated, so the 16 kHz tone does not
    # fold down into them (at 6.05 kHz).
    assert np.allclose(bench.describe(low_tone + (np.sin(2 * np.pi * 16000.0 * t)).astype(np.float32))[0],
                       bench.describe(low_tone)[0], atol=0.01)


def test_bandwidth_check_reads_each_family_with_a_model_that_never_saw_it(monkeypatch):
    """``drum_baselines.leave_group_out``: a family whose labels are the other families' swapped is read as the
    others would read it, which a model fitted on it too would not do."""
    bench, _ = _drum_baselines(monkeypatch)
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(-2, 0.3, (30, 2)), rng.normal(2, 0.3, (30, 2))])
    y = np.array(["kick"] * 30 + ["snare"] * 30)
    groups = np.where(np.arange(60) % 10 == 0, "c", np.where(np.arange(60) % 2 == 0, "a", "b"))
    swapped = groups == "c"
    y_odd = np.where(swapped, np.where(y == "kick", "snare", "kick"), y)
    make = bench.CLASSIFIERS["logistic regression"]
    pred = bench.leave_group_out(x, y_odd, groups, make)
    assert np.array_equal(pred[swapped], y[swapped]) and np.array_equal(pred[~swapped], y_odd[~swapped])
    f = bench.class_f1(y_odd, pred)
    assert len(f) == len(DRUM_CLASSES) and f[DRUM_CLASSES.index("kick")] == pytest.approx(0.9)  # 6 of 60 swapped
    # Every class of the eight is scored, those absent at 0.
    assert f[DRUM_CLASSES.index("ride")] == 0.0


def test_bandwidth_check_leaves_out_band_limited_recordings(monkeypatch):
    """``drum_baselines.drum_shots`` keeps the drum one-shots recorded at 44.1 kHz or more, and only them, and
    ``shot_table`` describes them."""
    from heihachi_index.analysis.drums.data import kit_one_shots, random_kit

    bench, _ = _drum_baselines(monkeypatch)
    rng = np.random.default_rng(1)
    kits = KitSet({"Full": random_kit(rng, 44100), "Narrow": random_kit(rng, 22050)}, {})
    low, both, labels, groups = bench.shot_table(bench.drum_shots(kits), lambda name: name.lower())
    n_full = len([s for s in kit_one_shots(kits.kits["Full"], "Full") if s.label in DRUM_CLASSES])
    assert n_full > 0 and len(labels) == n_full and set(groups) == {"full"}
    assert low.shape == (n_full, len(bench.TIMES) * (len(bench.LOW_EDGES) - 1))
    assert both.shape[1] == low.shape[1] + len(bench.TIMES) * (len(bench.HIGH_EDGES) - 1)
    assert np.array_equal(both[:, : low.shape[1]], low) and set(labels) <= set(DRUM_CLASSES)


def test_baselines_read_each_fold_with_what_never_heard_it(monkeypatch, capsys):
    """``drum_baselines.section_nets``: each one-shot is heard by the nets' member pair of its family's fold and
    read by classifiers fitted on the other folds only; all are scored as eval_drums scores one-shots."""
    from heihachi_index.analysis.drums.classify import load_classifier
    from heihachi_index.analysis.drums.data import kit_one_shots, random_kit

    bench, ev = _drum_baselines(monkeypatch)
    rng = np.random.default_rng(2)
    kits = KitSet({name: random_kit(rng, 44100) for name in ("A1", "A2", "B1", "C1", "Narrow")}, {})
    kits.kits["Narrow"] = random_kit(rng, 22050)
    families = {"A1": "a", "A2": "a", "B1": "b", "C1": "c", "Narrow": "n"}
    folds = {"a": 0, "b": 1, "c": 0}            # "n" in no fold: left out, as kits training never played
    clf = load_classifier()
    monkeypatch.setattr(ev, "training_folds", lambda path: (clf, kits, families, folds))
    heard: list[tuple[str, int]] = []

    def classify_alone(shots, model):
        member = [m for m in range(clf.members) if np.array_equal(model.weights[0][0], clf.weights[0][m])]
        assert model.members == 1 and len(member) == 1
        heard.extend((s.kit, member[0]) for s in shots)
        return [(s.label, {s.label}) for s in shots]

    monkeypatch.setattr(ev, "_classify_alone", classify_alone)
    fitted: list[int] = []
    monkeypatch.setattr(bench, "leave_group_out", lambda x, y, groups, make: (fitted.append(len(set(groups))), y)[1])
    bench.section_nets(None)
    n = sum(1 for k in ("A1", "A2", "B1", "C1") for s in kit_one_shots(kits.kits[k], k) if s.label in DRUM_CLASSES)
    assert len(heard) == n and all(member == folds[families[kit]] for kit, member in heard)
    assert fitted == [2] * len(bench.CLASSIFIERS)  # grouped by the two folds
    out = capsys.readouterr().out
    assert f"{n} one-shots of 3 families in 2 folds" in out
    assert out.count(" 1.000 ") == 1 + len(bench.CLASSIFIERS)
    monkeypatch.setattr(ev, "training_folds", lambda path: "the weights do not record how they were trained")
    heard.clear()
    bench.section_nets(None)
    assert not heard and "skipped" in capsys.readouterr().out
