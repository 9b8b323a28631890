"""The built-in features (SPEC section 3), through the real entry point, against hand values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _synthetic_context import PM

from mia_platform.errors import DataError, TargetError

FEATURES = PM.features()


def compute(name: str, logits, labels) -> np.ndarray:
    out = FEATURES[name].compute(np.asarray(logits, dtype=np.float64), np.asarray(labels))
    assert out.dtype == np.float64
    return out


def test_all_spec_features_registered_with_spec_orientation() -> None:
    orientation = {name: spec.higher_is_member for name, spec in FEATURES.items()}
    assert orientation == {
        "loss": False,
        "confidence": True,
        "rank": False,
        "entropy": False,
        "mentr": False,
        "margin": True,
        "scaled_logit": True,
        "correct": True,
    }
    assert FEATURES["loss"].plugin == "features"


def test_loss_is_exact_for_large_logits() -> None:
    assert compute("loss", [[-431.0, 279.0, 427.0]], [0])[0] == 858.0
    assert compute("confidence", [[-431.0, 279.0, 427.0]], [0])[0] == 0.0
    assert compute("scaled_logit", [[-431.0, 279.0, 427.0]], [0])[0] == -858.0


def test_every_feature_on_a_small_row_matches_hand_values() -> None:
    z = np.array([1.0, 2.0, 3.0])
    p = np.exp(z) / np.exp(z).sum()
    y = 1
    lse = math.log(math.exp(1) + math.exp(2) + math.exp(3))
    expected = {
        "loss": lse - 2.0,
        "confidence": p[1],
        "rank": 2.0,
        "entropy": -float(np.sum(p * np.log(p))),
        "mentr": -(1 - p[1]) * math.log(p[1])
        - p[0] * math.log(1 - p[0])
        - p[2] * math.log(1 - p[2]),
        "margin": -1.0,
        "scaled_logit": 2.0 - math.log(math.exp(1) + math.exp(3)),
        "correct": 0.0,
    }
    for name, value in expected.items():
        assert compute(name, [z], [y])[0] == pytest.approx(value, rel=1e-12), name


def test_rank_does_not_count_ties() -> None:
    assert compute("rank", [[1.0, 1.0, 0.0]] * 3, [0, 1, 2]).tolist() == [1.0, 1.0, 3.0]


def test_two_classes_and_logits_of_1e4_stay_finite() -> None:
    z = [[1e4, -1e4], [-1e4, 1e4], [0.0, 0.0], [1e4, 1e4 - 1e-3]]
    y = [0, 0, 1, 1]
    for name in FEATURES:
        assert np.isfinite(compute(name, z, y)).all(), name
    assert compute("loss", z, y)[:2].tolist() == [0.0, 2e4]
    assert compute("scaled_logit", z, y)[:2].tolist() == [2e4, -2e4]
    assert compute("margin", z, y)[:2].tolist() == [2e4, -2e4]
    assert compute("entropy", z, y)[2] == pytest.approx(math.log(2))
    # Row 1: p_y = e^-2e4 and the wrong class has p = 1 in float64. mentr = -(1 - p_y) log p_y
    # - p_1 log(1 - p_1) = 2e4 + 2e4: log(1 - p_1) = log p_y must come out finite, not -inf.
    assert compute("mentr", z, y)[1] == pytest.approx(4e4)


def test_features_match_naive_formulas_on_moderate_logits() -> None:
    rng = np.random.default_rng(3)
    z = rng.normal(0, 3, (200, 5))
    y = rng.integers(0, 5, 200)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    py = p[np.arange(200), y]
    other = p.copy()
    other[np.arange(200), y] = 0.0
    mentr = -(1 - py) * np.log(py) - np.sum(other * np.log(1 - other), axis=1)
    np.testing.assert_allclose(compute("mentr", z, y), mentr, rtol=1e-10)
    np.testing.assert_allclose(compute("loss", z, y), -np.log(py), rtol=1e-10)
    np.testing.assert_allclose(compute("scaled_logit", z, y), np.log(py / (1 - py)), rtol=1e-9)
    np.testing.assert_allclose(compute("entropy", z, y), -np.sum(p * np.log(p), axis=1), rtol=1e-10)
    assert (compute("correct", z, y) == (z.argmax(axis=1) == y)).all()


def test_non_finite_logits_and_bad_labels_are_clear_errors() -> None:
    with pytest.raises(TargetError, match=r"^model output row 1 has a NaN or infinite logit"):
        compute("loss", [[0.0, 1.0], [np.nan, 1.0]], [0, 1])
    with pytest.raises(DataError) as err:
        compute("loss", [[0.0, 1.0]], [2])
    assert str(err.value) == (
        "label ids must be integers in 0..1 for 2-class outputs, got values [2]"
    )
