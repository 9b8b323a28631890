"""The built-in recipes: determinism per seed, saved directory layout, training defenses."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mia_platform.errors import ConfigError
from mia_platform.manager import make_plugin_manager

WORDS = ["king", "queen", "sword", "love", "night", "crown", "ghost", "fool", "storm", "wine"]
TINY = {
    "transformer": {
        "hidden_size": 16,
        "num_layers": 1,
        "num_heads": 2,
        "intermediate_size": 32,
        "epochs": 1,
        "max_length": 16,
        "batch_size": 16,
    },
    "rnn": {
        "embedding_size": 16,
        "hidden_size": 16,
        "epochs": 1,
        "max_length": 16,
        "batch_size": 16,
    },
}


def _corpus(n: int = 100) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(7)
    labels = rng.integers(0, 3, n)
    texts = [" ".join(rng.choice(WORDS[3 * y : 3 * y + 4], size=5)) for y in labels]
    return texts, labels


@pytest.fixture(scope="module")
def pm():
    return make_plugin_manager()


@pytest.fixture(scope="module")
def trained(pm, tmp_path_factory):
    """Each tiny recipe trained with seeds 0, 0 and 1; maps name -> list of logits."""
    texts, labels = _corpus()
    out = {}
    for name, hp in TINY.items():
        recipe = pm.recipes()[name].factory(**hp)
        logits, dirs = [], []
        for i, seed in enumerate((0, 0, 1)):
            path = recipe.train(
                texts, labels, ["a", "b", "c"], tmp_path_factory.mktemp(name) / f"m{i}", seed=seed
            )
            dirs.append(path)
            logits.append(pm.open_target(str(path), max_length=16).predict_logits(texts))
        out[name] = (logits, dirs, recipe)
    return out


@pytest.mark.parametrize("name", sorted(TINY))
def test_same_seed_same_logits_other_seed_different(trained, name):
    (a, b, c), _dirs, _recipe = trained[name]
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 1e-3


@pytest.mark.parametrize("name", sorted(TINY))
def test_saved_directory_is_a_safe_hf_model(trained, name):
    _logits, dirs, recipe = trained[name]
    path = dirs[0]
    names = {p.name for p in path.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "mia_training.json"} <= names
    assert not any(n.endswith((".bin", ".pt", ".pkl")) for n in names)
    config = json.loads((path / "config.json").read_text())
    assert config["id2label"] == {"0": "a", "1": "b", "2": "c"}
    info = json.loads((path / "mia_training.json").read_text())
    assert info["seed"] == 0 and info["num_texts"] == 100
    assert 0.0 <= info["train_accuracy"] <= 1.0
    assert recipe.last_info["seed"] == 1  # the last of the three runs
    assert not list(path.parent.glob(".*tmp*"))


def test_fingerprint_depends_on_hparams_only(pm):
    make = pm.recipes()["transformer"].factory
    assert make(epochs=2).fingerprint == make(epochs=2).fingerprint
    assert make(epochs=2).fingerprint != make(epochs=3).fingerprint
    assert make().fingerprint != pm.recipes()["rnn"].factory().fingerprint


def test_unknown_hparam_is_a_config_error(pm):
    with pytest.raises(ConfigError) as err:
        pm.recipes()["rnn"].factory(num_heads=4)
    assert str(err.value) == (
        "recipe 'rnn': unknown hyper-parameter 'num_heads'; allowed: batch_size, dropout, "
        "embedding_size, epochs, hidden_size, lr, max_length, num_layers, num_threads, "
        "weight_decay"
    )


class _EmptyFirst:
    """A loader that yields an empty batch before each real pass (like Poisson sampling)."""

    def __init__(self, loader):
        self.loader = loader

    def __iter__(self):
        first = next(iter(self.loader))
        yield tuple(t[:0] for t in first)
        yield from self.loader


class _RecordingDefense:
    label_smoothing = 0.2

    def __init__(self):
        self.calls = []

    def wrap(self, model, optimizer, loader, *, epochs, seed):
        self.calls.append((epochs, seed))
        return model, optimizer, _EmptyFirst(loader)

    def spent(self):
        return {"calls": float(len(self.calls))}


def test_training_defense_wraps_and_empty_batches_are_skipped(pm, tmp_path):
    texts, labels = _corpus()
    recipe = pm.recipes()["rnn"].factory(**TINY["rnn"])
    defense = _RecordingDefense()
    path = recipe.train(
        texts, labels, ["a", "b", "c"], tmp_path / "m", seed=3, training_defenses=[defense]
    )
    assert defense.calls == [(1, 3)]
    info = json.loads((path / "mia_training.json").read_text())
    assert info["defenses"] == {"_RecordingDefense": {"calls": 1.0}}


def test_bert_recipe_cuts_minilm_layers(pm, tmp_path):
    texts, labels = _corpus(40)
    recipe = pm.recipes()["bert"].factory(num_layers=1, epochs=1, max_length=16)
    path = recipe.train(texts, labels, ["a", "b", "c"], tmp_path / "m", seed=0)
    config = json.loads((path / "config.json").read_text())
    assert (config["num_hidden_layers"], config["hidden_size"]) == (1, 384)
    assert pm.open_target(str(path)).predict_logits(texts[:3]).shape == (3, 3)
