"""The BEATs audio encoder (Chen et al. 2022, microsoft/unilm ``beats/``) for inference, in plain PyTorch.

Module names match the official ``BEATs.py``/``backbone.py`` so that an official checkpoint
(``torch.load(path)`` -> ``{"cfg": {...}, "model": state_dict}``) loads with ``strict=True``.
Only inference is implemented: no dropout, no layer drop, no padding mask (windows are padded to
equal length before they get here). Attention uses ``scaled_dot_product_attention`` with the gated
relative-position bias as an additive mask, which is the official softmax up to the per-row shift
the official code subtracts for fp16 safety (softmax is shift invariant).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, Mapping

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class BEATsConfig:
    """The fields of the official ``BEATsConfig`` that shape the network (defaults as upstream)."""

    input_patch_size: int = 16
    embed_dim: int = 512
    conv_bias: bool = False
    encoder_layers: int = 12
    encoder_embed_dim: int = 768
    encoder_ffn_embed_dim: int = 3072
    encoder_attention_heads: int = 12
    activation_fn: str = "gelu"
    layer_norm_first: bool = False
    deep_norm: bool = False
    conv_pos: int = 128
    conv_pos_groups: int = 16
    relative_position_embedding: bool = False
    num_buckets: int = 320
    max_distance: int = 1280
    gru_rel_pos: bool = False
    finetuned_model: bool = False
    predictor_class: int = 527

    @classmethod
    def from_dict(cls, cfg: Mapping[str, Any]) -> "BEATsConfig":
        """From a checkpoint's ``cfg`` dict; training-only fields (dropouts, ...) are ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in cfg.items() if k in names})

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


ITER3_CONFIG = BEATsConfig(input_patch_size=16, embed_dim=512, conv_bias=False, encoder_layers=12,
                           encoder_embed_dim=768, encoder_ffn_embed_dim=3072, encoder_attention_heads=12,
                           activation_fn="gelu", layer_norm_first=False, deep_norm=True, conv_pos=128,
                           conv_pos_groups=16, relative_position_embedding=True, num_buckets=320,
                           max_distance=800, gru_rel_pos=True)
"""The architecture of BEATs_iter3 / BEATs_iter3_plus_AS2M (pre-trained)."""


def _activation(name: str):
    if name == "gelu":
        return lambda x: F.gelu(x.float()).type_as(x)
    if name in ("gelu_accurate", "gelu_fast"):
        return lambda x: F.gelu(x.float(), approximate="tanh").type_as(x)
    if name == "relu":
        return F.relu
    if name == "tanh":
        return torch.tanh
    if name == "linear":
        return lambda x: x
    raise ValueError(f"BEATs activation_fn {name!r} is not supported (gelu, gelu_accurate, relu, tanh, linear)")


class WeightNormConv1d(nn.Module):
    """A grouped Conv1d with weight normalisation over all axes but the kernel axis (``weight_norm(dim=2)``),
    storing ``weight_g``/``weight_v`` as the legacy ``torch.nn.utils.weight_norm`` does."""

    def __init__(self, channels: int, kernel: int, groups: int) -> None:
        super().__init__()
        self.padding, self.groups = kernel // 2, groups
        self.weight_g = nn.Parameter(torch.ones(1, 1, kernel))
        self.weight_v = nn.Parameter(torch.randn(channels, channels // groups, kernel) * 0.02)
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        v = self.weight_v
        weight = v * (self.weight_g / v.norm(dim=(0, 1), keepdim=True))
        return F.conv1d(x, weight, self.bias, padding=self.padding, groups=self.groups)


class SamePad(nn.Module):
    def __init__(self, kernel: int) -> None:
        super().__init__()
        self.remove = 1 if kernel % 2 == 0 else 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, :, :-self.remove] if self.remove else x


class MultiheadAttention(nn.Module):
    """Self-attention with (optionally gated) bucketed relative-position bias."""

    def __init__(self, dim: int, heads: int, *, relative: bool, num_buckets: int, max_distance: int,
                 gru_rel_pos: bool) -> None:
        super().__init__()
        if dim % heads:
            raise ValueError(f"encoder_embed_dim {dim} is not divisible by {heads} heads")
        self.dim, self.heads, self.head_dim = dim, heads, dim // heads
        self.num_buckets, self.max_distance = num_buckets, max_distance
        self.has_relative_attention_bias = relative
        if relative:
            self.relative_attention_bias = nn.Embedding(num_buckets, heads)
        self.k_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.q_proj = nn.Linear(dim, dim)
        self.out_proj = nn.Linear(dim, dim)
        self.gru_rel_pos = gru_rel_pos
        if gru_rel_pos:
            self.grep_linear = nn.Linear(self.head_dim, 8)
            self.grep_a = nn.Parameter(torch.ones(1, heads, 1, 1))

    def _buckets(self, relative: torch.Tensor) -> torch.Tensor:
        half = self.num_buckets // 2
        buckets = (relative > 0).long() * half
        distance = relative.abs()
        max_exact = half // 2
        large = max_exact + (torch.log(distance.float() / max_exact) / math.log(self.max_distance / max_exact)
                             * (half - max_exact)).long()
        large = torch.clamp_max(large, half - 1)
        return buckets + torch.where(distance < max_exact, distance, large)

    def compute_bias(self, length: int) -> torch.Tensor:
        """Relative-position bias ``(1, heads, length, length)``."""
        device = self.relative_attention_bias.weight.device
        pos = torch.arange(length, device=device)
        values = self.relative_attention_bias(self._buckets(pos[None, :] - pos[:, None]))
        return values.permute(2, 0, 1).unsqueeze(0)

    def forward(self, x: torch.Tensor, position_bias: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        if self.has_relative_attention_bias and position_bias is None:
            position_bias = self.compute_bias(t)
        mask = None
        if position_bias is not None:
            mask = position_bias
            if self.gru_rel_pos:
                gates = torch.sigmoid(self.grep_linear(q).view(b, self.heads, t, 2, 4).sum(-1))
                gate_a, gate_b = gates.chunk(2, dim=-1)
                mask = (gate_a * (gate_b * self.grep_a - 1.0) + 2.0) * position_bias
            mask = mask.to(q.dtype)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.out_proj(out.transpose(1, 2).reshape(b, t, self.dim)), position_bias


class EncoderLayer(nn.Module):
    """``TransformerSentenceEncoderLayer``: post-norm (optionally DeepNorm-scaled residuals) or pre-norm."""

    def __init__(self, cfg: BEATsConfig, relative: bool) -> None:
        super().__init__()
        dim = cfg.encoder_embed_dim
        if cfg.activation_fn == "glu":
            raise ValueError("BEATs activation_fn 'glu' is not supported")
        self.activation = _activation(cfg.activation_fn)
        self.self_attn = MultiheadAttention(dim, cfg.encoder_attention_heads, relative=relative,
                                            num_buckets=cfg.num_buckets, max_distance=cfg.max_distance,
                                            gru_rel_pos=cfg.gru_rel_pos)
        self.self_attn_layer_norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, cfg.encoder_ffn_embed_dim)
        self.fc2 = nn.Linear(cfg.encoder_ffn_embed_dim, dim)
        self.final_layer_norm = nn.LayerNorm(dim)
        self.layer_norm_first = cfg.layer_norm_first
        self.alpha = math.pow(2 * cfg.encoder_layers, 0.25) if cfg.deep_norm else 1.0

    def forward(self, x: torch.Tensor, pos_bias: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        if self.layer_norm_first:
            h, pos_bias = self.self_attn(self.self_attn_layer_norm(x), pos_bias)
            x = x + h
            return x + self.fc2(self.activation(self.fc1(self.final_layer_norm(x)))), pos_bias
        h, pos_bias = self.self_attn(x, pos_bias)
        x = self.self_attn_layer_norm(x * self.alpha + h)
        h = self.fc2(self.activation(self.fc1(x)))
        return self.final_layer_norm(x * self.alpha + h), pos_bias


class TransformerEncoder(nn.Module):
    def __init__(self, cfg: BEATsConfig) -> None:
        super().__init__()
        dim = cfg.encoder_embed_dim
        self.pos_conv = nn.Sequential(WeightNormConv1d(dim, cfg.conv_pos, cfg.conv_pos_groups), SamePad(cfg.conv_pos),
                                      nn.GELU())
        self.layers = nn.ModuleList(EncoderLayer(cfg, cfg.relative_position_embedding and i == 0)
                                    for i in range(cfg.encoder_layers))
        if cfg.relative_position_embedding:
            # Upstream shares layer 0's table with every layer (and so saves it under every layer's name).
            shared = self.layers[0].self_attn.relative_attention_bias
            for layer in self.layers[1:]:
                layer.self_attn.relative_attention_bias = shared
                layer.self_attn.has_relative_attention_bias = True
        self.layer_norm_first = cfg.layer_norm_first
        self.layer_norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.pos_conv(x.transpose(1, 2)).transpose(1, 2)
        if not self.layer_norm_first:
            x = self.layer_norm(x)
        pos_bias = None
        for layer in self.layers:
            x, pos_bias = layer(x, pos_bias)
        return self.layer_norm(x) if self.layer_norm_first else x


class BEATs(nn.Module):
    """BEATs encoder: normalised fbank ``(batch, frames, 128)`` -> token features ``(batch, tokens, dim)``.

    Tokens are 16x16 patches of the fbank, ordered time-major (``frames // 16`` times ``128 // 16``).
    """

    def __init__(self, cfg: BEATsConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.post_extract_proj = (nn.Linear(cfg.embed_dim, cfg.encoder_embed_dim)
                                  if cfg.embed_dim != cfg.encoder_embed_dim else None)
        p = cfg.input_patch_size
        self.patch_embedding = nn.Conv2d(1, cfg.embed_dim, kernel_size=p, stride=p, bias=cfg.conv_bias)
        self.encoder = TransformerEncoder(cfg)
        self.layer_norm = nn.LayerNorm(cfg.embed_dim)
        # Fine-tuned checkpoints carry the AudioSet classifier; it is loaded but never used for embeddings.
        self.predictor = nn.Linear(cfg.encoder_embed_dim, cfg.predictor_class) if cfg.finetuned_model else None

    def forward(self, fbank: torch.Tensor) -> torch.Tensor:
        x = self.patch_embedding(fbank.unsqueeze(1))
        x = x.reshape(x.shape[0], x.shape[1], -1).transpose(1, 2)
        x = self.layer_norm(x)
        if self.post_extract_proj is not None:
            x = self.post_extract_proj(x)
        return self.encoder(x)


def official_state_dict(state: Mapping[str, torch.Tensor], cfg: BEATsConfig) -> dict[str, torch.Tensor]:
    """Official key names for two harmless variants of the official format.

    * The shared relative-position table stored once (layer 0) is filled in for every layer
      (checkpoints saved from the shared module store it under every layer's name).
    * A positional conv re-saved with ``torch.nn.utils.parametrizations.weight_norm``
      (``parametrizations.weight.original0/1``) is renamed to the legacy ``weight_g``/``weight_v``.
    """
    out = dict(state)
    legacy = {"encoder.pos_conv.0.parametrizations.weight.original0": "encoder.pos_conv.0.weight_g",
              "encoder.pos_conv.0.parametrizations.weight.original1": "encoder.pos_conv.0.weight_v"}
    for new, old in legacy.items():
        if new in out and old not in out:
            out[old] = out.pop(new)
    key = "encoder.layers.{}.self_attn.relative_attention_bias.weight"
    if cfg.relative_position_embedding and key.format(0) in out:
        for i in range(1, cfg.encoder_layers):
            out.setdefault(key.format(i), out[key.format(0)])
    return out
