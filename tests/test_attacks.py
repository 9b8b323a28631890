"""Sample-level attacks (SPEC section 4) through the real entry point, on synthetic contexts."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from _synthetic_context import PM, make_context
from sklearn.base import BaseEstimator, ClassifierMixin

from mia_platform import metrics
from mia_platform.errors import ConfigError, EvaluationError, UnknownComponentError
from mia_platform.interfaces import AttackContext, Outputs, ShadowOutputs

ATTACKS = PM.attacks()
ALL = ["threshold", "population", "learned", "reference", "lira_offline", "rmia"]


@pytest.fixture(scope="module")
def easy() -> tuple[AttackContext, np.ndarray]:
    return make_context(bonus=4.0, seed=1)


def check_attack(attack, ctx: AttackContext) -> np.ndarray:
    """Conformance: fit returns self, finite float64 scores per candidate, a finite threshold."""
    assert attack.fit(ctx) is attack
    scores = attack.score(ctx)
    assert scores.dtype == np.float64 and scores.shape == (len(ctx.candidates.labels),)
    assert np.isfinite(scores).all() and math.isfinite(attack.threshold)
    np.testing.assert_array_equal(attack.score_outputs(ctx.candidates, ctx), scores)
    return scores


def test_registered_attacks() -> None:
    assert sorted(ATTACKS) == sorted(ALL)
    assert ATTACKS["threshold"].per_feature and ATTACKS["population"].per_feature
    assert not ATTACKS["learned"].per_feature


@pytest.mark.parametrize("name", ALL)
def test_attacks_separate_members(name: str, easy) -> None:
    ctx, y = easy
    scores = check_attack(ATTACKS[name].factory(), ctx)
    # Loss differences saturate for confident texts, so calibrating the loss helps less here.
    assert metrics.auc(y, scores) > (0.8 if name == "reference" else 0.9)
    assert metrics.balanced_accuracy(y, scores, ATTACKS[name].factory().fit(ctx).threshold) > 0.7


@pytest.mark.parametrize("feature", sorted(PM.features()))
def test_threshold_attack_every_feature_is_oriented(feature: str, easy) -> None:
    ctx, y = easy
    scores = check_attack(ATTACKS["threshold"].factory(feature=feature), ctx)
    assert metrics.auc(y, scores) > 0.6


def _scramble_candidates(ctx: AttackContext, seed: int) -> AttackContext:
    """New candidate outputs (target and shadows) that share nothing with the originals."""
    rng = np.random.default_rng(seed)

    def noise(o: Outputs) -> Outputs:
        return Outputs(rng.normal(0, 5, o.logits.shape), o.labels, o.users)

    shadows = [ShadowOutputs(sh.aux, sh.in_mask, noise(sh.candidates)) for sh in ctx.shadows]
    return dataclasses.replace(ctx, candidates=noise(ctx.candidates), shadows=shadows)


@pytest.mark.parametrize("name", ALL)
def test_thresholds_depend_only_on_attacker_data(name: str, easy) -> None:
    ctx, _ = easy
    first = ATTACKS[name].factory().fit(ctx).threshold
    again = ATTACKS[name].factory().fit(_scramble_candidates(ctx, 7)).threshold
    assert first == again


def test_population_threshold_is_at_its_fpr_on_population(easy) -> None:
    ctx, _ = easy
    attack = ATTACKS["population"].factory(fpr=0.1).fit(ctx)
    population_scores = attack.score_outputs(ctx.population, ctx)
    assert np.mean(population_scores >= attack.threshold) == pytest.approx(0.1, abs=1e-9)


class ReversedClasses(ClassifierMixin, BaseEstimator):
    """A stub whose classes_ are [1, 0]: column 0 holds the member probability."""

    def fit(self, X, y):
        self.classes_ = np.array([1, 0])
        self.w_ = np.linalg.lstsq(np.c_[X, np.ones(len(X))], y - 0.5, rcond=None)[0]
        return self

    def predict_proba(self, X):
        member = 1 / (1 + np.exp(-np.c_[X, np.ones(len(X))] @ self.w_ * 10))
        return np.column_stack([member, 1 - member])


def test_learned_attack_reads_member_column_from_classes(easy) -> None:
    ctx, y = easy
    attack = ATTACKS["learned"].factory(classifier=ReversedClasses()).fit(ctx)
    scores = attack.score(ctx)
    assert metrics.auc(y, scores) > 0.9  # reading column 1 would give an AUC below 0.1
    X = attack._vector(ctx.candidates, ctx)
    np.testing.assert_allclose(scores, attack._clf.predict_proba(X)[:, 0])


def test_learned_attack_gradient_boosting_and_unknown_name(easy) -> None:
    from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier

    from mia_platform.learners import make_classifier

    assert isinstance(make_classifier("gradient_boosting", 0), HistGradientBoostingClassifier)
    ctx, y = easy
    small = GradientBoostingClassifier(n_estimators=20, random_state=0)
    scores = check_attack(ATTACKS["learned"].factory(classifier=small), ctx)
    assert metrics.auc(y, scores) > 0.85
    with pytest.raises(ConfigError) as err:
        ATTACKS["learned"].factory(classifier="svm")
    assert str(err.value) == (
        "unknown classifier 'svm'; use one of logistic, gradient_boosting "
        "or pass a scikit-learn estimator"
    )


def test_reference_score_is_mean_shadow_loss_minus_target_loss(easy) -> None:
    ctx, _ = easy
    loss = PM.features()["loss"].compute
    expected = np.mean(
        [loss(sh.candidates.logits, sh.candidates.labels) for sh in ctx.shadows], axis=0
    ) - loss(ctx.candidates.logits, ctx.candidates.labels)
    np.testing.assert_allclose(ATTACKS["reference"].factory().fit(ctx).score(ctx), expected)


def test_lira_uses_pooled_sigma_with_few_shadows(easy) -> None:
    ctx, _ = easy
    sl = PM.features()["scaled_logit"].compute
    ref = np.column_stack([sl(sh.candidates.logits, sh.candidates.labels) for sh in ctx.shadows])
    mu = ref.mean(axis=1)
    sigma = np.sqrt(((ref - mu[:, None]) ** 2).sum() / (ref.size - ref.shape[0]))
    expected = (sl(ctx.candidates.logits, ctx.candidates.labels) - mu) / sigma
    np.testing.assert_allclose(ATTACKS["lira_offline"].factory().fit(ctx).score(ctx), expected)


def test_rmia_score_is_a_fraction_of_population(easy) -> None:
    ctx, _ = easy
    scores = ATTACKS["rmia"].factory().fit(ctx).score(ctx)
    n_pop = len(ctx.population.labels)
    assert scores.min() >= 0 and scores.max() <= 1
    np.testing.assert_allclose(scores * n_pop, np.round(scores * n_pop))


def test_one_shadow_uses_documented_fallback_thresholds() -> None:
    ctx, _ = make_context(n_shadows=1, seed=2)
    assert ATTACKS["reference"].factory().fit(ctx).threshold == 0.0
    assert ATTACKS["lira_offline"].factory().fit(ctx).threshold == pytest.approx(1.6448536)
    assert ATTACKS["rmia"].factory().fit(ctx).threshold == 0.95
    for name in ("reference", "lira_offline", "rmia"):
        assert np.isfinite(ATTACKS[name].factory().fit(ctx).score(ctx)).all()


def test_no_shadows_is_a_config_error_but_population_works() -> None:
    ctx, _ = make_context(n_shadows=0, seed=3)
    check_attack(ATTACKS["population"].factory(), ctx)
    with pytest.raises(ConfigError) as err:
        ATTACKS["threshold"].factory().fit(ctx)
    assert str(err.value) == (
        "attack 'threshold[loss]' needs shadow models; configure shadows >= 1 "
        "or use the shadow-free attack 'population'"
    )


def test_bad_inputs_are_clear_errors(easy) -> None:
    ctx, _ = easy
    with pytest.raises(UnknownComponentError, match=r"^unknown feature 'lost'; registered"):
        ATTACKS["threshold"].factory(feature="lost").fit(ctx)
    attack = ATTACKS["reference"].factory().fit(ctx)
    other = Outputs(ctx.population.logits + 1.0, ctx.population.labels, ctx.population.users)
    with pytest.raises(EvaluationError) as err:
        attack.score_outputs(other, ctx)
    assert str(err.value) == (
        "offline reference attacks can score only the candidates or a shadow's aux outputs, "
        "since reference models' outputs exist only for those texts"
    )
    shuffled = dataclasses.replace(
        ctx,
        population=Outputs(
            ctx.population.logits, ctx.population.labels[::-1].copy(), ctx.population.users
        ),
    )
    with pytest.raises(EvaluationError, match="rmia needs ctx.population to be the target's"):
        ATTACKS["rmia"].factory().fit(shuffled).score(shuffled)
    with pytest.raises(ConfigError, match=r"^attack 'population': fpr must be in \(0, 1\)"):
        ATTACKS["population"].factory(fpr=1.5)


def test_extreme_logits_give_finite_scores() -> None:
    ctx, _ = make_context(seed=4)
    big = dataclasses.replace(
        ctx,
        candidates=Outputs(
            np.sign(ctx.candidates.logits) * 1e4, ctx.candidates.labels, ctx.candidates.users
        ),
    )
    for name in ("threshold", "learned", "reference", "lira_offline", "rmia"):
        attack = ATTACKS[name].factory().fit(big)
        assert np.isfinite(attack.score(big)).all(), name
