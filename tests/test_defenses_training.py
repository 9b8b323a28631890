"""Training defenses: DP-SGD with the real recipes (tiny runs) and label smoothing."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mia_platform.manager import make_plugin_manager

TEXTS = [f"text {i} about {'cats and mice' if i % 2 else 'dogs'} here" for i in range(64)]
LABELS = np.array([i % 2 for i in range(64)])
TINY = {
    "transformer": {"hidden_size": 16, "num_layers": 1, "num_heads": 2, "intermediate_size": 32},
    "rnn": {"embedding_size": 16, "hidden_size": 16},
}


@pytest.fixture(scope="module")
def pm():
    return make_plugin_manager()


@pytest.fixture(scope="module", params=["transformer", "rnn"])
def dp_run(request, pm, tmp_path_factory):
    """One epoch of DP-SGD on 64 texts with the real recipe; (architecture, defense, model dir)."""
    arch = request.param
    defense = pm.defenses()["dp_sgd"].factory(epsilon=8.0, max_grad_norm=1.0)
    recipe = pm.recipes()[arch].factory(
        epochs=1, max_length=12, batch_size=16, num_threads=1, **TINY[arch]
    )
    out = tmp_path_factory.mktemp(f"dp_{arch}") / "model"
    path = recipe.train(TEXTS, LABELS, ["a", "b"], out, seed=0, training_defenses=[defense])
    return arch, defense, recipe, path


def test_dp_sgd_reports_finite_epsilon(dp_run):
    _arch, defense, recipe, _path = dp_run
    spent = defense.spent()
    assert set(spent) == {
        "epsilon",
        "delta",
        "noise_multiplier",
        "max_grad_norm",
        "sample_rate",
        "steps",
    }
    assert spent["delta"] == 1e-5  # min(1e-5, 1/64)
    assert spent["sample_rate"] == 0.25  # 1 / (64 texts / batch 16)
    assert spent["max_grad_norm"] == 1.0
    assert spent["noise_multiplier"] > 0
    # the noise is calibrated for 4 steps to reach epsilon 8; steps actually taken can only be
    # fewer (empty Poisson batches are skipped), so the spent epsilon is finite and at most 8
    assert spent["steps"] in (1.0, 2.0, 3.0, 4.0)
    assert 0 < spent["epsilon"] <= 8.0 + 1e-6 and math.isfinite(spent["epsilon"])
    assert recipe.last_info["defenses"] == {"DPSGD": spent}


def test_dp_trained_model_saves_as_the_plain_architecture(dp_run, pm):
    from safetensors.numpy import load_file

    arch, _defense, _recipe, path = dp_run
    saved = set(load_file(str(path / "model.safetensors")))
    if arch == "rnn":
        assert {k for k in saved if k.startswith("gru.")} == {
            "gru.weight_ih_l0",
            "gru.weight_hh_l0",
            "gru.bias_ih_l0",
            "gru.bias_hh_l0",
        }
    assert not any(k.startswith(("_module", "l0.")) or ".l0." in k for k in saved)
    target = pm.open_target(str(path))
    logits = target.predict_logits(TEXTS[:4])
    assert logits.shape == (4, 2) and np.isfinite(logits).all()


def test_dp_sgd_with_fixed_noise_and_empty_batches(pm):
    """Batch size 1 on 8 rows: Poisson sampling draws empty batches, which come as zero-row
    tensors; the accountant counts only the steps taken."""
    defense = pm.defenses()["dp_sgd"].factory(noise_multiplier=1.0, delta=1e-3)
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    data = torch.utils.data.TensorDataset(torch.randn(8, 3), torch.tensor([0, 1] * 4))
    loader = torch.utils.data.DataLoader(data, batch_size=1)
    private, optimizer, loader = defense.wrap(model, optimizer, loader, epochs=1, seed=0)
    sizes = []
    for x, y in loader:
        sizes.append(len(y))
        if len(y) == 0:
            continue
        loss = torch.nn.functional.cross_entropy(private(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert len(sizes) == 8 and 0 in sizes
    spent = defense.spent()
    assert spent["steps"] == sum(1 for s in sizes if s) and spent["noise_multiplier"] == 1.0
    assert spent["delta"] == 1e-3 and 0 < spent["epsilon"] < math.inf


def test_dp_sgd_spent_is_empty_before_training(pm):
    assert pm.defenses()["dp_sgd"].factory().spent() == {}


def test_label_smoothing_matches_torch_cross_entropy(pm):
    defense = pm.defenses()["label_smoothing"].factory(epsilon=0.2)
    assert defense.label_smoothing == 0.2
    model, optimizer, loader = object(), object(), object()
    assert defense.wrap(model, optimizer, loader, epochs=3, seed=1) == (model, optimizer, loader)
    assert defense.spent() == {}
    z = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    y = np.array([0, 1])
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    plain = -logp[np.arange(2), y]
    by_hand = ((1 - 0.2) * plain + 0.2 * -logp.mean(1)).mean()
    torch_loss = torch.nn.functional.cross_entropy(
        torch.tensor(z), torch.tensor(y), label_smoothing=defense.label_smoothing
    )
    assert float(torch_loss) == pytest.approx(by_hand, rel=1e-12)
    assert by_hand != pytest.approx(plain.mean())


def test_dp_freezes_only_the_word_embeddings():
    import torch
    from mia_builtin_defenses.training import freeze_word_embeddings
    from transformers import BertConfig, BertForSequenceClassification

    config = BertConfig(
        vocab_size=2000,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        num_labels=3,
    )
    model = BertForSequenceClassification(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    before = sum(len(g["params"]) for g in optimizer.param_groups)
    assert freeze_word_embeddings(model, optimizer) == 2000 * 16
    words = model.bert.embeddings.word_embeddings.weight
    assert not words.requires_grad
    assert model.bert.embeddings.position_embeddings.weight.requires_grad
    params = [p for g in optimizer.param_groups for p in g["params"]]
    assert len(params) == before - 1 and all(p is not words for p in params)
