"""The ``learned`` attack: a scikit-learn classifier on a vector of features."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from mia_builtin_attacks._common import shadow_pool
from mia_platform.errors import ConfigError
from mia_platform.interfaces import AttackContext, Outputs
from mia_platform.learners import fit_with_threshold, make_classifier, member_proba
from mia_platform.numerics import as_logits, log_softmax


class LearnedAttack:
    """Classifier trained on the shadows' in (1) / out (0) aux texts.

    The input vector is every registered feature (sorted by name, or those in ``features``) plus
    the ``top_k`` largest probabilities in descending order. The score is the predicted member
    probability; the threshold comes from leave-one-shadow-out predictions
    (:func:`mia_platform.learners.fit_with_threshold`).

    :param classifier: ``"logistic"`` (default, standardised), ``"gradient_boosting"`` or an
        unfitted scikit-learn estimator.
    :param top_k: number of sorted probabilities to append (capped at the number of classes).
    :param features: feature names to use (default: all registered).
    """

    def __init__(
        self, classifier: Any = "logistic", top_k: int = 3, features: Sequence[str] | None = None
    ) -> None:
        if int(top_k) < 0:
            raise ConfigError(f"attack 'learned': top_k must be >= 0, got {top_k!r}")
        make_classifier(classifier, 0)  # reject an unknown name at construction time
        self.classifier = classifier
        self.top_k = int(top_k)
        self.features = tuple(features) if features is not None else None
        self.threshold = float("nan")
        self._clf: Any = None
        self._names: tuple[str, ...] = ()

    def _vector(self, outputs: Outputs, ctx: AttackContext) -> np.ndarray:
        columns = [
            np.asarray(ctx.features[n].compute(outputs.logits, outputs.labels), np.float64)
            for n in self._names
        ]
        z, _ = as_logits(outputs.logits, outputs.labels)
        k = min(self.top_k, z.shape[1])
        top = np.exp(-np.sort(-log_softmax(z), axis=1)[:, :k])
        return np.column_stack([*columns, top]) if columns or k else np.zeros((len(z), 0))

    def fit(self, ctx: AttackContext) -> LearnedAttack:
        names = self.features if self.features is not None else tuple(sorted(ctx.features))
        for name in names:
            ctx.feature(name)
        self._names = names
        X, y, groups = shadow_pool(ctx, lambda o: self._vector(o, ctx), "learned")
        if X.shape[1] == 0:
            raise ConfigError("attack 'learned' has no inputs: no features and top_k = 0")
        self._clf, self.threshold = fit_with_threshold(self.classifier, X, y, groups, ctx.seed)
        return self

    def score_outputs(self, outputs: Outputs, ctx: AttackContext) -> np.ndarray:
        return member_proba(self._clf, self._vector(outputs, ctx))

    def score(self, ctx: AttackContext) -> np.ndarray:
        return self.score_outputs(ctx.candidates, ctx)
