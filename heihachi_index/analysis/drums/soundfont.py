"""General MIDI drum kits of SoundFonts, rendered note by note with FluidSynth, as labelled training kits.

A GM drum kit maps notes to instruments (note 36 is a kick, 42 a closed hi-hat...), so every note of every
drum preset is a labelled one-shot. Seven drum presets (:data:`PRESETS`) of each of Debian's
``fluid-soundfont-gm``, ``timgm6mb-soundfont``, ``musescore-general-soundfont`` and ``csound-soundfont``
are used, plus the Red Zeppelin kit of ``avldrums.lv2-soundfont`` (:data:`LAYOUTS`); ``fluidsynth``
renders them. (The FM kit of ``opl3-soundfont`` was tried and left out: its "snares" are the nearest
training sounds to real pedal hi-hats, and it changed no figure of the evaluation.)

Used for training only: the evaluation's held-out kits are Hydrogen's, and the AVL Black Pearl
SoundFont, the same recordings as the held-out "The Black Pearl 1.0", is never read.
"""
from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from heihachi_index.analysis.types import OTHER
from heihachi_index.synth.drums import DrumKit, Instrument, Layer, sample_onset

log = logging.getLogger("heihachi_index.analysis.drums")

SOUNDFONTS: tuple[Path, ...] = (
    Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"),
    Path("/usr/share/sounds/sf2/TimGM6mb.sf2"),
    Path("/usr/share/sounds/sf3/MuseScore_General_Full.sf3"),
    Path("/usr/share/sounds/sf2/sf_GMbank.sf2"),
    Path("/usr/share/sounds/sf2/Red_Zeppelin_4_LV2.sf2"),
)
#: Drum presets (bank 128) used: standard, room, power, electronic, TR-808, jazz, brush. The orchestra kit
#: is left out: its toms are timpani and it has no hi-hats.
PRESETS: tuple[int, ...] = (0, 8, 16, 24, 25, 32, 40)

# General MIDI percussion key map. Tambourine, cabasa and maracas (54, 69, 70) are left out: they are
# neither drums nor clearly "other" (in electronic tracks they play the hi-hat's part).
GM_LABELS: dict[int, str] = {
    35: "kick", 36: "kick", 38: "snare", 40: "snare", 39: "clap",
    41: "tom", 43: "tom", 45: "tom", 47: "tom", 48: "tom", 50: "tom",
    42: "hihat_closed", 44: "hihat_closed", 46: "hihat_open",
    49: "crash", 57: "crash", 52: "crash", 55: "crash", 51: "ride", 59: "ride", 53: "ride",
    **{k: OTHER for k in (37, 56, 58, *range(60, 69), 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81)},
}
# The AVL drum kits (avldrums.lv2) put their articulations on GM-like notes; chokes (50, 52, 58), the
# hi-hat swish (48, half open), the tambourine, the maraca and the Paiste 2002 (60, crash or ride) are
# left out.
AVL_LABELS: dict[int, str] = {
    36: "kick", 37: OTHER, 38: "snare", 39: "clap", 40: "snare", 41: "tom", 43: "tom", 45: "tom", 47: "tom",
    42: "hihat_closed", 44: "hihat_closed", 46: "hihat_open", 49: "crash", 55: "crash", 57: "crash",
    51: "ride", 53: "ride", 59: "ride", 56: OTHER,
}


@dataclass(frozen=True)
class KitLayout:
    """Where a SoundFont keeps its drum kits: the ``presets`` of MIDI ``bank`` (128, the GM percussion bank,
    is played on MIDI channel 10; another bank on channel 1) and the note-to-label map."""

    presets: tuple[int, ...] = PRESETS
    bank: int = 128
    labels: dict[int, str] = field(default_factory=lambda: GM_LABELS)


#: Fonts (by file name) whose kits are not the seven GM presets of :data:`PRESETS`.
LAYOUTS: dict[str, KitLayout] = {
    "Red_Zeppelin_4_LV2.sf2": KitLayout(presets=(0,), bank=0, labels=AVL_LABELS),
}
VELOCITIES: tuple[int, ...] = (50, 90, 127)
SLOT_S = 3.0     # one note per slot: long enough for crashes to ring out
HOLD_S = 2.5
RATE = 44100


def layout(font: Path) -> KitLayout:
    """The :class:`KitLayout` of ``font`` (GM by default)."""
    return LAYOUTS.get(Path(font).name, KitLayout())


def _midi(preset: int, notes: list[int], path: Path, bank: int = 128) -> None:
    import mido

    mid = mido.MidiFile(ticks_per_beat=480)  # at the default 120 BPM a tick is 1/960 s
    tr = mido.MidiTrack()
    mid.tracks.append(tr)
    channel = 9 if bank == 128 else 0
    if bank != 128:
        tr.append(mido.Message("control_change", channel=channel, control=0, value=bank, time=0))
    tr.append(mido.Message("program_change", channel=channel, program=preset, time=0))
    per_s = 960
    t_last = 0
    for k, (note, vel) in enumerate((n, v) for n in notes for v in VELOCITIES):
        on, off = int(k * SLOT_S * per_s), int((k * SLOT_S + HOLD_S) * per_s)
        tr.append(mido.Message("note_on", channel=channel, note=note, velocity=vel, time=on - t_last))
        tr.append(mido.Message("note_off", channel=channel, note=note, velocity=0, time=off - on))
        t_last = off
    tr.append(mido.MetaMessage("end_of_track", time=int(SLOT_S * per_s)))
    mid.save(str(path))


def render_preset(font: Path, preset: int, notes: list[int] | None = None) -> dict[int, list[np.ndarray]]:
    """Mono one-shots (peak 1, from the onset) of ``notes`` of drum ``preset`` of SoundFont ``font``, by
    note, one per velocity of :data:`VELOCITIES` (a note the kit lacks is left out). The bank, and the
    default ``notes`` (those labelled), come from the font's :func:`layout`.

    Raises
    ------
    RuntimeError
        If ``fluidsynth`` is not installed or fails.
    """
    exe = shutil.which("fluidsynth")
    if exe is None:
        raise RuntimeError("fluidsynth not found: apt-get install fluidsynth")
    lay = layout(font)
    notes = sorted(lay.labels) if notes is None else notes
    with tempfile.TemporaryDirectory() as tmp:
        mid, wav = Path(tmp) / "kit.mid", Path(tmp) / "kit.wav"
        _midi(preset, notes, mid, lay.bank)
        # -R 0 -C 0: no reverb or chorus, the dry sample as a sampler would play it.
        cmd = [exe, "-n", "-i", "-q", "-R", "0", "-C", "0", "-g", "0.5", "-r", str(RATE), "-F", str(wav),
               str(font), str(mid)]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if res.returncode != 0 or not wav.exists():
            raise RuntimeError(f"fluidsynth failed on {font} preset {preset}: {res.stderr.strip()[:300]}")
        y, sr = sf.read(str(wav), dtype="float32", always_2d=True)
    y = y.mean(axis=1)
    slot = int(SLOT_S * sr)
    out: dict[int, list[np.ndarray]] = {}
    for k, (note, _) in enumerate((n, v) for n in notes for v in VELOCITIES):
        x = y[k * slot : (k + 1) * slot]
        peak = float(np.max(np.abs(x))) if x.size else 0.0
        if peak < 1e-4:
            continue
        start = sample_onset(x, sr)
        out.setdefault(note, []).append(np.ascontiguousarray(x[start:] / peak, dtype=np.float32))
    return out


def soundfont_kits(fonts: tuple[Path, ...] = SOUNDFONTS, presets: tuple[int, ...] | None = None
                   ) -> list[tuple[DrumKit, list[tuple[str, np.ndarray]]]]:
    """Every drum preset (``presets``, default the font's :func:`layout`) of every installed SoundFont as a
    :class:`DrumKit` (velocity layers from :data:`VELOCITIES`) plus its non-drum percussion as
    ``(name, audio)``; missing fonts or a missing ``fluidsynth`` give an empty list (and a warning)."""
    found = [f for f in fonts if f.is_file()]
    if not found or shutil.which("fluidsynth") is None:
        log.warning("no GM SoundFont drum kits: apt-get install fluidsynth fluid-soundfont-gm timgm6mb-soundfont "
                    "musescore-general-soundfont csound-soundfont avldrums.lv2-soundfont")
        return []
    kits = []
    for font in found:
        lay = layout(font)
        for preset in lay.presets if presets is None else presets:
            shots = render_preset(font, preset)
            instruments: dict[str, list[Instrument]] = {}
            others: list[tuple[str, np.ndarray]] = []
            for note, xs in shots.items():
                label = lay.labels[note]
                if label == OTHER:
                    others += [(f"gm{note}", x) for x in xs]
                    continue
                n = len(xs)
                layers = [Layer(x, RATE, i / n, (i + 1) / n) for i, x in enumerate(xs)]
                instruments.setdefault(label, []).append(Instrument(f"gm{note}", label, layers))
            if instruments:
                kits.append((DrumKit(f"{font.stem}-{preset}", instruments, str(font)), others))
    return kits
