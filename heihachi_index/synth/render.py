"""Render a whole synthetic track with its ground truth."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np
import soxr

from heihachi_index.camelot import PITCH_CLASSES, camelot, normalize_pitch, parse_key
from heihachi_index.synth import arrange, dsp, instruments
from heihachi_index.synth.drums import DrumKit, PlacedHit, render_drums, synthetic_kit
from heihachi_index.synth.harmony import choose_progression
from heihachi_index.synth.patterns import LABELS, BarContext, Groove, bar_hits, choose_groove
from heihachi_index.synth.structure import PARTS, n_bars, plan_sections
from heihachi_index.synth.styles import BASS_TYPES, StyleSpec, spec
from heihachi_index.synth.truth import GroundTruth, SynthTrack, mood_label

PEAK_DBFS = -1.0
# Bus levels before normalisation; drums peak near 1 (a full-velocity kick).
BASS_LEVEL = {"sub": 0.55, "reese": 0.42, "wobble": 0.42}
PAD_LEVEL, KEYS_LEVEL, STAB_LEVEL, PLUCK_LEVEL, LEAD_LEVEL, VOCAL_LEVEL, RISER_LEVEL = (
    0.3, 0.45, 0.3, 0.3, 0.18, 0.7, 0.16)
MIN_VELOCITY = 0.25   # softer hits would not be reliably audible in a mix
TAIL_SECONDS = 0.05   # no hit starts this close to the end, so every labelled hit is heard


@dataclass(frozen=True)
class Controls:
    """The musical controls of one track (see :func:`draw_controls`)."""

    tempo: float
    key: str
    mode: str
    bass: str
    brightness: float
    density: float
    distortion: float
    swing: float


def _unit(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value}")
    return value


def _parse_key(key: str) -> tuple[str, str | None]:
    """Tonic and, if the text names one ("F minor", "Fm", "4A"), the mode."""
    m = re.fullmatch(r"\s*([A-Ga-g][#b♯♭]?)\s*(.*?)\s*", key)
    if m and not m.group(2):
        return normalize_pitch(m.group(1)), None
    tonic, mode = parse_key(key)
    return tonic, mode


def draw_controls(style: StyleSpec, seed: int, *, tempo: float | None = None, key: str | None = None,
                  mode: str | None = None, bass: str | None = None, brightness: float | None = None,
                  density: float | None = None, distortion: float | None = None) -> Controls:
    """The track's controls: every one is drawn from the seeded RNG (always, in the same order, so an
    override never shifts the others), then replaced by the value given, if any."""
    rng = dsp.rng_for(seed, style.name, "controls")
    lo, hi = style.tempo
    drawn = Controls(
        tempo=float(rng.integers(int(lo), int(hi) + 1)),
        key=PITCH_CLASSES[int(rng.integers(12))],
        mode="minor" if rng.random() < style.p_minor else "major",
        bass=str(rng.choice(style.bass, p=np.array(style.bass_weights) / sum(style.bass_weights))),
        brightness=round(float(rng.uniform(*style.brightness)), 3),
        density=round(float(rng.uniform(*style.density)), 3),
        distortion=round(float(rng.uniform(*style.distortion)), 3),
        swing=round(float(rng.uniform(*style.swing)), 3),
    )
    key_mode = None
    if key is not None:
        key, key_mode = _parse_key(key)
    mode = mode if mode is not None else key_mode
    if mode is not None and mode not in ("major", "minor"):
        raise ValueError(f"mode must be 'major' or 'minor', got {mode!r}")
    if bass is not None and bass not in BASS_TYPES:
        raise ValueError(f"bass must be one of {BASS_TYPES}, got {bass!r}")
    if tempo is not None and not 30.0 <= float(tempo) <= 300.0:
        raise ValueError(f"tempo must be within 30-300 BPM, got {tempo}")
    return Controls(
        tempo=float(tempo) if tempo is not None else drawn.tempo,
        key=key if key is not None else drawn.key,
        mode=mode if mode is not None else drawn.mode,
        bass=bass if bass is not None else drawn.bass,
        brightness=_unit("brightness", brightness) if brightness is not None else drawn.brightness,
        density=_unit("density", density) if density is not None else drawn.density,
        distortion=_unit("distortion", distortion) if distortion is not None else drawn.distortion,
        swing=drawn.swing,
    )


def _place_hits(style: StyleSpec, bars: list[arrange.BarInfo], grid: arrange.Grid, groove: Groove, c: Controls,
                n: int, sr: int, rng: np.random.Generator) -> list[PlacedHit]:
    last = n - int(TAIL_SECONDS * sr)
    placed = []
    for b in bars:
        ctx = BarContext(b.role, b.index, b.length, b.bar, b.next_role)
        for h in bar_hits(style, ctx, groove, c.density, rng):
            jitter = float(np.clip(rng.standard_normal(), -2.5, 2.5)) * style.jitter_ms / 1000.0
            sample = max(0, int(round((grid.time(b.bar, h.step) + jitter) * sr)))
            velocity = round(float(np.clip(h.velocity * (1.0 + 0.05 * rng.standard_normal()), MIN_VELOCITY, 1.0)), 3)
            if sample < last:
                placed.append(PlacedHit(sample, h.label, velocity, h.variant))
    placed.sort(key=lambda h: (h.sample, LABELS.index(h.label)))
    return placed


def _upsample(x: np.ndarray, sr_in: int, sr_out: int, n: int) -> np.ndarray:
    """(channels, m) at ``sr_in`` -> (channels, n) at ``sr_out``."""
    if sr_in == sr_out:
        y = x
    else:
        y = soxr.resample(np.ascontiguousarray(x.T), sr_in, sr_out).T
    out = np.zeros((x.shape[0], n), dtype=np.float32)
    m = min(n, y.shape[1])
    out[:, :m] = y[:, :m]
    return out


def generate(style: str, seed: int, seconds: float = 60.0, sr: int = 44100, *, tempo: float | None = None,
             key: str | None = None, mode: str | None = None, bass: str | None = None,
             brightness: float | None = None, density: float | None = None, distortion: float | None = None,
             vocals: bool = False, drums: bool | None = None, structure: bool = True,
             kit: DrumKit | str | os.PathLike[str] | None = None, stems: bool = False) -> SynthTrack:
    """Render a synthetic track of a style with its ground truth.

    Parameters
    ----------
    style : str
        One of :data:`STYLES`.
    seed : int
        Non-negative seed; the same arguments always give bit-identical audio.
    seconds, sr : float, int
        Duration and sample rate.
    tempo, key, mode, bass, brightness, density, distortion : optional
        Controls; ``None`` draws each from the style's range (see :mod:`heihachi_index.synth.styles`).
        ``key`` is a tonic ("F", "Bb"), or a key naming the mode too ("F minor", "4A").
    vocals : bool
        Add vocal-like formant melodies in drops and breakdowns.
    drums : bool, optional
        Override whether drums play (default: the style's choice; ambient has none).
    structure : bool
        Lay out intro/build-up/drop/breakdown/outro; ``False`` gives one drop.
    kit : DrumKit or path, optional
        Sample kit (a :class:`DrumKit` or a folder for :meth:`DrumKit.from_folder`); labels it lacks
        are synthesised. Default: a synthesised kit.
    stems : bool
        Also return the drums, bass, music, vocals and fx stems in ``SynthTrack.stems``.

    Returns
    -------
    SynthTrack
        Stereo float32 audio ``(n, 2)`` peaking at -1 dBFS, and its :class:`GroundTruth`.
    """
    st = spec(style)
    if seconds <= 0:
        raise ValueError(f"seconds must be positive, got {seconds}")
    if sr < 8000:
        raise ValueError(f"sample rate too low: {sr}")
    c = draw_controls(st, seed, tempo=tempo, key=key, mode=mode, bass=bass, brightness=brightness,
                      density=density, distortion=distortion)
    use_drums = st.drums if drums is None else bool(drums)
    n = int(round(seconds * sr))
    duration = n / sr
    # Pitched parts are synthesised at half rate (they hold nothing above ~9 kHz) and upsampled once.
    ssr = sr // 2 if sr >= 32000 and sr % 2 == 0 else sr
    ns = int(np.ceil(n * ssr / sr)) + 1

    grid = arrange.Grid(c.tempo, c.swing)
    sections = plan_sections(n_bars(duration, grid.bar_seconds), structure)
    progression = choose_progression(c.key, c.mode, dsp.rng_for(seed, style, "harmony"))
    bars = arrange.bar_plan(sections, progression, st.bars_per_chord)

    # Drums.
    drum_bus = np.zeros((2, n), dtype=np.float32)
    placed: list[PlacedHit] = []
    kit_name = "none"
    rd = dsp.rng_for(seed, style, "drums")
    groove = choose_groove(st, c.density, rd)
    if use_drums:
        placed = _place_hits(st, bars, grid, groove, c, n, sr, rd)
        used = sorted({h.label for h in placed})
        tonic_triad = (progression[0].root, *progression[0].tones[1:])
        synth_kit = synthetic_kit(style, sr, dsp.rng_for(seed, style, "kit"), distortion=c.distortion, labels=used,
                                  tuning=tonic_triad)
        if kit is None:
            drum_kit = synth_kit
        else:
            drum_kit = (kit if isinstance(kit, DrumKit) else DrumKit.from_folder(kit)).with_fallback(synth_kit)
        kit_name = drum_kit.name
        drum_bus = render_drums(placed, n, sr, drum_kit, dsp.rng_for(seed, style, "drum-mix"),
                                brightness=c.brightness)

    # Bass.
    bass_bus = np.zeros(ns, dtype=np.float32)
    rb = dsp.rng_for(seed, style, "bass")
    notes = arrange.bass_notes(st, c.bass, bars, grid, groove, c.density, ssr, rb)
    if c.bass == "sub":
        bass_bus = instruments.sub_bass(notes, ns, ssr, drive=c.distortion * 0.5)
    elif c.bass == "reese":
        bass_bus = instruments.reese_bass(notes, ns, ssr, rb, brightness=c.brightness, distortion=c.distortion,
                                          lfo_hz=c.tempo / 120.0)
    elif c.bass == "wobble":
        bass_bus = instruments.wobble_bass(notes, ns, ssr, rb, brightness=c.brightness, distortion=c.distortion)
    bass_bus *= BASS_LEVEL.get(c.bass, 0.0)

    # Pads, keys, stabs, arps, lead.
    rm = dsp.rng_for(seed, style, "music")
    music = instruments.pad(arrange.pad_chords(bars, grid, ssr, low_root=c.bass == "none"), ns, ssr, rm,
                            brightness=c.brightness) * PAD_LEVEL
    mono_music = np.zeros(ns, dtype=np.float32)
    if "keys" in st.parts:
        mono_music += KEYS_LEVEL * instruments.keys(arrange.keys_chords(st, bars, grid, ssr), ns, ssr,
                                                    brightness=c.brightness)
    if "stab" in st.parts:
        mono_music += STAB_LEVEL * instruments.stab(arrange.stab_chords(st, bars, grid, c.density, ssr, rm), ns,
                                                    ssr, brightness=c.brightness, distortion=c.distortion)
    if "lead" in st.parts:
        mono_music += LEAD_LEVEL * instruments.lead(arrange.lead_notes(bars, grid, c.key, c.mode, ssr, rm), ns,
                                                    ssr, brightness=c.brightness)
    if "pluck" in st.parts:
        music += PLUCK_LEVEL * instruments.pluck(arrange.arp_notes(st, bars, grid, c.density, ssr, rm), ns, ssr,
                                                 brightness=c.brightness)
    music += mono_music

    vocal_bus = np.zeros(ns, dtype=np.float32)
    if vocals:
        rv = dsp.rng_for(seed, style, "vocals")
        vocal_bus = VOCAL_LEVEL * instruments.vocal(
            arrange.vocal_notes(bars, grid, c.key, c.mode, c.density, ssr, rv), ns, ssr, rv, brightness=c.brightness)

    # Risers over build-ups.
    fx = np.zeros((2, n), dtype=np.float32)
    rf = dsp.rng_for(seed, style, "fx")
    for sec in sections:
        if PARTS[sec.name].riser:
            start = int(round(sec.start * grid.bar_seconds * sr))
            end = min(n, int(round(sec.end * grid.bar_seconds * sr)))
            fx += RISER_LEVEL * instruments.riser(start, end - start, n, sr, rf)

    # Mix and master: normalise, limit by the track's distortion, normalise to -1 dBFS.
    tonal = music + (bass_bus + vocal_bus)[None, :]
    mix = drum_bus + fx + _upsample(tonal, ssr, sr, n)
    fade = min(n, int(0.03 * sr))
    mix[:, n - fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    peak = float(np.max(np.abs(mix))) or 1.0
    pre = 1.0 / peak
    mastered = dsp.soft_clip(mix * np.float32(pre), 2.5 * c.distortion)
    post = dsp.db_to_gain(PEAK_DBFS) / (float(np.max(np.abs(mastered))) or 1.0)
    audio = np.ascontiguousarray((mastered * np.float32(post)).T, dtype=np.float32)
    gain = pre * post

    bar_s = grid.bar_seconds
    spb = 60.0 / c.tempo
    beats = [k * spb for k in range(int(np.ceil(duration / spb - 1e-9)))]

    def bar_time(bar: int) -> float:
        # Bar starts on the sample grid, like the hits: a hit on a section's first beat is inside it.
        return min(round(bar * bar_s * sr), n) / sr

    section_list = [{"name": s.name, "start": bar_time(s.start), "end": bar_time(s.end)} for s in sections]
    section_list[-1]["end"] = duration
    chord_list: list[dict] = []
    for b in bars:
        if chord_list and chord_list[-1]["chord"] == b.chord.name:
            chord_list[-1]["end"] = bar_time(b.bar + 1)
        else:
            chord_list.append({"start": bar_time(b.bar), "end": bar_time(b.bar + 1), "chord": b.chord.name})
    chord_list[-1]["end"] = duration
    truth = GroundTruth(
        style=style, seed=int(seed), tempo=c.tempo, key=c.key, mode=c.mode, camelot=camelot(c.key, c.mode),
        bass_type=c.bass, brightness=c.brightness, density=c.density, distortion=c.distortion,
        drums=use_drums, vocals=bool(vocals), gain_db=round(20.0 * float(np.log10(gain)), 3),
        duration=duration,
        mood=mood_label(c.mode, c.tempo, c.brightness, c.density, c.distortion, use_drums),
        beats=beats, downbeats=beats[::4],
        hits=[{"time": h.sample / sr, "label": h.label, "velocity": h.velocity} for h in placed],
        sections=section_list, chords=chord_list, swing=c.swing, sr=sr, kit=kit_name,
    )
    stem_out = None
    if stems:
        parts = {
            "drums": drum_bus,
            "bass": _upsample(np.stack([bass_bus, bass_bus]), ssr, sr, n),
            "music": _upsample(music, ssr, sr, n),
            "vocals": _upsample(np.stack([vocal_bus, vocal_bus]), ssr, sr, n),
            "fx": fx,
        }
        stem_out = {k: np.ascontiguousarray((v * np.float32(gain)).T) for k, v in parts.items()}
    return SynthTrack(audio, sr, truth, stem_out)
