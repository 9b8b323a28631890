"""The torch and onnx target backends and ``mia export onnx``, on a tiny BERT built per session."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

from mia_platform.cli import cli
from mia_platform.errors import TargetError
from mia_platform.export import export_onnx
from mia_platform.manager import make_plugin_manager
from mia_platform.pretrained import minilm_dir

TEXTS = [
    "Good morrow, my lord.",
    "",
    "What light through yonder window breaks? It is the east.",
    "Ay.",
    "Now is the winter of our discontent made glorious summer by this sun of York.",
    "Friends, Romans, countrymen, lend me your ears; I come to bury Caesar.",
    "O Romeo, Romeo!",
]
LONG = "The lady doth protest too much, methinks. " * 5


@pytest.fixture(scope="session")
def tokenizer():
    return AutoTokenizer.from_pretrained(minilm_dir(), local_files_only=True)


def _tiny_bert(seed: int) -> BertForSequenceClassification:
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        num_labels=3,
        id2label={0: "comedy", 1: "history", 2: "tragedy"},
        label2id={"comedy": 0, "history": 1, "tragedy": 2},
    )
    return BertForSequenceClassification(config).eval()


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory, tokenizer) -> Path:
    path = tmp_path_factory.mktemp("tiny") / "model"
    _tiny_bert(0).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def exported(model_dir, tmp_path_factory):
    return export_onnx(model_dir, tmp_path_factory.mktemp("onnx") / "model.onnx")


@pytest.fixture(scope="session")
def torch_target(model_dir):
    return make_plugin_manager().open_target(str(model_dir), max_length=32, batch_size=3)


@pytest.fixture(scope="session")
def onnx_target(exported):
    return make_plugin_manager().open_target(str(exported.path), max_length=32, batch_size=3)


def _direct(model_dir: Path, ids: list[list[int]]) -> np.ndarray:
    """Logits straight from the model, one unpadded text at a time (the reference)."""
    model = BertForSequenceClassification.from_pretrained(model_dir).eval()
    with torch.inference_mode():
        return np.concatenate([model(input_ids=torch.tensor([row])).logits.numpy() for row in ids])


def _export_custom(model_dir: Path, out: Path, names, dtype, dynamic: bool, shape=(2, 12)):
    """Export the tiny model with chosen inputs, integer type and (non-)dynamic axes."""
    model = BertForSequenceClassification.from_pretrained(model_dir).eval()

    class Wrapped(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = model

        def forward(self, *args):
            return self.inner(**{n: a.long() for n, a in zip(names, args, strict=True)}).logits

    args = tuple(torch.ones(shape, dtype=dtype) for _ in names)
    axes = {n: {0: "batch", 1: "sequence"} for n in names} if dynamic else None
    torch.onnx.export(
        Wrapped(),
        args,
        str(out),
        input_names=list(names),
        output_names=["logits"],
        dynamic_axes=axes,
        opset_version=17,
        dynamo=False,
    )
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        (out.parent / name).write_bytes((model_dir / name).read_bytes())
    return out


def test_claims_pick_each_backend(torch_target, onnx_target):
    assert type(torch_target).__name__ == "TorchTarget"
    assert type(onnx_target).__name__ == "OnnxTarget"
    for target in (torch_target, onnx_target):
        assert target.num_classes == 3
        assert target.label_names == ["comedy", "history", "tragedy"]
        assert target.output_kind == "logits"


def test_torch_matches_unbatched_model_and_keeps_order(torch_target, model_dir, tokenizer):
    got = torch_target.predict_logits(TEXTS)
    ids = tokenizer(TEXTS, truncation=True, max_length=32)["input_ids"]
    assert got.dtype == np.float32 and got.shape == (len(TEXTS), 3)
    np.testing.assert_allclose(got, _direct(model_dir, ids), atol=1e-5)
    one_by_one = np.concatenate([torch_target.predict_logits([t]) for t in TEXTS])
    np.testing.assert_allclose(got, one_by_one, atol=1e-5)


def test_onnx_parity_with_torch(exported, torch_target, onnx_target):
    assert exported.input_names == ("input_ids", "attention_mask", "token_type_ids")
    assert exported.max_abs_diff < 1e-4
    diff = np.abs(onnx_target.predict_logits(TEXTS) - torch_target.predict_logits(TEXTS))
    assert diff.max() < 1e-4
    one_by_one = np.concatenate([onnx_target.predict_logits([t]) for t in TEXTS])
    np.testing.assert_allclose(onnx_target.predict_logits(TEXTS), one_by_one, atol=1e-5)


def test_empty_text_gets_cls_sep_logits(torch_target, onnx_target, model_dir):
    expected = _direct(model_dir, [[101, 102]])
    for target in (torch_target, onnx_target):
        np.testing.assert_allclose(target.predict_logits([""]), expected, atol=1e-5)
        assert target.predict_logits([]).shape == (0, 3)


def test_over_long_text_is_truncated_to_max_length(model_dir, exported, tokenizer):
    pm = make_plugin_manager()
    full = tokenizer(LONG)["input_ids"]
    assert 16 < len(full) <= 64
    cut = full[:15] + [102]  # truncation keeps [CLS] + 14 pieces and appends [SEP]
    expected = _direct(model_dir, [cut])
    for uri in (str(model_dir), str(exported.path)):
        short = pm.open_target(uri, max_length=16)
        np.testing.assert_allclose(short.predict_logits([LONG]), expected, atol=1e-5)
        whole = pm.open_target(uri, max_length=64)
        np.testing.assert_allclose(
            whole.predict_logits([LONG]), _direct(model_dir, [full]), atol=1e-5
        )


def test_torch_max_length_capped_by_position_embeddings(model_dir):
    target = make_plugin_manager().open_target(str(model_dir), max_length=512)
    assert target.max_length == 64
    assert target.predict_logits([LONG * 3]).shape == (1, 3)


def test_fingerprint_is_stable_and_tracks_weights(model_dir, torch_target, tmp_path, tokenizer):
    again = make_plugin_manager().open_target(str(model_dir))
    assert again.fingerprint == torch_target.fingerprint
    other = tmp_path / "other"
    _tiny_bert(1).save_pretrained(other)
    tokenizer.save_pretrained(other)
    assert make_plugin_manager().open_target(str(other)).fingerprint != torch_target.fingerprint


def test_onnx_graph_without_token_type_ids(model_dir, tmp_path, torch_target):
    path = _export_custom(
        model_dir, tmp_path / "m.onnx", ("input_ids", "attention_mask"), torch.int64, True
    )
    target = make_plugin_manager().open_target(str(path), max_length=32)
    assert set(target.inputs) == {"input_ids", "attention_mask"}
    diff = np.abs(target.predict_logits(TEXTS) - torch_target.predict_logits(TEXTS))
    assert diff.max() < 1e-4


def test_onnx_int32_graph_without_mask(model_dir, tmp_path, tokenizer):
    path = _export_custom(model_dir, tmp_path / "m.onnx", ("input_ids",), torch.int32, True)
    target = make_plugin_manager().open_target(str(path), max_length=32)
    assert target.inputs["input_ids"].type == "tensor(int32)"
    ids = tokenizer(TEXTS, truncation=True, max_length=32)["input_ids"]
    # Without a mask the graph sees padding, so compare one text at a time (no padding).
    one_by_one = np.concatenate([target.predict_logits([t]) for t in TEXTS])
    np.testing.assert_allclose(one_by_one, _direct(model_dir, ids), atol=1e-4)


def test_onnx_static_shapes_fed_in_fixed_shape(model_dir, tmp_path, tokenizer):
    names = ("input_ids", "attention_mask", "token_type_ids")
    path = _export_custom(model_dir, tmp_path / "m.onnx", names, torch.int64, False, (2, 12))
    target = make_plugin_manager().open_target(str(path), max_length=64)
    assert (target.fixed_batch, target.fixed_length, target.max_length) == (2, 12, 12)
    ids = tokenizer(TEXTS, truncation=True, max_length=12)["input_ids"]
    np.testing.assert_allclose(target.predict_logits(TEXTS), _direct(model_dir, ids), atol=1e-4)


def test_onnx_static_shapes_refused_when_asked(model_dir, tmp_path):
    names = ("input_ids", "attention_mask", "token_type_ids")
    path = _export_custom(model_dir, tmp_path / "m.onnx", names, torch.int64, False, (2, 12))
    with pytest.raises(TargetError) as err:
        make_plugin_manager().open_target(str(path), static_shapes="refuse")
    assert str(err.value) == (
        f"{path}: graph input 'input_ids' has fixed dimensions (batch=2, sequence=12); "
        "re-export with dynamic axes (mia export onnx) or open it with static_shapes='pad'"
    )


def test_torch_refuses_pickled_weights(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "pytorch_model.bin").write_bytes(b"")
    with pytest.raises(TargetError) as err:
        make_plugin_manager().open_target(str(tmp_path), backend="torch")
    assert str(err.value) == (
        f"{tmp_path}: no *.safetensors weights (pickled .bin weights are refused); "
        "fix: re-save the model with safe_serialization=True"
    )


def test_cli_export_onnx(runner, model_dir, tmp_path):
    out = tmp_path / "exp" / "model.onnx"
    result = runner.invoke(cli, ["export", "onnx", str(model_dir), str(out), "--opset", "17"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        f"wrote {out} (inputs: input_ids, attention_mask, token_type_ids); max |Δlogit| = "
    )
    assert result.stdout.endswith("on 6 texts (tolerance 0.0001)\n")
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        assert (out.parent / name).is_file()
    assert sorted(p.name for p in out.parent.glob("*.onnx")) == ["model.onnx"]


def test_cli_export_onnx_fails_above_tolerance(runner, model_dir, tmp_path, monkeypatch):
    import mia_platform.export as export_module

    monkeypatch.setattr(export_module, "max_logit_difference", lambda *a, **k: (0.5, 6))
    out = tmp_path / "model.onnx"
    result = runner.invoke(cli, ["export", "onnx", str(model_dir), str(out)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: ONNX parity check failed for {model_dir}: max |Δlogit| = 0.5 on 6 texts "
        "exceeds tolerance 0.0001; nothing written\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_cli_export_onnx_missing_model(runner, tmp_path):
    result = runner.invoke(cli, ["export", "onnx", str(tmp_path / "nope"), "x.onnx"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {tmp_path / 'nope'}: not a Hugging Face model directory (no config.json); "
        "fix: pass the folder written by save_pretrained\n"
    )


def test_export_refuses_to_overwrite_a_different_config(model_dir, tmp_path):
    from mia_platform.errors import TargetError

    (tmp_path / "config.json").write_text('{"mine": true}', encoding="utf-8")
    with pytest.raises(TargetError) as info:
        export_onnx(model_dir, tmp_path / "model.onnx")
    assert str(info.value) == (
        f"{tmp_path / 'config.json'} exists and differs from the model's config.json; export into "
        "an empty folder (the tokenizer and config are copied beside the .onnx file)"
    )
    assert (tmp_path / "config.json").read_text(encoding="utf-8") == '{"mine": true}'
    assert not (tmp_path / "model.onnx").exists()
