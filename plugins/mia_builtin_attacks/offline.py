"""Offline reference-model attacks: ``reference``, ``lira_offline`` and ``rmia``.

All three compare the target's output on a text with shadow models that were OUT for it. Their
thresholds are chosen leave-one-shadow-out (see :mod:`mia_platform.reference`): each shadow in
turn plays the target, its aux texts are scored against the other shadows that were OUT for each
text, and the balanced-accuracy threshold over all pseudo-targets' in/out texts is taken. This
needs at least two shadows; with one there is no second model to act as a reference, and each
attack falls back to a documented rule on its null distribution instead (``fallback_rule``).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from mia_builtin_attacks._common import shadow_pool
from mia_platform.errors import ConfigError, EvaluationError
from mia_platform.interfaces import AttackContext, Outputs
from mia_platform.numerics import logsumexp
from mia_platform.reference import (
    MIN_REFS_PER_TEXT_SIGMA,
    lira_zscores,
    masked_mean,
    outputs_loss,
    reference_values,
    same_outputs,
)
from mia_platform.thresholds import best_balanced_threshold


class _OfflineAttack:
    """Shared ``fit``: leave-one-shadow-out threshold, or the rule for a single shadow."""

    name = ""
    #: The threshold used with fewer than two shadows, and why.
    fallback_threshold = 0.0
    fallback_rule = ""

    def __init__(self) -> None:
        self.threshold = float("nan")
        self.threshold_rule = ""

    def score_outputs(self, outputs: Outputs, ctx: AttackContext) -> np.ndarray:
        raise NotImplementedError

    def score(self, ctx: AttackContext) -> np.ndarray:
        return self.score_outputs(ctx.candidates, ctx)

    def fit(self, ctx: AttackContext) -> _OfflineAttack:
        if len(ctx.shadows) == 1:
            self.threshold = self.fallback_threshold
            self.threshold_rule = self.fallback_rule
            return self
        scores, labels, _ = shadow_pool(ctx, lambda o: self.score_outputs(o, ctx), self.name)
        self.threshold = best_balanced_threshold(scores, labels)
        self.threshold_rule = "leave-one-shadow-out balanced accuracy"
        return self


class ReferenceAttack(_OfflineAttack):
    """Difficulty calibration (Watson et al. 2022): score = mean reference loss − target loss.

    With one shadow the threshold is 0: "the target fits this text better than the reference
    models do on average", the natural zero of the calibrated score.
    """

    name = "reference"
    fallback_threshold = 0.0
    fallback_rule = "one shadow: threshold 0 (target loss below the reference loss)"

    def score_outputs(self, outputs: Outputs, ctx: AttackContext) -> np.ndarray:
        values, available = reference_values(ctx, outputs, outputs_loss)
        if values.shape[1] == 0:
            raise EvaluationError("reference: a pseudo-target needs at least one other shadow")
        mean, _ = masked_mean(values, available)
        return mean - outputs_loss(outputs)


class LiraOfflineAttack(_OfflineAttack):
    """Offline LiRA (Carlini et al. 2022): ``(scaled_logit - mu_out) / sigma_out`` per text.

    sigma is pooled over texts unless a text has at least ``min_refs`` references
    (:func:`mia_platform.reference.lira_gaussian`). With one shadow the threshold is the
    one-sided 5% test of the OUT Gaussian, ``z >= 1.645``.
    """

    name = "lira_offline"
    fallback_threshold = NormalDist().inv_cdf(0.95)
    fallback_rule = "one shadow: z >= 1.645, a one-sided 5% test of the OUT Gaussian"

    def __init__(self, min_refs: int = MIN_REFS_PER_TEXT_SIGMA) -> None:
        super().__init__()
        if int(min_refs) < 2:
            raise ConfigError(f"attack 'lira_offline': min_refs must be >= 2, got {min_refs!r}")
        self.min_refs = int(min_refs)

    def score_outputs(self, outputs: Outputs, ctx: AttackContext) -> np.ndarray:
        return lira_zscores(ctx, outputs, min_refs=self.min_refs)


class RmiaAttack(_OfflineAttack):
    """Offline RMIA (Zarifzadeh et al. 2024).

    ``ratio(x) = p_y(x | target) / Pr(x)`` with ``Pr(x) = ((1 + a) Pr_out(x) + (1 - a)) / 2``,
    the paper's offline approximation of the average over IN and OUT models from OUT models
    only (``a = 1`` uses the plain OUT mean). The score is the fraction of population texts z
    (the attacker's own texts, non-members) with ``ratio(x) / ratio(z) > gamma``. For the target,
    z are all of ``ctx.population``, which must be the target's outputs on the shadows' aux texts
    in the same order; for a pseudo-target they are its OUT aux texts. With one shadow the
    threshold is 0.95: a non-member is exchangeable with the population, so its score is about
    uniform and 0.95 gives about 5% false positives.

    :param a: offline interpolation constant in [0, 1] (default 0.3).
    :param gamma: likelihood-ratio margin > 0 (default 1).
    """

    name = "rmia"
    fallback_threshold = 0.95
    fallback_rule = "one shadow: threshold 0.95 (about 5% FPR on exchangeable non-members)"

    def __init__(self, a: float = 0.3, gamma: float = 1.0) -> None:
        super().__init__()
        if not 0.0 <= float(a) <= 1.0:
            raise ConfigError(f"attack 'rmia': a must be in [0, 1], got {a!r}")
        if not float(gamma) > 0.0:
            raise ConfigError(f"attack 'rmia': gamma must be > 0, got {gamma!r}")
        self.a = float(a)
        self.gamma = float(gamma)

    def _log_pr(self, values: np.ndarray, available: np.ndarray) -> np.ndarray:
        """``log Pr(x)`` from reference log-probabilities of the true label."""
        counts = available.sum(axis=1)
        if counts.sum() == 0:
            raise EvaluationError("rmia: no reference model was OUT for any of these texts")
        masked = np.where(available, values, -np.inf)
        log_mean = logsumexp(masked, axis=1) - np.log(np.maximum(counts, 1))
        pooled = logsumexp(values[available], axis=0) - math.log(counts.sum())
        log_out = np.where(counts > 0, log_mean, pooled)
        floor = math.log((1 - self.a) / 2) if self.a < 1 else -math.inf
        return np.logaddexp(math.log((1 + self.a) / 2) + log_out, floor)

    def _log_ratio(self, outputs: Outputs, ctx: AttackContext) -> np.ndarray:
        values, available = reference_values(ctx, outputs, lambda o: -outputs_loss(o))
        if values.shape[1] == 0:
            raise EvaluationError("rmia: a pseudo-target needs at least one other shadow")
        return -outputs_loss(outputs) - self._log_pr(values, available)

    def _population_log_ratio(self, ctx: AttackContext) -> np.ndarray:
        """Log ratios of the target on ``ctx.population`` against every shadow OUT for z."""
        pop, aux = ctx.population, ctx.shadows[0].aux
        if not (np.array_equal(pop.labels, aux.labels) and np.array_equal(pop.users, aux.users)):
            raise EvaluationError(
                "rmia needs ctx.population to be the target's outputs on the shadows' aux texts, "
                "in the same order (labels and users differ)"
            )
        values = np.column_stack([-outputs_loss(sh.aux) for sh in ctx.shadows])
        available = ~np.column_stack([np.asarray(sh.in_mask, dtype=bool) for sh in ctx.shadows])
        return -outputs_loss(pop) - self._log_pr(values, available)

    def score_outputs(self, outputs: Outputs, ctx: AttackContext) -> np.ndarray:
        ratio_x = self._log_ratio(outputs, ctx)
        pseudo = [sh for sh in ctx.shadows if same_outputs(outputs, sh.aux)]
        if pseudo:  # a pseudo-target's population is its own OUT aux texts
            ratio_z = ratio_x[~np.asarray(pseudo[0].in_mask, dtype=bool)]
        else:
            ratio_z = self._population_log_ratio(ctx)
        if ratio_z.size == 0:
            raise EvaluationError("rmia: no population texts to compare with")
        # ratio(x) / ratio(z) > gamma  <=>  log ratio(z) < log ratio(x) - log gamma (strict).
        dominated = np.searchsorted(np.sort(ratio_z), ratio_x - math.log(self.gamma), side="left")
        return dominated / ratio_z.size
