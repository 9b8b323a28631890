"""User-level aggregators (SPEC section 5) through the real entry point, on synthetic contexts."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from _synthetic_context import PM, make_context

from mia_platform import metrics
from mia_platform.errors import ConfigError, UnknownComponentError
from mia_platform.grouping import UserGroups
from mia_platform.interfaces import AttackContext, Outputs, ShadowOutputs

AGGREGATORS = PM.aggregators()
ATTACKS = PM.attacks()


@pytest.fixture(scope="module")
def ctx_y() -> tuple[AttackContext, np.ndarray]:
    """A context where ``ctx.info["attacks"]`` holds the specs, and the users' labels."""
    ctx, y = make_context(
        seed=5, bonus=1.5, n_cand_users=80, texts_per_user=8, info={"attacks": ATTACKS}
    )
    groups = UserGroups.of(ctx.candidates.users)
    return ctx, groups.any(y).astype(np.int64)


def check_aggregator(aggregator, ctx: AttackContext):
    assert aggregator.fit(ctx) is aggregator
    scored = aggregator.score_users(ctx)
    np.testing.assert_array_equal(scored.users, np.unique(ctx.candidates.users))
    assert scored.scores.dtype == np.float64 and np.isfinite(scored.scores).all()
    assert math.isfinite(aggregator.threshold)
    return scored


def test_registered_aggregators() -> None:
    assert sorted(AGGREGATORS) == ["learned", "lira_user", "mean_threshold", "sample_to_user"]
    assert AGGREGATORS["mean_threshold"].per_feature
    assert AGGREGATORS["sample_to_user"].per_attack


CASES = [
    ("mean_threshold", {}),
    ("learned", {}),
    ("sample_to_user", {"attack": "threshold"}),
    ("sample_to_user", {"attack": "lira_offline", "reduce": "max"}),
    ("sample_to_user", {"attack": "rmia", "reduce": "frac_above"}),
    ("lira_user", {}),
]


@pytest.mark.parametrize(("name", "params"), CASES)
def test_user_level_beats_chance_by_far(name: str, params: dict, ctx_y) -> None:
    ctx, y = ctx_y
    scored = check_aggregator(AGGREGATORS[name].factory(**params), ctx)
    assert metrics.auc(y, scored.scores) > 0.9


def test_users_aggregate_above_sample_level(ctx_y) -> None:
    """SPEC section 8: pooling a user's texts leaks more than one text does."""
    ctx, y_users = ctx_y
    text_y = np.isin(ctx.candidates.users, UserGroups.of(ctx.candidates.users).users[y_users == 1])
    sample = ATTACKS["threshold"].factory().fit(ctx).score(ctx)
    user = AGGREGATORS["mean_threshold"].factory().fit(ctx).score_users(ctx).scores
    assert metrics.auc(y_users, user) > metrics.auc(text_y.astype(int), sample) + 0.1


@pytest.mark.parametrize(("name", "params"), CASES)
def test_user_thresholds_ignore_candidates(name: str, params: dict, ctx_y) -> None:
    ctx, _ = ctx_y
    rng = np.random.default_rng(11)

    def noise(o: Outputs) -> Outputs:
        return Outputs(rng.normal(0, 5, o.logits.shape), o.labels, o.users)

    other = dataclasses.replace(
        ctx,
        candidates=noise(ctx.candidates),
        shadows=[ShadowOutputs(s.aux, s.in_mask, noise(s.candidates)) for s in ctx.shadows],
    )
    first = AGGREGATORS[name].factory(**params).fit(ctx).threshold
    assert AGGREGATORS[name].factory(**params).fit(other).threshold == first


def test_mean_threshold_score_is_the_mean_oriented_feature(ctx_y) -> None:
    ctx, _ = ctx_y
    scored = AGGREGATORS["mean_threshold"].factory(feature="loss").fit(ctx).score_users(ctx)
    loss = PM.features()["loss"].compute(ctx.candidates.logits, ctx.candidates.labels)
    for user, score in zip(scored.users, scored.scores, strict=True):
        assert score == pytest.approx(-loss[ctx.candidates.users == user].mean())


def test_one_text_per_user_gives_no_nan() -> None:
    ctx, y = make_context(texts_per_user=1, n_aux_users=80, n_cand_users=40, seed=6)
    for name in ("mean_threshold", "learned", "lira_user"):
        check_aggregator(AGGREGATORS[name].factory(), ctx)


def test_users_without_texts_get_no_score(ctx_y) -> None:
    ctx, _ = ctx_y
    keep = ctx.candidates.users != ctx.candidates.users[0]
    c = ctx.candidates
    smaller = dataclasses.replace(
        ctx,
        candidates=Outputs(c.logits[keep], c.labels[keep], c.users[keep]),
        shadows=[
            ShadowOutputs(
                s.aux,
                s.in_mask,
                Outputs(s.candidates.logits[keep], s.candidates.labels[keep], c.users[keep]),
            )
            for s in ctx.shadows
        ],
    )
    for name, params in CASES:
        scored = AGGREGATORS[name].factory(**params).fit(smaller).score_users(smaller)
        assert c.users[0] not in scored.users
        assert scored.users.size == np.unique(c.users).size - 1


def test_sample_to_user_accepts_configured_attack_callables(ctx_y) -> None:
    ctx, _ = ctx_y
    threshold = ATTACKS["threshold"].factory
    info = {"attacks": {"threshold[loss]": lambda: threshold(feature="loss")}}
    as_callable = dataclasses.replace(ctx, info=info)
    a = AGGREGATORS["sample_to_user"].factory(attack="threshold[loss]").fit(as_callable)
    b = AGGREGATORS["sample_to_user"].factory(attack="threshold").fit(ctx)
    np.testing.assert_allclose(a.score_users(as_callable).scores, b.score_users(ctx).scores)


def test_sample_to_user_frac_above_counts_texts_over_the_attack_threshold(ctx_y) -> None:
    ctx, _ = ctx_y
    agg = AGGREGATORS["sample_to_user"].factory(attack="threshold", reduce="frac_above").fit(ctx)
    attack = ATTACKS["threshold"].factory().fit(ctx)
    above = attack.score(ctx) >= attack.threshold
    scored = agg.score_users(ctx)
    for user, score in zip(scored.users, scored.scores, strict=True):
        assert score == above[ctx.candidates.users == user].mean()


def test_sample_to_user_errors(ctx_y) -> None:
    ctx, _ = ctx_y
    with pytest.raises(UnknownComponentError, match=r"unknown sample attack 'nope'; available:"):
        AGGREGATORS["sample_to_user"].factory(attack="nope").fit(ctx)
    with pytest.raises(ConfigError) as err:
        AGGREGATORS["sample_to_user"].factory(reduce="median")
    assert str(err.value) == (
        "aggregator 'sample_to_user': reduce must be one of mean, frac_above, max, got 'median'"
    )


def test_lira_user_is_a_sum_of_gaussian_log_likelihood_ratios(ctx_y) -> None:
    ctx, _ = ctx_y
    agg = AGGREGATORS["lira_user"].factory().fit(ctx)
    assert agg.delta > 0.5  # IN texts sit about bonus / sigma above the OUT mean
    z = ATTACKS["lira_offline"].factory().fit(ctx).score(ctx)
    scored = agg.score_users(ctx)
    for user, score in zip(scored.users, scored.scores, strict=True):
        zu = z[ctx.candidates.users == user]
        assert score == pytest.approx(agg.delta * zu.sum() - zu.size * agg.delta**2 / 2)
