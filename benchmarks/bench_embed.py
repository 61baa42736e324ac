"""Neural embedding throughput: full-size, random-initialised CLAP (HTSAT-unfused) and BEATs (iter3).

Random weights cost exactly as much compute as trained ones, so this measures speed without any
download. Prints, per family, windows per second and x realtime for model batches (front end
included), the end-to-end ``embed()`` of a generated track (resampling and windowing included),
and on CUDA the peak GPU memory and how closely autocast (bf16/fp16) agrees with float32.

    python benchmarks/bench_embed.py                  # auto device, 4 batches of 16 windows, 60 s track
    python benchmarks/bench_embed.py --quick          # 1 batch of 4 windows, 20 s track
    python benchmarks/bench_embed.py --device cuda --batch-size 64 --family beats
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from heihachi_index.embed import BEATs, BeatsEmbedder, ClapEmbedder, ITER3_CONFIG, resolve_device
from heihachi_index.synth import generate


def build_clap(device: torch.device, batch: int, amp: bool) -> ClapEmbedder:
    from transformers import ClapConfig, ClapFeatureExtractor, ClapModel

    torch.manual_seed(0)
    model = ClapModel(ClapConfig()).eval().to(device)  # defaults = laion/clap-htsat-unfused architecture
    fe = ClapFeatureExtractor(feature_size=64, sampling_rate=48000, hop_length=480, max_length_s=10,
                              fft_window_size=1024, frequency_min=50, frequency_max=14000, truncation="rand_trunc")
    return ClapEmbedder(model, fe, None, device=device, batch_size=batch, autocast=amp, source="random HTSAT-unfused")


def build_beats(device: torch.device, batch: int, amp: bool) -> BeatsEmbedder:
    torch.manual_seed(0)
    return BeatsEmbedder(BEATs(ITER3_CONFIG).eval().to(device), device=device, batch_size=batch, autocast=amp,
                         source="random iter3")


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def windows_per_second(emb, batches: int) -> tuple[float, float]:
    rng = np.random.default_rng(0)
    x = (0.1 * rng.standard_normal((emb.batch_size, emb.window_length))).astype(np.float32)
    emb.embed_windows(x)  # warm-up (kernels, allocator)
    sync(emb.device)
    t0 = time.perf_counter()
    for _ in range(batches):
        emb.embed_windows(x)
    sync(emb.device)
    elapsed = time.perf_counter() - t0
    return batches * emb.batch_size / elapsed, elapsed


def autocast_agreement(emb) -> float:
    """Smallest cosine between float32 and autocast window vectors on one batch of real-ish audio."""
    track = generate("neurofunk", seed=5, seconds=10.0 * emb.batch_size + 1, sr=emb.sample_rate).audio.mean(axis=1)
    x = track[: emb.batch_size * emb.window_length].reshape(emb.batch_size, -1).astype(np.float32)
    low = emb.embed_windows(x)
    saved, emb.amp_dtype = emb.amp_dtype, None
    try:
        full = emb.embed_windows(x)
    finally:
        emb.amp_dtype = saved
    cos = (low * full).sum(1) / (np.linalg.norm(low, axis=1) * np.linalg.norm(full, axis=1))
    return float(cos.min())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1 batch of 4 windows and a 20 s track")
    ap.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N (default auto)")
    ap.add_argument("--family", choices=["clap", "beats", "both"], default="both")
    ap.add_argument("--batch-size", type=int, help="windows per batch (default 16; --quick 4)")
    ap.add_argument("--batches", type=int, help="timed batches (default 4; --quick 1)")
    ap.add_argument("--track-seconds", type=float, help="length of the end-to-end track (default 60; --quick 20)")
    ap.add_argument("--fp32", action="store_true", help="no autocast on CUDA")
    args = ap.parse_args()
    batch = args.batch_size or (4 if args.quick else 16)
    batches = args.batches or (1 if args.quick else 4)
    seconds = args.track_seconds or (20.0 if args.quick else 60.0)
    device = resolve_device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU ({torch.get_num_threads()} threads)"
    print(f"device {device} = {name}; torch {torch.__version__}; batch {batch}, {batches} timed batches")
    builders = {"clap": build_clap, "beats": build_beats}
    families = list(builders) if args.family == "both" else [args.family]
    track = generate("techno", seed=1, seconds=seconds, sr=44100).audio.mean(axis=1).astype(np.float32)
    for family in families:
        emb = builders[family](device, batch, not args.fp32)
        params = sum(p.numel() for p in emb.model.parameters()) / 1e6
        precision = str(emb.amp_dtype).replace("torch.", "") if emb.amp_dtype else "float32"
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        wps, elapsed = windows_per_second(emb, batches)
        t0 = time.perf_counter()
        out = emb.embed(track, 44100)
        sync(device)
        e2e = time.perf_counter() - t0
        line = (f"{family:5s} {params:6.1f} M params, {precision}: {wps:7.2f} windows/s "
                f"({wps * emb.window_seconds:7.1f}x realtime; {batches * batch} windows in {elapsed:.2f} s); "
                f"embed() of a {seconds:.0f} s 44.1 kHz track: {e2e:.2f} s ({seconds / e2e:.1f}x realtime, "
                f"{len(out.windows)} windows, dim {out.vector.shape[0]})")
        if device.type == "cuda":
            line += f"; peak GPU memory {torch.cuda.max_memory_allocated(device) / 2**30:.2f} GiB"
            if emb.amp_dtype is not None:
                line += f"; autocast vs float32 min cosine {autocast_agreement(emb):.5f}"
        print(line, flush=True)
        del emb
        if device.type == "cuda":
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
