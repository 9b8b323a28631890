"""The output cache and the training cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mia_platform.cache import cached_predict, cached_train, fingerprint_texts
from mia_platform.errors import TargetError


class CountingTarget:
    num_classes = 2
    label_names = ["neg", "pos"]
    output_kind = "logits"
    fingerprint = "model-a"

    def __init__(self, width: int = 2):
        self.calls = 0
        self.width = width

    def predict_logits(self, texts):
        self.calls += 1
        return np.array([[len(t), -len(t)] for t in texts], dtype=np.float64)[:, : self.width]


class CountingRecipe:
    fingerprint = "recipe-a"

    def __init__(self):
        self.seeds = []

    def train(self, texts, labels, label_names, out_dir, *, seed, training_defenses=()):
        self.seeds.append(seed)
        Path(out_dir).mkdir(parents=True)
        (Path(out_dir) / "config.json").write_text("{}")
        return Path(out_dir)


def test_fingerprint_texts_is_order_and_boundary_sensitive():
    assert fingerprint_texts(["a", "b"]) == fingerprint_texts(["a", "b"])
    assert fingerprint_texts(["ab"]) != fingerprint_texts(["a", "b"])
    assert fingerprint_texts(["b", "a"]) != fingerprint_texts(["a", "b"])
    assert fingerprint_texts([]) != fingerprint_texts([""])


def test_cached_predict_queries_once(tmp_path):
    target = CountingTarget()
    first = cached_predict(tmp_path, target, ["abc", "de"], key_extra={"max_length": 64})
    again = cached_predict(tmp_path, target, ["abc", "de"], key_extra={"max_length": 64})
    assert target.calls == 1
    np.testing.assert_array_equal(first, [[3, -3], [2, -2]])
    np.testing.assert_array_equal(again, first)
    assert again.dtype == np.float32
    files = list((tmp_path / "outputs").iterdir())
    assert len(files) == 1 and files[0].suffix == ".npy"
    cached_predict(tmp_path, target, ["abc", "de"], key_extra={"max_length": 128})
    cached_predict(tmp_path, target, ["abc"], key_extra={"max_length": 64})
    assert target.calls == 3


def test_cached_predict_rejects_wrong_shape(tmp_path):
    with pytest.raises(TargetError) as err:
        cached_predict(tmp_path, CountingTarget(width=1), ["abc"])
    assert str(err.value) == "target returned outputs of shape (1, 1) for 1 texts; expected (1, 2)"
    assert not (tmp_path / "outputs").exists() or not list((tmp_path / "outputs").iterdir())


def test_cached_train_reuses_finished_models(tmp_path):
    recipe = CountingRecipe()
    labels = np.array([0, 1])
    a = cached_train(tmp_path, recipe, ["x", "y"], labels, ["n", "p"], seed=0)
    b = cached_train(tmp_path, recipe, ["x", "y"], labels, ["n", "p"], seed=0)
    c = cached_train(tmp_path, recipe, ["x", "y"], labels, ["n", "p"], seed=1)
    d = cached_train(tmp_path, recipe, ["x", "y"], np.array([1, 0]), ["n", "p"], seed=0)
    assert recipe.seeds == [0, 1, 0]
    assert a == b and len({a, c, d}) == 3
    assert a.parent == tmp_path / "models"
