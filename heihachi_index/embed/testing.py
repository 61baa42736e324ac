"""Tiny random-initialised CLAP and BEATs checkpoints in the real on-disk formats, for tests and demos.

Nothing here downloads anything: the CLAP tokenizer is a small word-level tokenizer built with the
``tokenizers`` library and saved the way a Hugging Face checkpoint ships one.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from heihachi_index.embed.beats import save_checkpoint
from heihachi_index.embed.beats_model import BEATs, BEATsConfig

TINY_WORDS = ("a the of with and sound dark heavy bright warm bass sub wobble reese drum drums break breakbeat amen "
              "kick snare hat hats pad pads liquid techno house ambient jungle dubstep neurofunk vocal vocals chords "
              "piano synth fast slow loud quiet minor major").split()


def tiny_beats_config(**overrides: Any) -> BEATsConfig:
    """A 2-layer BEATs of the iter3 architecture (deep norm, gated relative positions), 32-d."""
    base = dict(input_patch_size=16, embed_dim=24, conv_bias=False, encoder_layers=2, encoder_embed_dim=32,
                encoder_ffn_embed_dim=64, encoder_attention_heads=4, activation_fn="gelu", layer_norm_first=False,
                deep_norm=True, conv_pos=16, conv_pos_groups=4, relative_position_embedding=True, num_buckets=32,
                max_distance=64, gru_rel_pos=True)
    base.update(overrides)
    return BEATsConfig(**base)


def write_tiny_beats(path: str | os.PathLike[str], seed: int = 0, **overrides: Any) -> Path:
    """Save a random tiny BEATs as an official-format checkpoint (cfg also carries training-only fields)."""
    torch.manual_seed(seed)
    model = BEATs(tiny_beats_config(**overrides))
    with torch.no_grad():  # non-trivial norms and gates, so every parameter matters
        for name, p in model.named_parameters():
            if name.endswith(("weight_g", "grep_a")) or "norm" in name:
                p.add_(0.1 * torch.randn_like(p))
    save_checkpoint(model, path)
    ckpt = torch.load(path, weights_only=True)
    ckpt["cfg"].update(dropout=0.1, attention_dropout=0.1, encoder_layerdrop=0.05, layer_wise_gradient_decay_ratio=0.6)
    torch.save(ckpt, path)
    return Path(path)


def tiny_tokenizer(max_length: int = 64) -> Any:
    """A word-level RoBERTa-style tokenizer (``<s> ... </s>``, pad id 1) over :data:`TINY_WORDS`."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, **{w: i + 4 for i, w in enumerate(TINY_WORDS)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
                                   unk_token="<unk>", model_max_length=max_length)


def tiny_clap_config(fused: bool = False) -> Any:
    from transformers import ClapConfig

    audio = dict(window_size=8, depths=[1, 1], num_attention_heads=[1, 2], patch_embeds_hidden_size=16, hidden_size=32)
    if fused:
        audio.update(enable_fusion=True, fusion_type="aff_2d")
    text = dict(vocab_size=len(TINY_WORDS) + 4, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                intermediate_size=64, max_position_embeddings=70)
    return ClapConfig(text_config=text, audio_config=audio, projection_dim=24)


def write_tiny_clap(folder: str | os.PathLike[str], seed: int = 0, fused: bool = False) -> Path:
    """Save a random tiny ``ClapModel`` with its processor (feature extractor as in ``laion/clap-htsat-unfused``:
    48 kHz, 10 s, 64 mel bins from 50 Hz to 14 kHz, ``rand_trunc``; ``fusion`` when ``fused``) into ``folder``."""
    from transformers import ClapFeatureExtractor, ClapModel, ClapProcessor

    folder = Path(folder)
    torch.manual_seed(seed)
    ClapModel(tiny_clap_config(fused)).save_pretrained(folder)
    fe = ClapFeatureExtractor(feature_size=64, sampling_rate=48000, hop_length=480, max_length_s=10,
                              fft_window_size=1024, frequency_min=50, frequency_max=14000,
                              truncation="fusion" if fused else "rand_trunc", padding="repeatpad")
    ClapProcessor(feature_extractor=fe, tokenizer=tiny_tokenizer()).save_pretrained(folder)
    return folder
