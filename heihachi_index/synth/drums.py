"""Drum sounds: synthesised one-shots, sample kits (Hydrogen or plain folders) and the drum renderer."""
from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
import soundfile as sf
import soxr

from heihachi_index.synth import dsp
from heihachi_index.synth.gus import read_patch
from heihachi_index.synth.patterns import LABELS

log = logging.getLogger("heihachi_index.synth")

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".aif", ".aiff", ".mp3")

# Stereo position and level of each label in the drum bus; hats and cymbals are further scaled by the
# track's brightness.
PAN: dict[str, float] = {"kick": 0.0, "snare": 0.0, "clap": 0.05, "hihat_closed": 0.3, "hihat_open": 0.3,
                         "tom": 0.0, "crash": -0.25, "ride": -0.35}
LEVEL: dict[str, float] = {"kick": 1.0, "snare": 0.8, "clap": 0.65, "hihat_closed": 0.4, "hihat_open": 0.3,
                           "tom": 0.7, "crash": 0.4, "ride": 0.3}
METALLIC = ("hihat_closed", "hihat_open", "crash", "ride")
TOM_PAN = (-0.35, 0.0, 0.35)


# ---------------------------------------------------------------------------------------------------
# Synthesised one-shots. Each returns float32 mono, peak 1, sound starting at sample 0.


def _t(n: int, sr: int) -> np.ndarray:
    return np.arange(n, dtype=np.float32) / np.float32(sr)


def _normalise(x: np.ndarray) -> np.ndarray:
    peak = float(np.max(np.abs(x))) or 1.0
    return (x / peak).astype(np.float32)


def _metal(n: int, sr: int, base: float, rng: np.random.Generator) -> np.ndarray:
    # Six detuned square waves at the inharmonic ratios of the TR-808 cymbal oscillators.
    ratios = np.array([1.0, 1.4826, 1.8003, 2.5461, 2.6303, 3.8966])
    t = _t(n, sr)
    out = np.zeros(n, dtype=np.float32)
    for r in ratios * base * rng.uniform(0.98, 1.02, size=6):
        out += np.sign(np.sin(np.float32(dsp.TWO_PI * r) * t + np.float32(rng.uniform(0, dsp.TWO_PI))))
    return out


def kick(sr: int, rng: np.random.Generator, *, f_start: float = 200.0, f_end: float = 52.0,
         pitch_tau: float = 0.035, tau: float = 0.2, click: float = 0.35, drive: float = 0.0,
         length: float = 0.6) -> np.ndarray:
    """Pitched sine sweep from ``f_start`` to ``f_end`` with a noise click on top."""
    n = int(length * sr)
    t = _t(n, sr)
    # Exponential sweep in log frequency: the body settles on f_end quickly (kicks are tuned to the key).
    freq = f_end * (f_start / f_end) ** np.exp(-t / pitch_tau)
    body = dsp.sine(dsp.phase_track(freq, sr)) * np.exp(-t / tau)
    clk = dsp.highpass(rng.standard_normal(n).astype(np.float32), 1500.0, sr) * np.exp(-t / 0.0015)
    x = body + click * clk
    x *= dsp.gate(n, sr, 0.0005, 0.02)
    return _normalise(dsp.saturate(x, 1.0 + 2.0 * drive))


def snare(sr: int, rng: np.random.Generator, *, f0: float = 190.0, tone_tau: float = 0.05,
          noise_tau: float = 0.09, tone: float = 0.6, length: float = 0.45) -> np.ndarray:
    """Two decaying tones (drum shell) plus band-limited noise (snares)."""
    n = int(length * sr)
    t = _t(n, sr)
    freq = f0 * (1.0 + 0.3 * np.exp(-t / 0.01))
    ph = dsp.phase_track(freq, sr)
    body = (dsp.sine(ph) + 0.5 * dsp.sine((ph * 1.63) % 1.0)) * np.exp(-t / tone_tau)
    noise = dsp.bandpass(rng.standard_normal(n).astype(np.float32), 1000.0, 7000.0, sr, order=4)
    noise *= np.exp(-t / noise_tau)
    x = tone * body + noise / (float(np.max(np.abs(noise))) or 1.0)
    return _normalise(x * dsp.gate(n, sr, 0.0003, 0.02))


def clap(sr: int, rng: np.random.Generator, *, spacing: float = 0.009, bursts: int = 4,
         tail_tau: float = 0.12, length: float = 0.4) -> np.ndarray:
    """A few short noise bursts a hand-clap apart, then a diffuse tail."""
    n = int(length * sr)
    t = _t(n, sr)
    env = np.zeros(n, dtype=np.float32)
    start = 0.0
    for k in range(bursts):
        tk = np.maximum(t - start, 0.0)
        env = np.maximum(env, np.where(t >= start, np.exp(-tk / 0.0035), 0.0).astype(np.float32))
        if k < bursts - 1:
            start += spacing * float(np.clip(1.0 + 0.15 * rng.standard_normal(), 0.7, 1.3))
    # The diffuse tail grows out of the last burst, so it adds no onset of its own.
    env = np.maximum(env, np.where(t >= start, 0.6 * np.exp(-np.maximum(t - start, 0.0) / tail_tau), 0.0))
    noise = dsp.bandpass(rng.standard_normal(n).astype(np.float32), 900.0, 5000.0, sr, order=2)
    return _normalise(noise * env.astype(np.float32) * dsp.gate(n, sr, 0.0002, 0.02))


def hihat(sr: int, rng: np.random.Generator, *, open_: bool = False, tau: float | None = None,
          base: float = 420.0, length: float | None = None) -> np.ndarray:
    """Metallic square cluster plus noise, high-passed; closed hats decay in tens of ms, open in hundreds."""
    tau = tau if tau is not None else (0.12 if open_ else 0.028)
    n = int((length if length is not None else (4.0 * tau + 0.05)) * sr)
    t = _t(n, sr)
    x = 0.5 * _metal(n, sr, base, rng) + rng.standard_normal(n).astype(np.float32)
    x = dsp.highpass(x, 7000.0, sr, order=4) * np.exp(-t / tau)
    return _normalise(x * dsp.gate(n, sr, 0.0002, 0.01))


def tom(sr: int, rng: np.random.Generator, *, f0: float = 140.0, tau: float = 0.25,
        length: float = 0.7) -> np.ndarray:
    """Pitched decaying sine with a small downward glide and a touch of stick noise."""
    n = int(length * sr)
    t = _t(n, sr)
    freq = f0 * (1.0 + 0.4 * np.exp(-t / 0.05))
    body = dsp.sine(dsp.phase_track(freq, sr)) * np.exp(-t / tau)
    stick = dsp.highpass(rng.standard_normal(n).astype(np.float32), 2000.0, sr) * np.exp(-t / 0.004)
    return _normalise((body + 0.15 * stick) * dsp.gate(n, sr, 0.0003, 0.03))


def crash(sr: int, rng: np.random.Generator, *, tau: float = 0.7, base: float = 380.0,
          length: float = 2.6) -> np.ndarray:
    """Long bright wash of noise and metallic partials."""
    n = int(length * sr)
    t = _t(n, sr)
    x = rng.standard_normal(n).astype(np.float32) + 0.4 * _metal(n, sr, base, rng)
    x = dsp.highpass(x, 3500.0, sr, order=2) * (np.exp(-t / tau) + 0.6 * np.exp(-t / 0.05))
    return _normalise(x * dsp.gate(n, sr, 0.0003, 0.3))


def ride(sr: int, rng: np.random.Generator, *, tau: float = 0.4, bell: float = 0.5,
         length: float = 1.4) -> np.ndarray:
    """Inharmonic metallic partials, a bell cluster around 0.7-2.5 kHz and a noisy stick strike (which
    keeps every hit distinct over the wash of the previous ones)."""
    n = int(length * sr)
    t = _t(n, sr)
    parts = rng.uniform(3000.0, 9000.0, size=12)
    x = np.zeros(n, dtype=np.float32)
    for f in parts:
        x += np.sin(np.float32(dsp.TWO_PI * f) * t + np.float32(rng.uniform(0, dsp.TWO_PI)))
    x *= np.exp(-t / tau) / 6.0
    b0 = rng.uniform(650.0, 800.0)
    for r, a in ((1.0, 1.0), (2.43, 0.6), (3.35, 0.45)):
        x += bell * a * np.sin(np.float32(dsp.TWO_PI * b0 * r) * t) * np.exp(-t / (0.6 * tau))
    noise = dsp.highpass(rng.standard_normal(n).astype(np.float32), 4000.0, sr)
    strike = noise * (np.exp(-t / 0.005) + 0.25 * np.exp(-t / 0.05))
    return _normalise((x + 3.0 * strike) * dsp.gate(n, sr, 0.0002, 0.2))


# ---------------------------------------------------------------------------------------------------
# Kits.


@dataclass
class Layer:
    """One sample of an instrument, used for velocities in ``[vmin, vmax]``."""

    audio: np.ndarray
    sr: int
    vmin: float = 0.0
    vmax: float = 1.0
    gain: float = 1.0
    _cache: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)

    def at(self, sr: int) -> tuple[np.ndarray, np.ndarray]:
        """(sound, its high band above 4 kHz) at sample rate ``sr``; the high band lets velocity
        change brightness."""
        if sr not in self._cache:
            x = self.audio if sr == self.sr else soxr.resample(self.audio, self.sr, sr).astype(np.float32)
            x = (x * self.gain).astype(np.float32)
            self._cache[sr] = (x, dsp.highpass(x, min(4000.0, 0.4 * sr), sr))
        return self._cache[sr]


@dataclass
class Instrument:
    name: str
    label: str
    layers: list[Layer]

    def layer_for(self, velocity: float, rng: np.random.Generator) -> Layer:
        """A layer whose velocity range holds ``velocity`` (random among several), else the nearest."""
        inside = [ly for ly in self.layers if ly.vmin <= velocity <= ly.vmax]
        if inside:
            return inside[int(rng.integers(len(inside)))] if len(inside) > 1 else inside[0]
        return min(self.layers, key=lambda ly: min(abs(velocity - ly.vmin), abs(velocity - ly.vmax)))


@dataclass
class DrumKit:
    """Drum sounds by label: ``instruments[label]`` is a list of instruments (a track uses one of them,
    except toms, where a fill walks down the list)."""

    name: str
    instruments: dict[str, list[Instrument]]
    source: str | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(label for label in LABELS if self.instruments.get(label))

    def with_fallback(self, other: DrumKit) -> DrumKit:
        """This kit, with the labels it lacks taken from ``other``."""
        merged = dict(other.instruments)
        merged.update({k: v for k, v in self.instruments.items() if v})
        return DrumKit(self.name, merged, self.source)

    @classmethod
    def from_folder(cls, path: str | Path) -> DrumKit:
        """Read a Hydrogen drumkit folder (``drumkit.xml``) or a folder of audio files whose names
        contain the label (``kick_01.wav``, ``Open HH.flac``, ...).

        Instrument names are mapped by :func:`label_for_name`; unknown instruments are ignored.

        Raises
        ------
        ValueError
            If the folder holds no usable drum sound.
        """
        folder = Path(path).expanduser()
        if not folder.is_dir():
            raise ValueError(f"{folder}: not a folder")
        xml = folder / "drumkit.xml"
        kit = _read_hydrogen(xml) if xml.exists() else _read_plain(folder)
        if not kit.labels:
            raise ValueError(f"{folder}: no drum sounds found (expected drumkit.xml or files named by label)")
        return kit


def label_for_name(name: str) -> str | None:
    """Map an instrument or file name ("Bass Drum", "Closed HH", "hihat_open_02") to a drum label."""
    s = re.sub(r"[_\-.]+", " ", name.lower())
    s = re.sub(r"(?<=[a-z])(?=\d)", " ", s)
    if re.search(r"kick|bass ?drum|\bbd\b", s):
        return "kick"
    if re.search(r"hi ?hat|\bhh\b|\bhats?\b", s):
        return "hihat_open" if "open" in s else "hihat_closed"
    if "clap" in s:
        return "clap"
    if re.search(r"snare|\bsnr\b|\bsd\b", s):
        return "snare"
    if re.search(r"\btoms?\b|\btom", s):
        return "tom"
    if re.search(r"crash|splash|china", s):
        return "crash"
    if "ride" in s:
        return "ride"
    return None


# A one-shot's hit starts where its final rise to near its peak begins: the last point below
# ONSET_RISE_DB under the level of the first point within ONSET_REACH_DB of the peak.
ONSET_REACH_DB = -10.0
ONSET_RISE_DB = 6.0


def sample_onset(x: np.ndarray, sr: int) -> int:
    """Where the hit of a one-shot sample starts: the start of the 1-ms block where the final rise of its 1-ms
    peak envelope begins, the rise that first brings it within 10 dB of the sample's peak (0 for silence).

    Samples often begin with a quiet lead-in (a pedal hi-hat's swell, pre-ringing, noise). The hit that
    anyone hears or annotates is the attack that follows: a lead-in below -16 dB is skipped, and so is one
    of any level under -10 dB that the attack rises 6 dB above (a swell at -18 dB for 40 ms before the
    "chick"). For a sharp attack this is within a millisecond of where the sound starts.
    """
    a = np.abs(np.asarray(x, dtype=np.float32))
    peak = float(a.max()) if a.size else 0.0
    if peak <= 0.0:
        return 0
    first = int(np.argmax(a >= 0.01 * peak))
    block = max(1, sr // 1000)
    n = len(a) // block
    if n == 0:  # shorter than a millisecond
        return first
    env = a[: n * block].reshape(n, block).max(axis=1)
    reach = int(np.argmax(env >= peak * 10.0 ** (ONSET_REACH_DB / 20.0)))
    below = np.flatnonzero(env[:reach] < env[reach] * 10.0 ** (-ONSET_RISE_DB / 20.0))
    k = int(below[-1]) if below.size else 0
    return max(first, k * block)


def load_sample(path: Path) -> tuple[np.ndarray, int] | None:
    """Mono audio of a one-shot sample file (what libsndfile reads, or a GUS ``.pat`` patch) from its hit on
    (:func:`sample_onset`) and its rate; None (and a warning naming the file) when it is unreadable or silent."""
    try:
        if Path(path).suffix.lower() == ".pat":  # a GUS patch (Freepats): its first wave
            x, sr = read_patch(path)[0]
        else:
            data, sr = sf.read(str(path), dtype="float32", always_2d=True)
            x = data.mean(axis=1)
    except (RuntimeError, ValueError, OSError, sf.LibsndfileError) as exc:
        log.warning("skipping unreadable drum sample", extra={"path": str(path), "error": str(exc)})
        return None
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    if peak <= 0.0:
        return None
    # The hit time is where the sound starts, so drop the lead-in before it.
    return np.ascontiguousarray(x[sample_onset(x, int(sr)) :]), int(sr)


def _instrument(name: str, label: str, layers: list[Layer]) -> Instrument:
    peak = max(float(np.max(np.abs(ly.audio))) * ly.gain for ly in layers)
    for ly in layers:
        ly.gain /= peak
    return Instrument(name, label, layers)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(el: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in el if _local(c.tag) == name), None)


def _text(el: ET.Element, name: str, default: str = "") -> str:
    c = _child(el, name)
    return c.text.strip() if c is not None and c.text else default


def _read_hydrogen(xml: Path) -> DrumKit:
    try:
        root = ET.parse(xml).getroot()
    except ET.ParseError as exc:
        raise ValueError(f"{xml}: not valid XML ({exc})") from exc
    instruments: dict[str, list[Instrument]] = {}
    for inst in (el for el in root.iter() if _local(el.tag) == "instrument"):
        name = _text(inst, "name")
        label = label_for_name(name)
        if label is None:
            continue
        layer_els = [el for el in inst.iter() if _local(el.tag) == "layer"] or [inst]
        layers = []
        for el in layer_els:
            filename = _text(el, "filename")
            loaded = load_sample(xml.parent / filename) if filename else None
            if loaded is None:
                continue
            layers.append(Layer(loaded[0], loaded[1], float(_text(el, "min", "0")), float(_text(el, "max", "1")),
                                float(_text(el, "gain", "1"))))
        if layers:
            instruments.setdefault(label, []).append(_instrument(name, label, layers))
    return DrumKit(_text(root, "name") or xml.parent.name, instruments, str(xml.parent))


def _read_plain(folder: Path) -> DrumKit:
    instruments: dict[str, list[Instrument]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES):
        label = label_for_name(path.stem)
        loaded = load_sample(path) if label else None
        if loaded is not None and label is not None:
            instruments.setdefault(label, []).append(_instrument(path.stem, label, [Layer(*loaded)]))
    return DrumKit(folder.name, instruments, str(folder))


# Style flavour of the synthesised kit: parameter ranges drawn per track.
_KICK_STYLE: dict[str, dict[str, tuple[float, float]]] = {
    "dnb": {"f_start": (190, 260), "f_end": (48, 58), "pitch_tau": (0.015, 0.025), "tau": (0.12, 0.2)},
    "techno": {"f_start": (150, 220), "f_end": (44, 52), "pitch_tau": (0.015, 0.025), "tau": (0.28, 0.42)},
    "house": {"f_start": (160, 220), "f_end": (48, 56), "pitch_tau": (0.015, 0.025), "tau": (0.22, 0.32)},
    "hiphop": {"f_start": (140, 200), "f_end": (44, 54), "pitch_tau": (0.02, 0.03), "tau": (0.3, 0.45)},
    "dubstep": {"f_start": (170, 240), "f_end": (46, 54), "pitch_tau": (0.015, 0.025), "tau": (0.2, 0.3)},
}
_FAMILY = {"neurofunk": "dnb", "liquid": "dnb", "jungle": "dnb", "ambient": "house"}

N_VARIANTS = 4


def tune(freq: float, pitch_classes: Sequence[int]) -> float:
    """The frequency nearest to ``freq`` whose pitch class is one of ``pitch_classes``."""
    midi = 69.0 + 12.0 * np.log2(freq / 440.0)
    cands = [m for m in range(int(midi) - 12, int(midi) + 13) if m % 12 in pitch_classes]
    return float(dsp.midi_to_hz(min(cands, key=lambda m: abs(m - midi))))


def synthetic_kit(style: str, sr: int, rng: np.random.Generator, *, distortion: float = 0.0,
                  labels: Iterable[str] = LABELS, tuning: Sequence[int] | None = None) -> DrumKit:
    """A synthesised kit flavoured for a style, with a few variants per sound for natural repetition.

    Parameters are drawn from ``rng``; every label keeps its own child stream, so asking for fewer labels
    leaves the sounds of the others unchanged. ``tuning`` (pitch classes, tonic first) tunes the kick to
    the tonic and the snare and toms to those notes, as producers do, so drums do not blur the key.
    """
    family = _FAMILY.get(style, style)
    kick_ranges = _KICK_STYLE.get(family, _KICK_STYLE["house"])
    base = {name: float(rng.uniform(*rng_range)) for name, rng_range in kick_ranges.items()}
    pcs = tuple(tuning) if tuning else tuple(range(12))
    base["f_end"] = tune(base["f_end"], pcs[:1])
    seeds = rng.integers(0, 2**32, size=len(LABELS))
    wanted = set(labels)
    instruments: dict[str, list[Instrument]] = {}
    for label, seed in zip(LABELS, seeds):
        if label not in wanted:
            continue
        r = np.random.default_rng(int(seed))
        if label == "tom":
            f0 = float(r.uniform(150.0, 210.0))
            instruments["tom"] = [
                Instrument(f"Tom {i}", "tom", [Layer(tom(sr, r, f0=tune(f0 * ratio, pcs) * r.uniform(0.995, 1.005)), sr)
                                               for _ in range(2)])
                for i, ratio in enumerate((1.0, 0.75, 0.56))
            ]
            continue
        make = _voice(label, base, r, sr, distortion, pcs)
        instruments[label] = [Instrument(label, label, [Layer(make(), sr) for _ in range(N_VARIANTS)])]
    return DrumKit(f"synthetic-{style}", instruments, None)


def _voice(label: str, base: dict[str, float], r: np.random.Generator, sr: int,
           distortion: float, pcs: Sequence[int]) -> Callable[[], np.ndarray]:
    """A factory of slightly different takes of one synthesised sound."""
    def j(x: float, spread: float = 0.02) -> float:
        return float(x * (1.0 + spread * r.standard_normal()))

    snare_f0 = tune(float(r.uniform(170.0, 230.0)), pcs)
    snare_tau = float(r.uniform(0.07, 0.12))
    hat_base = float(r.uniform(380.0, 470.0))
    if label == "kick":
        return lambda: kick(sr, r, f_start=j(base["f_start"]), f_end=j(base["f_end"], 0.003),
                            pitch_tau=j(base["pitch_tau"]), tau=j(base["tau"]), drive=distortion)
    if label == "snare":
        return lambda: snare(sr, r, f0=j(snare_f0, 0.003), noise_tau=j(snare_tau, 0.05))
    if label == "clap":
        return lambda: clap(sr, r, spacing=j(0.009, 0.08))
    if label == "hihat_closed":
        return lambda: hihat(sr, r, tau=j(0.028, 0.1), base=j(hat_base))
    if label == "hihat_open":
        return lambda: hihat(sr, r, open_=True, tau=j(0.12, 0.08), base=j(hat_base))
    if label == "crash":
        return lambda: crash(sr, r, tau=j(0.7, 0.08))
    if label == "ride":
        ride_seed = int(r.integers(2**32))
        # One cymbal: every take shares its partials (the seed), only the strike differs.
        return lambda: ride(sr, np.random.default_rng(ride_seed), tau=j(0.4, 0.05), bell=j(0.5, 0.2))
    raise ValueError(f"unknown drum label {label!r}")


# ---------------------------------------------------------------------------------------------------
# Rendering.


@dataclass(frozen=True)
class PlacedHit:
    """A drum hit at an exact sample."""

    sample: int
    label: str
    velocity: float
    variant: int = -1


def velocity_gain(velocity: float) -> float:
    """Amplitude of a hit of a velocity: 1 at full velocity, about -10 dB at 0.33."""
    return 0.15 + 0.85 * float(velocity) ** 1.5


def render_drums(hits: Sequence[PlacedHit], n: int, sr: int, kit: DrumKit, rng: np.random.Generator, *,
                 brightness: float = 0.5) -> np.ndarray:
    """Mix drum hits into a stereo ``(2, n)`` float32 bus.

    Each hit gets a random take (layer), a little gain and brightness jitter, velocity-dependent level
    and brightness, and an open hi-hat is choked by the next hi-hat.
    """
    out = np.zeros((2, n), dtype=np.float32)
    choice = {label: int(rng.integers(len(kit.instruments[label]))) for label in kit.labels}
    hat_starts = np.array(sorted(h.sample for h in hits if h.label.startswith("hihat")), dtype=np.int64)
    cymbal_level = 0.55 + 0.9 * brightness
    for h in hits:
        insts = kit.instruments[h.label]
        idx = h.variant % len(insts) if h.variant >= 0 else choice[h.label]
        layer = insts[idx].layer_for(h.velocity, rng)
        x, bright = layer.at(sr)
        length = len(x)
        if h.label == "hihat_open" and len(hat_starts):
            # Choke: the open hat is silenced just as the next hi-hat starts.
            nxt = hat_starts[np.searchsorted(hat_starts, h.sample, side="right"):]
            if len(nxt):
                length = min(length, int(nxt[0] - h.sample))
        gain = velocity_gain(h.velocity) * LEVEL[h.label] * float(np.exp(0.04 * rng.standard_normal()))
        if h.label in METALLIC:
            gain *= cymbal_level
        tilt = float(np.clip(0.6 * (h.velocity - 0.75) + 0.05 * rng.standard_normal(), -0.45, 0.2))
        y = gain * (x[:length] + tilt * bright[:length])
        if length < len(x):
            fade = min(length, int(0.003 * sr))
            y[length - fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
        pan = TOM_PAN[idx % 3] if h.label == "tom" else PAN[h.label]
        left, right = dsp.pan_gains(pan)
        dsp.add_at(out, h.sample, np.stack([y * left, y * right]))
    return out
