"""Gravis UltraSound patches (``.pat``, the format of Freepats and TiMidity): the recorded waves inside."""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

MAGICS = (b"GF1PATCH110\0", b"GF1PATCH100\0")
# Patch header (129 bytes), one instrument header (63) and one layer header (47) precede the first wave;
# byte 198 is the layer's wave count.
FIRST_WAVE = 239
N_WAVES_AT = 198
WAVE_HEADER = 96
MODE_16BIT = 0x01
MODE_UNSIGNED = 0x02


def read_patch(path: str | Path) -> list[tuple[np.ndarray, int]]:
    """Every wave of a GUS patch as mono float32 audio in [-1, 1] and its sample rate.

    A drum patch holds its hit once, unlooped or with a loop over the tail; the wave is returned as recorded
    (no loop unrolling, no envelope).

    Raises
    ------
    ValueError
        If the file is not a GUS patch, holds no wave or is truncated.
    """
    path = Path(path)
    b = path.read_bytes()
    if b[:12] not in MAGICS or len(b) < FIRST_WAVE:
        raise ValueError(f"{path}: not a GUS patch (GF1PATCH header missing)")
    if b[N_WAVES_AT] == 0:
        raise ValueError(f"{path}: the patch holds no wave")
    waves = []
    off = FIRST_WAVE
    for k in range(b[N_WAVES_AT]):
        if off + WAVE_HEADER > len(b):
            raise ValueError(f"{path}: truncated in the header of wave {k}")
        length = struct.unpack_from("<I", b, off + 8)[0]
        rate = struct.unpack_from("<H", b, off + 20)[0]
        modes = b[off + 55]
        data = b[off + WAVE_HEADER : off + WAVE_HEADER + length]
        if len(data) < length or rate == 0:
            raise ValueError(f"{path}: wave {k} is truncated or has no sample rate")
        off += WAVE_HEADER + length
        wide = bool(modes & MODE_16BIT)
        signed = not modes & MODE_UNSIGNED
        dtype = ("<i2" if signed else "<u2") if wide else ("i1" if signed else "u1")
        x = np.frombuffer(data[: len(data) - len(data) % (2 if wide else 1)], dtype=dtype).astype(np.float32)
        full = 32768.0 if wide else 128.0
        if not signed:
            x -= full
        waves.append((x / np.float32(full), int(rate)))
    return waves
