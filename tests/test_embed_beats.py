"""BEATs: Kaldi fbank maths, the encoder against the official formulas, checkpoint loading, windows, streaming."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from heihachi_index.config import load_config
from heihachi_index.embed import BEATs, BeatsEmbedder, CheckpointError, load_embedders
from heihachi_index.embed.beats import load_beats_checkpoint
from heihachi_index.embed.beats_model import MultiheadAttention, WeightNormConv1d
from heihachi_index.embed.fbank import beats_features, kaldi_fbank
from heihachi_index.embed.testing import tiny_beats_config, write_tiny_beats
from heihachi_index.embed.windows import repeat_pad

SR = 16000


def numpy_fbank_frame(x: np.ndarray, i: int, n_mels: int = 128) -> np.ndarray:
    """Frame ``i`` of a Kaldi fbank written out loop by loop in float64 (25 ms / 10 ms, povey, 512-point FFT)."""
    win, shift, nfft = 400, 160, 512
    frame = x[i * shift:i * shift + win].astype(np.float64)
    frame = frame - frame.mean()
    emph = np.empty_like(frame)
    emph[0] = frame[0] - 0.97 * frame[0]
    for t in range(1, win):
        emph[t] = frame[t] - 0.97 * frame[t - 1]
    povey = np.array([(0.5 - 0.5 * math.cos(2 * math.pi * t / (win - 1))) ** 0.85 for t in range(win)])
    buf = np.zeros(nfft)
    buf[:win] = emph * povey
    power = np.abs(np.fft.rfft(buf)) ** 2

    def mel(f: float) -> float:
        return 1127.0 * math.log(1.0 + f / 700.0)

    lo, hi = mel(20.0), mel(SR / 2)
    step = (hi - lo) / (n_mels + 1)
    out = np.empty(n_mels)
    for m in range(n_mels):
        left, center, right = lo + m * step, lo + (m + 1) * step, lo + (m + 2) * step
        total = 0.0
        for k in range(nfft // 2):  # Kaldi leaves the Nyquist bin out
            mk = mel(k * SR / nfft)
            if left < mk < right:
                total += power[k] * ((mk - left) / (center - left) if mk <= center else (right - mk) / (right - center))
        out[m] = math.log(max(total, np.finfo(np.float32).eps))
    return out


def test_kaldi_fbank_matches_the_formulas_frame_by_frame():
    rng = np.random.default_rng(0)
    t = np.arange(SR) / SR
    x = (0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.standard_normal(SR) + 0.2).astype(np.float32) * 32768
    fb = kaldi_fbank(torch.from_numpy(x)).numpy()
    assert fb.shape == (1 + (SR - 400) // 160, 128)
    for i in (0, 1, 57, fb.shape[0] - 1):
        np.testing.assert_allclose(fb[i], numpy_fbank_frame(x, i), atol=2e-3, rtol=0)
    batched = kaldi_fbank(torch.from_numpy(np.stack([x, x[::-1].copy()]))).numpy()
    np.testing.assert_allclose(batched[0], fb, atol=1e-5)
    silent = kaldi_fbank(torch.zeros(800)).numpy()
    np.testing.assert_allclose(silent, np.log(np.finfo(np.float32).eps))
    with pytest.raises(ValueError, match="shorter than one"):
        kaldi_fbank(torch.zeros(399))
    feats = beats_features(torch.from_numpy(x / 32768))
    np.testing.assert_allclose(feats.numpy(), (fb - 15.41663) / (2 * 6.55582), atol=1e-5)


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_weight_norm_conv_matches_torch_weight_norm():
    torch.manual_seed(1)
    ours = WeightNormConv1d(8, 4, 2)
    with torch.no_grad():
        ours.weight_g.mul_(torch.rand_like(ours.weight_g) + 0.5)
    ref = torch.nn.utils.weight_norm(torch.nn.Conv1d(8, 8, 4, padding=2, groups=2), name="weight", dim=2)
    ref.load_state_dict(ours.state_dict())  # same parameter names as the legacy weight_norm
    x = torch.randn(2, 8, 11)
    torch.testing.assert_close(ours(x), ref(x))


def official_attention(attn: MultiheadAttention, x: torch.Tensor) -> torch.Tensor:
    """The official BEATs self-attention written out as upstream does it: time-major, alpha = 32 trick,
    bucketed relative positions and GRU-style gates (microsoft/unilm beats/backbone.py)."""
    x = x.transpose(0, 1)  # T x B x C
    tgt, bsz, dim = x.shape
    heads, hd = attn.heads, attn.head_dim
    rel = torch.arange(tgt)[None, :] - torch.arange(tgt)[:, None]
    nb = attn.num_buckets // 2
    buckets = (rel > 0).long() * nb
    rel = rel.abs()
    max_exact = nb // 2
    large = max_exact + (torch.log(rel.float() / max_exact) / math.log(attn.max_distance / max_exact)
                         * (nb - max_exact)).long()
    large = torch.min(large, torch.full_like(large, nb - 1))
    buckets = buckets + torch.where(rel < max_exact, rel, large)
    bias = attn.relative_attention_bias(buckets).permute(2, 0, 1)
    bias = bias.unsqueeze(0).repeat(bsz, 1, 1, 1).view(bsz * heads, tgt, tgt)
    scaling, alpha = hd ** -0.5, 32
    q = attn.q_proj(x) * scaling / alpha
    k, v = attn.k_proj(x), attn.v_proj(x)
    q = q.contiguous().view(tgt, bsz * heads, hd).transpose(0, 1)
    k = k.contiguous().view(-1, bsz * heads, hd).transpose(0, 1)
    v = v.contiguous().view(-1, bsz * heads, hd).transpose(0, 1)
    w = torch.bmm(q, k.transpose(1, 2))
    w = (w - w.max(dim=-1, keepdim=True)[0]) * alpha
    query_layer = q.view(bsz, heads, tgt, hd) * alpha / scaling
    gate_a, gate_b = torch.sigmoid(attn.grep_linear(query_layer).view(bsz, heads, tgt, 2, 4).sum(-1)).chunk(2, dim=-1)
    gate = gate_a * (gate_b * attn.grep_a - 1.0) + 2.0
    w = w + (gate.view(bsz * heads, tgt, 1) * bias).view(w.size())
    out = torch.bmm(torch.softmax(w, dim=-1), v)
    out = out.transpose(0, 1).contiguous().view(tgt, bsz, dim)
    return attn.out_proj(out).transpose(0, 1)


def test_attention_equals_the_official_formulation():
    torch.manual_seed(2)
    attn = MultiheadAttention(32, 4, relative=True, num_buckets=32, max_distance=64, gru_rel_pos=True)
    with torch.no_grad():
        attn.grep_a.copy_(torch.rand_like(attn.grep_a) + 0.5)
    x = torch.randn(3, 70, 32)
    ours, _ = attn(x, None)
    torch.testing.assert_close(ours, official_attention(attn, x), atol=2e-5, rtol=1e-4)


@pytest.fixture(scope="module")
def beats_ckpt(tmp_path_factory):
    return write_tiny_beats(tmp_path_factory.mktemp("beats") / "BEATs_tiny.pt")


@pytest.fixture(scope="module")
def beats(beats_ckpt) -> BeatsEmbedder:
    cfg = load_config(None, environ={}, **{"embed.beats_path": str(beats_ckpt), "embed.device": "cpu",
                                           "embed.batch_size": 2})
    embedders, messages = load_embedders(cfg)
    assert set(embedders) == {"beats"} and len(messages) == 1 and "clap" in messages[0]
    return embedders["beats"]


def noise(seconds: float, sr: int = SR, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(seconds * sr)
    env = 0.5 + 0.5 * np.sin(np.arange(n) / sr * 2 * np.pi * 0.3)
    return (0.2 * rng.standard_normal(n) * env).astype(np.float32)


def test_windows_shapes_and_determinism(beats):
    assert (beats.family, beats.dim, beats.sample_rate) == ("beats", 32, 16000)
    y = noise(25.0)
    a, b = beats.embed(y, SR), beats.embed(y, SR)
    assert a.windows.shape == (3, 32) and a.vector.shape == (32,) and a.vector.dtype == np.float32
    np.testing.assert_array_equal(a.starts, [0.0, 10.0, 20.0])
    np.testing.assert_allclose(a.durations, [10.0, 10.0, 5.0])
    assert a.window_seconds == 10.0
    np.testing.assert_array_equal(a.vector, b.vector)
    np.testing.assert_array_equal(a.windows, b.windows)
    np.testing.assert_allclose(a.vector, (a.windows * [[1.0], [1.0], [0.5]]).sum(0) / 2.5, rtol=1e-5, atol=1e-6)
    assert np.all(np.std(a.windows, axis=0) > 0)  # windows differ
    # the model is loaded once per process
    cfg = load_config(None, environ={}, **{"embed.beats_path": beats.source, "embed.device": "cpu"})
    assert load_embedders(cfg, ["beats"])[0]["beats"].model is beats.model


def test_short_clip_is_repeat_padded(beats):
    clip = noise(3.0, seed=3)
    emb = beats.embed(clip, SR)
    assert emb.windows.shape == (1, 32)
    np.testing.assert_allclose(emb.durations, [3.0])
    window = repeat_pad(clip, 10 * SR)
    np.testing.assert_array_equal(window[:3 * SR], clip)
    np.testing.assert_array_equal(window[6 * SR:9 * SR], clip)
    assert not window[9 * SR:].any()
    np.testing.assert_allclose(emb.windows[0], beats.embed_windows(window[None])[0], atol=1e-6)
    np.testing.assert_allclose(emb.vector, emb.windows[0], atol=1e-6)
    # a tail under one second after full windows is dropped rather than repeated ten times
    assert beats.embed(noise(20.5), SR).windows.shape == (2, 32)


def test_embed_blocks_and_embed_many_match_embed(beats):
    y = noise(34.0, sr=22050, seed=5)
    whole = beats.embed(y, 22050)
    blocks = beats.embed_blocks(iter(np.array_split(y, 9)), 22050)
    np.testing.assert_array_equal(blocks.windows, whole.windows)
    np.testing.assert_array_equal(blocks.vector, whole.vector)
    many = beats.embed_many([(y, 22050), (noise(3.0, seed=3), SR), (noise(25.0), SR)])
    assert [m.windows.shape[0] for m in many] == [4, 1, 3]
    np.testing.assert_allclose(many[0].vector, whole.vector, atol=1e-5)
    with pytest.raises(ValueError, match="mono"):
        beats.embed(np.zeros((2, SR), np.float32), SR)
    with pytest.raises(ValueError, match="NaN"):
        beats.embed(np.full(SR, np.nan, np.float32), SR)
    with pytest.raises(ValueError, match="no samples"):
        beats.embed(np.zeros(0, np.float32), SR)


def test_checkpoint_loads_strictly_and_bad_ones_fail_clearly(beats_ckpt, tmp_path):
    model = load_beats_checkpoint(beats_ckpt)
    ckpt = torch.load(beats_ckpt, weights_only=True)
    assert set(model.state_dict()) == set(ckpt["model"])
    for key, value in ckpt["model"].items():
        torch.testing.assert_close(model.state_dict()[key], value)
    # a checkpoint holding the shared relative-position table once (layer 0) loads too
    once = {k: v for k, v in ckpt["model"].items() if "relative_attention_bias" not in k or ".layers.0." in k}
    torch.save({"cfg": ckpt["cfg"], "model": once}, tmp_path / "once.pt")
    load_beats_checkpoint(tmp_path / "once.pt")
    # and so does one whose positional conv was re-saved with the parametrizations API
    param = {k.replace("pos_conv.0.weight_g", "pos_conv.0.parametrizations.weight.original0")
              .replace("pos_conv.0.weight_v", "pos_conv.0.parametrizations.weight.original1"): v
             for k, v in ckpt["model"].items()}
    torch.save({"cfg": ckpt["cfg"], "model": param}, tmp_path / "param.pt")
    torch.testing.assert_close(load_beats_checkpoint(tmp_path / "param.pt").encoder.pos_conv[0].weight_v,
                               ckpt["model"]["encoder.pos_conv.0.weight_v"])

    renamed = dict(ckpt["model"])
    renamed["encoder.layers.0.fc1.weight_renamed"] = renamed.pop("encoder.layers.0.fc1.weight")
    torch.save({"cfg": ckpt["cfg"], "model": renamed}, tmp_path / "renamed.pt")
    with pytest.raises(CheckpointError, match=r"missing encoder\.layers\.0\.fc1\.weight;.*unexpected .*_renamed"):
        load_beats_checkpoint(tmp_path / "renamed.pt")
    wrong_shape = {**ckpt["model"], "layer_norm.weight": torch.ones(7)}
    torch.save({"cfg": ckpt["cfg"], "model": wrong_shape}, tmp_path / "shape.pt")
    with pytest.raises(CheckpointError, match="layer_norm.weight"):
        load_beats_checkpoint(tmp_path / "shape.pt")
    torch.save(ckpt["model"], tmp_path / "bare.pt")
    with pytest.raises(CheckpointError, match="'cfg' and 'model'"):
        load_beats_checkpoint(tmp_path / "bare.pt")
    (tmp_path / "text.pt").write_text("not a checkpoint")
    with pytest.raises(CheckpointError, match="not a PyTorch checkpoint"):
        load_beats_checkpoint(tmp_path / "text.pt")


def test_finetuned_checkpoint_carries_its_predictor(tmp_path):
    path = write_tiny_beats(tmp_path / "ft.pt", finetuned_model=True, predictor_class=5)
    model = load_beats_checkpoint(path)
    assert model.predictor is not None and model.predictor.out_features == 5
    assert isinstance(model, BEATs) and model.cfg.encoder_layers == 2 and tiny_beats_config().deep_norm


def test_missing_beats_weights_are_explained(tmp_path):
    cfg = load_config(None, environ={}, **{"embed.device": "cpu"})
    embedders, messages = load_embedders(cfg, ["beats"])
    assert embedders == {} and len(messages) == 1
    text = messages[0]
    assert "embed.beats_path" in text and "HEIHACHI_EMBED__BEATS_PATH" in text
    assert "BEATs_iter3_plus_AS2M.pt" in text and "--backfill" in text
    cfg = load_config(None, environ={}, **{"embed.beats_path": str(tmp_path / "nope.pt"), "embed.device": "cpu"})
    embedders, messages = load_embedders(cfg, ["beats"])
    assert embedders == {} and "nope.pt" in messages[0] and "no such file" in messages[0]
    with pytest.raises(ValueError, match="unknown embedding family"):
        load_embedders(cfg, ["mert"])
