"""``load_embedders(cfg)``: the embedders whose weights are configured and present, and what is missing."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from heihachi_index.config import Config
from heihachi_index.embed.base import WindowEmbedder
from heihachi_index.embed.beats import DEFAULT_BEATS_CHECKPOINT, BeatsEmbedder
from heihachi_index.embed.clap import DEFAULT_CLAP_CHECKPOINT, ClapEmbedder, resolve_clap_source
from heihachi_index.embed.device import resolve_device

FAMILIES = ("clap", "beats")

CLAP_HOWTO = (
    f"CLAP needs a local copy of the Hugging Face checkpoint {DEFAULT_CLAP_CHECKPOINT}: on a machine with "
    f"internet run `hf download {DEFAULT_CLAP_CHECKPOINT} --local-dir clap-htsat-unfused`, copy the "
    "folder here and set embed.clap_path in the config or HEIHACHI_EMBED__CLAP_PATH=/path/to/clap-htsat-unfused "
    "(a repo id already in the local HF cache also works), then run `heihachi-index embed --backfill`. "
    "Avoid laion/larger_clap_music: its text tower maps every caption to nearly the same vector."
)
BEATS_HOWTO = (
    f"BEATs needs the official checkpoint {DEFAULT_BEATS_CHECKPOINT} (\"BEATs_iter3+ (AS2M)\" in "
    "https://github.com/microsoft/unilm/tree/master/beats): download it on a machine with internet, copy it here "
    "and set embed.beats_path in the config or HEIHACHI_EMBED__BEATS_PATH=/path/to/BEATs_iter3_plus_AS2M.pt, "
    "then run `heihachi-index embed --backfill`."
)


def load_embedders(cfg: Config, families: Sequence[str] | None = None, *, autocast: bool | None = None
                   ) -> tuple[dict[str, WindowEmbedder], list[str]]:
    """Load the configured embedders (each model once per process).

    Parameters
    ----------
    cfg : Config
        ``cfg.embed``: ``clap_path``, ``beats_path``, ``device``, ``batch_size``.
    families : sequence of str, optional
        Restrict to these families (default: all known).
    autocast : bool, optional
        Reduced precision on CUDA (default on).

    Returns
    -------
    (embedders, messages)
        Embedders by family for the weights that are configured and present, and one message per
        family that is not, saying what is missing and how to add it.

    Raises
    ------
    ValueError
        For an unknown family or a bad ``embed.device``.
    CheckpointError
        When configured weights exist but cannot be loaded (wrong format or keys).
    """
    wanted = list(FAMILIES if families is None else families)
    for name in wanted:
        if name not in FAMILIES:
            raise ValueError(f"unknown embedding family {name!r} (known: {', '.join(FAMILIES)})")
    device = resolve_device(cfg.embed.device)
    batch = int(cfg.embed.batch_size)
    out: dict[str, WindowEmbedder] = {}
    messages: list[str] = []
    if "clap" in wanted:
        path = cfg.embed.clap_path
        if not path:
            messages.append(f"clap: no model configured (embed.clap_path is not set). {CLAP_HOWTO}")
        elif resolve_clap_source(path) is None:
            messages.append(f"clap: embed.clap_path={path!r} is neither a directory nor a repo id in the local "
                            f"Hugging Face cache. {CLAP_HOWTO}")
        else:
            out["clap"] = ClapEmbedder.from_pretrained(path, device=device, batch_size=batch, autocast=autocast)
    if "beats" in wanted:
        path = cfg.embed.beats_path
        if not path:
            messages.append(f"beats: no model configured (embed.beats_path is not set). {BEATS_HOWTO}")
        elif not Path(path).expanduser().is_file():
            messages.append(f"beats: embed.beats_path={path!r}: no such file. {BEATS_HOWTO}")
        else:
            out["beats"] = BeatsEmbedder.from_checkpoint(path, device=device, batch_size=batch, autocast=autocast)
    return out, messages
