"""``heihachi-index text "calm liquid around 172 bpm, no vocals" [--json]``: what a text query asks for."""
from __future__ import annotations

import argparse
import json

from heihachi_index.cli import CliError
from heihachi_index.config import Config
from heihachi_index.search.text import TextAnalysis, analyze_text
from heihachi_index.search.text_model import TextModelError


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("text", parents=[parent], help="show how a text query is understood (concepts, constraints)")
    p.add_argument("query", metavar="TEXT")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def analyze(query: str, cfg: Config) -> TextAnalysis:
    """:func:`analyze_text` with the configured text model, errors as :class:`CliError`."""
    try:
        return analyze_text(query, model=cfg.embed.text_model)
    except (ValueError, TextModelError) as exc:
        raise CliError(str(exc)) from None


def describe(analysis: TextAnalysis) -> list[str]:
    """Human-readable lines: concepts with weights, constraints, words not understood."""
    lines = []
    if analysis.concepts:
        lines.append("concepts:")
        for c in analysis.concepts:
            how = "" if c.similarity >= 1.0 else f", similarity {c.similarity:.2f}"
            lines.append(f"  {c.name:<14} {c.weight:+.2f}  ({c.phrase!r}{how})")
    cons = analysis.constraints
    if cons.tempo is not None:
        t = cons.tempo
        span = (f"{t.low:g}-{t.high:g}" if t.low is not None and t.high is not None
                else f">= {t.low:g}" if t.low is not None else f"<= {t.high:g}")
        lines.append(f"tempo:    {span} BPM{' (also half/double time)' if t.half_double_time else ''}  ({t.text!r})")
    codes = cons.camelot_keys()
    if cons.keys:
        lines.append("key:      " + ", ".join(cons.keys) + f"  ({', '.join(codes)})")
    elif cons.mode is not None:
        lines.append(f"key:      any {cons.mode} key")
    if cons.compatible_key is not None:
        lines.append(f"key:      mixable with {cons.compatible_key}")
    if cons.duration is not None:
        d = cons.duration
        lo = f"{d.low:g} s" if d.low is not None else "0 s"
        hi = f"{d.high:g} s" if d.high is not None else "any length"
        lines.append(f"duration: {lo} - {hi}  ({d.text!r})")
    if analysis.unparsed:
        lines.append("not understood: " + ", ".join(repr(u) for u in analysis.unparsed))
    if not analysis.understood:
        lines.append("nothing understood")
    return lines


def run(args: argparse.Namespace, cfg: Config) -> int:
    analysis = analyze(args.query, cfg)
    if args.json:
        print(json.dumps(analysis.to_dict(), indent=1))
        return 0
    print("\n".join(describe(analysis)))
    return 0
