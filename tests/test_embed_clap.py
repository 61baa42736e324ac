"""CLAP: loading a local checkpoint offline, the front end against transformers, windows, streaming, text."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from heihachi_index.config import load_config
from heihachi_index.embed import CheckpointError, ClapEmbedder, load_embedders
from heihachi_index.embed.clap import resolve_clap_source
from heihachi_index.embed.testing import write_tiny_clap

SR = 48000


@pytest.fixture(scope="module")
def clap_dir(tmp_path_factory):
    return write_tiny_clap(tmp_path_factory.mktemp("clap") / "tiny-clap")


def config(**embed):
    return load_config(None, environ={}, **{f"embed.{k}": v for k, v in {"device": "cpu", **embed}.items()})


@pytest.fixture(scope="module")
def clap(clap_dir) -> ClapEmbedder:
    embedders, messages = load_embedders(config(clap_path=str(clap_dir), batch_size=2))
    assert set(embedders) == {"clap"} and len(messages) == 1 and messages[0].startswith("beats:")
    return embedders["clap"]


def music(seconds: float, sr: int = SR, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    tone = np.sin(2 * np.pi * (110 + 40 * seed) * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 0.2 * t))
    return (0.3 * tone + 0.05 * rng.standard_normal(len(t))).astype(np.float32)


def test_front_end_and_model_match_the_transformers_pipeline(clap):
    fe, model = clap.feature_extractor, clap.model
    window = music(10.0, seed=1)
    ref = fe(window, sampling_rate=SR, return_tensors="pt")
    ours = clap.features(torch.from_numpy(window[None]))
    assert ours.shape == ref["input_features"].shape == (1, 1, 1001, 64)
    torch.testing.assert_close(ours, ref["input_features"].float(), atol=2e-3, rtol=0)
    with torch.inference_mode():
        expected = model.get_audio_features(input_features=ref["input_features"].float()).pooler_output[0].numpy()
    np.testing.assert_allclose(clap.embed_windows(window[None])[0], expected, atol=1e-4)


def test_windows_shapes_determinism_and_normalisation(clap, clap_dir):
    assert (clap.family, clap.dim, clap.sample_rate, clap.window_seconds) == ("clap", 24, 48000, 10.0)
    y = music(25.0)
    a, b = clap.embed(y, SR), clap.embed(y, SR)
    assert a.windows.shape == (3, 24) and a.vector.shape == (24,) and a.vector.dtype == np.float32
    np.testing.assert_array_equal(a.starts, [0.0, 10.0, 20.0])
    np.testing.assert_allclose(a.durations, [10.0, 10.0, 5.0])
    np.testing.assert_array_equal(a.vector, b.vector)
    np.testing.assert_allclose(np.linalg.norm(a.windows, axis=1), 1.0, atol=1e-5)
    assert abs(np.linalg.norm(a.vector) - 1.0) < 1e-5
    mean = (a.windows * [[1.0], [1.0], [0.5]]).sum(0)
    np.testing.assert_allclose(a.vector, mean / np.linalg.norm(mean), atol=1e-5)
    again = load_embedders(config(clap_path=str(clap_dir)), ["clap"])[0]["clap"]
    assert again.model is clap.model  # one load per process


def test_short_clip_uses_the_extractors_repeatpad(clap):
    clip = music(3.0, seed=2)
    emb = clap.embed(clip, SR)
    assert emb.windows.shape == (1, 24)
    np.testing.assert_allclose(emb.durations, [3.0])
    ref = clap.feature_extractor(clip, sampling_rate=SR, return_tensors="pt")  # pads with "repeatpad" itself
    with torch.inference_mode():
        expected = clap.model.get_audio_features(input_features=ref["input_features"].float()).pooler_output[0]
    np.testing.assert_allclose(emb.windows[0], expected.numpy(), atol=1e-4)


def test_embed_blocks_and_embed_many_match_embed(clap):
    y = music(21.5, sr=44100, seed=3)
    whole = clap.embed(y, 44100)
    streamed = clap.embed_blocks(iter(np.array_split(y, 5)), 44100)
    np.testing.assert_array_equal(streamed.windows, whole.windows)
    np.testing.assert_array_equal(streamed.vector, whole.vector)
    many = clap.embed_many([(music(3.0, seed=2), SR), (y, 44100)])
    assert [m.windows.shape[0] for m in many] == [1, 3]
    np.testing.assert_allclose(many[1].vector, whole.vector, atol=1e-5)


def test_encode_text(clap):
    vecs = clap.encode_text(["dark heavy bass", "liquid pads with warm chords", "dark heavy bass"])
    assert vecs.shape == (3, 24) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(vecs[0], vecs[2], atol=1e-6)
    assert float(vecs[0] @ vecs[1]) < 1 - 1e-4
    many = clap.encode_text([f"techno kick {i}" for i in range(5)])  # more texts than the batch size
    assert many.shape == (5, 24)
    with pytest.raises(ValueError, match="list of strings"):
        clap.encode_text("dark bass")
    with pytest.raises(ValueError, match="empty"):
        clap.encode_text(["ok", "  "])


def test_fused_checkpoint_is_deterministic(tmp_path):
    folder = write_tiny_clap(tmp_path / "fused", fused=True)
    emb = load_embedders(config(clap_path=str(folder)), ["clap"])[0]["clap"]
    y = music(12.0, seed=4)
    assert emb.features(torch.from_numpy(y[None, :SR * 10])).shape == (1, 4, 1001, 64)
    np.testing.assert_array_equal(emb.embed(y, SR).vector, emb.embed(y, SR).vector)


def test_missing_clap_weights_are_explained(tmp_path):
    embedders, messages = load_embedders(config(), ["clap"])
    assert embedders == {} and len(messages) == 1
    text = messages[0]
    for needle in ("embed.clap_path", "HEIHACHI_EMBED__CLAP_PATH", "laion/clap-htsat-unfused",
                   "laion/larger_clap_music", "--backfill"):
        assert needle in text
    embedders, messages = load_embedders(config(clap_path=str(tmp_path / "missing-dir")), ["clap"])
    assert embedders == {} and "missing-dir" in messages[0]
    # a repo id that is not in the (offline) Hugging Face cache is reported, not fetched
    assert resolve_clap_source("someone/not-a-cached-model") is None


def test_checkpoint_with_a_wrong_key_fails_clearly(clap_dir, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(clap_dir, broken)
    weights = load_file(broken / "model.safetensors")
    key = next(k for k in weights if k.startswith("audio_projection.linear1.weight"))
    weights[key + "_typo"] = weights.pop(key)
    save_file(weights, broken / "model.safetensors", metadata={"format": "pt"})
    with pytest.raises(CheckpointError, match="missing audio_projection.linear1.weight"):
        load_embedders(config(clap_path=str(broken)), ["clap"])
    (broken / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(CheckpointError, match="cannot load"):
        load_embedders(config(clap_path=str(broken)), ["clap"])
