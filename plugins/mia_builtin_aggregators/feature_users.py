"""Aggregators over per-text features: ``mean_threshold`` and ``learned``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from mia_builtin_aggregators._common import shadow_users
from mia_platform.errors import ConfigError
from mia_platform.grouping import UserGroups
from mia_platform.interfaces import AttackContext, Outputs, UserScores
from mia_platform.learners import fit_with_threshold, make_classifier, member_proba
from mia_platform.thresholds import best_balanced_threshold


class MeanThresholdAggregator:
    """User score = mean oriented feature over the user's texts; threshold maximises balanced
    accuracy on the shadows' in-users vs out-users (pooled over shadows).

    :param feature: a registered feature name (default ``loss``).
    """

    def __init__(self, feature: str = "loss") -> None:
        self.feature = feature
        self.threshold = float("nan")

    def _user_means(self, outputs: Outputs, users: UserGroups, ctx: AttackContext) -> np.ndarray:
        spec = ctx.feature(self.feature)
        values = np.asarray(spec.compute(outputs.logits, outputs.labels), dtype=np.float64)
        return users.mean(spec.orient(values))

    def fit(self, ctx: AttackContext) -> MeanThresholdAggregator:
        scores, labels, _ = shadow_users(
            ctx, lambda o, u, _s: self._user_means(o, u, ctx), f"mean_threshold[{self.feature}]"
        )
        self.threshold = best_balanced_threshold(scores, labels)
        return self

    def score_users(self, ctx: AttackContext) -> UserScores:
        users = UserGroups.of(ctx.candidates.users)
        return UserScores(users.users, self._user_means(ctx.candidates, users, ctx))


class LearnedUserAggregator:
    """Classifier on per-user statistics of every feature.

    For each feature (sorted by name, or those in ``features``): mean, std (ddof=0), min, max,
    median, 25th and 75th percentile over the user's texts. The number of texts is deliberately
    not an input (it leaks how the split was built). Trained on shadow users; the threshold comes
    from leave-one-shadow-out predictions (:func:`mia_platform.learners.fit_with_threshold`).

    :param classifier: ``"logistic"`` (default), ``"gradient_boosting"`` or an estimator.
    :param features: feature names to use (default: all registered).
    """

    def __init__(self, classifier: Any = "logistic", features: Sequence[str] | None = None) -> None:
        make_classifier(classifier, 0)  # reject an unknown name at construction time
        self.classifier = classifier
        self.features = tuple(features) if features is not None else None
        self.threshold = float("nan")
        self._clf: Any = None
        self._names: tuple[str, ...] = ()

    def _matrix(self, outputs: Outputs, users: UserGroups, ctx: AttackContext) -> np.ndarray:
        blocks = [
            users.stats(np.asarray(ctx.features[n].compute(outputs.logits, outputs.labels)))
            for n in self._names
        ]
        return np.hstack(blocks)

    def fit(self, ctx: AttackContext) -> LearnedUserAggregator:
        names = self.features if self.features is not None else tuple(sorted(ctx.features))
        if not names:
            raise ConfigError("aggregator 'learned' has no inputs: no features given")
        for name in names:
            ctx.feature(name)
        self._names = names
        X, y, groups = shadow_users(ctx, lambda o, u, _s: self._matrix(o, u, ctx), "learned")
        self._clf, self.threshold = fit_with_threshold(self.classifier, X, y, groups, ctx.seed)
        return self

    def score_users(self, ctx: AttackContext) -> UserScores:
        users = UserGroups.of(ctx.candidates.users)
        return UserScores(
            users.users, member_proba(self._clf, self._matrix(ctx.candidates, users, ctx))
        )
