"""Hook implementation registering the built-in user-level aggregators."""

from __future__ import annotations

from mia_builtin_aggregators.feature_users import LearnedUserAggregator, MeanThresholdAggregator
from mia_builtin_aggregators.lifted import LiraUserAggregator, SampleToUserAggregator
from mia_platform import AggregatorSpec, hookimpl


@hookimpl
def mia_user_aggregators() -> list[AggregatorSpec]:
    return [
        AggregatorSpec(
            name="mean_threshold",
            factory=MeanThresholdAggregator,
            per_feature=True,
            summary="Mean feature over the user's texts, threshold tuned on shadow users",
            capabilities=("needs_shadows",),
        ),
        AggregatorSpec(
            name="learned",
            factory=LearnedUserAggregator,
            summary="scikit-learn classifier on per-user feature statistics",
            requires=("scikit-learn",),
            capabilities=("needs_shadows",),
        ),
        AggregatorSpec(
            name="sample_to_user",
            factory=SampleToUserAggregator,
            per_attack=True,
            summary="Mean Platt-calibrated member probability of a sample attack",
            requires=("scikit-learn",),
            capabilities=("needs_shadows",),
        ),
        AggregatorSpec(
            name="lira_user",
            factory=LiraUserAggregator,
            summary="Sum of per-text offline-LiRA log-likelihood ratios",
            capabilities=("needs_shadows", "needs_shadow_candidates"),
        ),
    ]
