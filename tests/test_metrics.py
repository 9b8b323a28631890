"""Metrics (SPEC section 6): hand-computed values, cross-checked against scikit-learn."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score, roc_curve

from mia_platform import metrics
from mia_platform.errors import EvaluationError

# scikit-learn's documented example: a known 4-point ROC.
Y = np.array([0, 0, 1, 1])
S = np.array([0.1, 0.4, 0.35, 0.8])


def test_auc_constant_scores_and_ties_count_half() -> None:
    assert metrics.auc([0, 1, 0, 1], [5.0, 5.0, 5.0, 5.0]) == 0.5
    # pairs (member, non-member): (3,2)=1 (3,1)=1 (1,2)=0 (1,1)=1/2 -> 2.5 / 4
    assert metrics.auc([1, 1, 0, 0], [3.0, 1.0, 2.0, 1.0]) == 0.625
    assert metrics.auc(Y, S) == 0.75


def test_auc_matches_sklearn_on_tied_scores() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 3000)
    s = np.round(rng.normal(size=3000) + y, 1)
    assert metrics.auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)


def test_roc_known_four_points_and_sklearn() -> None:
    fpr, tpr, thresholds = metrics.roc(Y, S)
    assert fpr.tolist() == [0.0, 0.0, 0.5, 0.5, 1.0]
    assert tpr.tolist() == [0.0, 0.5, 0.5, 1.0, 1.0]
    assert thresholds.tolist() == [math.inf, 0.8, 0.4, 0.35, 0.1]
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 500)
    s = np.round(rng.normal(size=500), 1)
    f1, t1, th1 = metrics.roc(y, s)
    f2, t2, th2 = roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(f1, f2)
    np.testing.assert_allclose(t1, t2)
    np.testing.assert_allclose(th1[1:], th2[1:])


def test_tpr_at_fpr_reports_achieved_fpr_and_negatives() -> None:
    assert metrics.tpr_at_fpr(Y, S, 0.1) == {
        "target_fpr": 0.1,
        "tpr": 0.5,
        "fpr": 0.0,
        "threshold": 0.8,
        "n_negatives": 2,
        "reliable": False,
    }
    at_half = metrics.tpr_at_fpr(Y, S, 0.5)
    assert (at_half["tpr"], at_half["fpr"], at_half["threshold"]) == (1.0, 0.5, 0.35)
    assert at_half["reliable"] is True
    # All members below every non-member: only the empty point qualifies.
    none = metrics.tpr_at_fpr([1, 0], [0.0, 1.0], 0.1)
    assert (none["tpr"], none["fpr"], none["threshold"]) == (0.0, 0.0, None)


def test_balanced_accuracy_and_advantage() -> None:
    assert metrics.balanced_accuracy(Y, S, 0.4) == 0.5
    assert metrics.balanced_accuracy(Y, S, 0.35) == 0.75
    assert metrics.balanced_accuracy(Y, S, 0.0) == 0.5
    assert metrics.advantage(Y, S) == 0.5


def test_one_class_is_an_error_with_exact_message() -> None:
    for fn in (metrics.auc, metrics.roc, metrics.advantage):
        with pytest.raises(EvaluationError) as err:
            fn([1, 1, 1], [0.1, 0.2, 0.3])
        assert str(err.value) == (
            "metrics need both members and non-members in the evaluation set, "
            "got 3 members and 0 non-members"
        )
    with pytest.raises(EvaluationError, match="2 scores are NaN or infinite"):
        metrics.auc([0, 1, 1], [0.0, np.nan, np.inf])


def test_bootstrap_ci_is_seeded_and_covers_the_estimate() -> None:
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 400)
    s = rng.normal(size=400) + y
    lo, hi = metrics.bootstrap_ci(y, s, metrics.auc, n=100, seed=5)
    assert (lo, hi) == metrics.bootstrap_ci(y, s, metrics.auc, n=100, seed=5)
    assert lo < metrics.auc(y, s) < hi
    assert 0.02 < hi - lo < 0.2


def test_evaluate_fast_bootstrap_agrees_with_generic_bootstrap() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 2000)
    s = np.round(rng.normal(size=2000) + 0.8 * y, 2)
    out = metrics.evaluate(y, s, 0.4, seed=0, n_bootstrap=400)
    lo, hi = metrics.bootstrap_ci(y, s, metrics.auc, n=400, seed=1)
    assert out["auc_ci"][0] == pytest.approx(lo, abs=0.008)
    assert out["auc_ci"][1] == pytest.approx(hi, abs=0.008)

    def tpr1(yy, ss):
        return metrics.tpr_at_fpr(yy, ss, 0.1)["tpr"]

    lo, hi = metrics.bootstrap_ci(y, s, tpr1, n=400, seed=1)
    assert out["tpr_at_fpr"]["10%"]["tpr_ci"][0] == pytest.approx(lo, abs=0.03)
    assert out["tpr_at_fpr"]["10%"]["tpr_ci"][1] == pytest.approx(hi, abs=0.03)


def test_evaluate_reports_everything_results_json_needs() -> None:
    rng = np.random.default_rng(4)
    y = np.repeat([1, 0], [300, 700])
    s = rng.normal(size=1000) + y
    out = metrics.evaluate(y, s, 0.5, seed=0, n_bootstrap=50)
    assert out["n_members"] == 300 and out["n_nonmembers"] == 700
    assert out["auc"] == pytest.approx(roc_auc_score(y, s))
    assert set(out["tpr_at_fpr"]) == {"0.1%", "1%", "10%"}
    assert out["tpr_at_fpr"]["1%"]["n_negatives"] == 700
    assert out["tpr_at_fpr"]["0.1%"]["reliable"] is False
    assert out["balanced_accuracy"] == metrics.balanced_accuracy(y, s, 0.5)
    assert out["advantage_eval_tuned"] == metrics.advantage(y, s)
    pred = s >= 0.5
    assert out["tpr_at_threshold"] == pred[:300].mean()
    assert out["fpr_at_threshold"] == pred[300:].mean()
    roc = out["roc"]
    assert roc["fpr"][0] == 0.0 and roc["fpr"][-1] == 1.0 and roc["tpr"][-1] == 1.0
    assert len(roc["fpr"]) <= 260 and np.all(np.diff(roc["fpr"]) >= 0)
    assert metrics.evaluate(y, s, 0.5, seed=0, n_bootstrap=0)["auc_ci"] is None


def test_empirical_epsilon_clopper_pearson_by_hand() -> None:
    y = np.repeat([1, 0], 100)
    s = np.repeat([1.0, 0.0], 100)
    out = metrics.empirical_epsilon(y, s, [0.5])
    # TP = 100 of 100: TPR_lo = 0.05^(1/100); FP = 0 of 100: FPR_hi = 1 - 0.05^(1/100).
    tpr_lo = 0.05 ** (1 / 100)
    fpr_hi = 1 - 0.05 ** (1 / 100)
    assert out["tpr_lo"] == pytest.approx(tpr_lo)
    assert out["fpr_hi"] == pytest.approx(fpr_hi)
    assert out["epsilon"] == pytest.approx(math.log(tpr_lo / fpr_hi))
    assert out["threshold"] == 0.5
    # With delta, the first form is ln((TPR_lo - delta) / FPR_hi).
    d = metrics.empirical_epsilon(y, s, [0.5], delta=0.01)
    assert d["epsilon"] == pytest.approx(math.log((tpr_lo - 0.01) / fpr_hi))


def test_empirical_epsilon_is_zero_without_signal() -> None:
    y = np.repeat([1, 0], 50)
    s = np.tile([0.0, 1.0], 50)
    out = metrics.empirical_epsilon(y, s, [0.5, 2.0, -1.0])
    assert out["epsilon"] == 0.0 and out["threshold"] is None
