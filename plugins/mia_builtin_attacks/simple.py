"""Single-feature attacks: ``threshold`` (shadow-calibrated) and ``population`` (shadow-free)."""

from __future__ import annotations

import numpy as np

from mia_builtin_attacks._common import oriented, shadow_pool
from mia_platform.errors import ConfigError
from mia_platform.interfaces import AttackContext, Outputs
from mia_platform.thresholds import best_balanced_threshold, threshold_at_fpr


class _FeatureAttack:
    """Score = one registered feature, oriented so that higher = member."""

    def __init__(self, feature: str = "loss") -> None:
        self.feature = feature
        self.threshold = float("nan")

    def score_outputs(self, outputs: Outputs, ctx: AttackContext) -> np.ndarray:
        return oriented(ctx, self.feature, outputs)

    def score(self, ctx: AttackContext) -> np.ndarray:
        return self.score_outputs(ctx.candidates, ctx)


class ThresholdAttack(_FeatureAttack):
    """Threshold maximising balanced accuracy on the shadows' pooled in/out aux texts.

    :param feature: a registered feature name (default ``loss``).
    """

    def fit(self, ctx: AttackContext) -> ThresholdAttack:
        ctx.feature(self.feature)
        scores, labels, _ = shadow_pool(
            ctx, lambda o: self.score_outputs(o, ctx), f"threshold[{self.feature}]"
        )
        self.threshold = best_balanced_threshold(scores, labels)
        return self


class PopulationAttack(_FeatureAttack):
    """No shadows: the threshold sits at ``fpr`` of the target's scores on the attacker's own
    texts, which are non-members of the target by construction.

    :param feature: a registered feature name (default ``loss``).
    :param fpr: the false-positive rate to aim for on that non-member population (default 0.05).
    """

    def __init__(self, feature: str = "loss", fpr: float = 0.05) -> None:
        super().__init__(feature)
        if not 0.0 < float(fpr) < 1.0:
            raise ConfigError(f"attack 'population': fpr must be in (0, 1), got {fpr!r}")
        self.fpr = float(fpr)

    def fit(self, ctx: AttackContext) -> PopulationAttack:
        self.threshold = threshold_at_fpr(self.score_outputs(ctx.population, ctx), self.fpr)
        return self
