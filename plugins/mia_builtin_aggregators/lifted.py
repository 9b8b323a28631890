"""Aggregators that lift per-text attack scores to users: ``sample_to_user`` and ``lira_user``."""

from __future__ import annotations

from typing import Any

import numpy as np

from mia_builtin_aggregators._common import shadow_users
from mia_platform.errors import ConfigError, UnknownComponentError
from mia_platform.grouping import UserGroups
from mia_platform.interfaces import AttackContext, Outputs, SampleAttack, UserScores
from mia_platform.learners import member_proba
from mia_platform.reference import MIN_REFS_PER_TEXT_SIGMA, lira_zscores
from mia_platform.specs import AttackSpec
from mia_platform.thresholds import best_balanced_threshold

REDUCERS: tuple[str, ...] = ("mean", "frac_above", "max")


def _make_attack(ctx: AttackContext, name: str, params: dict[str, Any]) -> SampleAttack:
    """Build the sample attack ``name`` from ``ctx.info["attacks"]``.

    The host puts there a mapping from attack name to either an :class:`AttackSpec` (built with
    ``params``) or a zero-argument callable returning a configured attack (e.g. the instance
    ``threshold[loss]`` of a run).
    """
    attacks = ctx.info.get("attacks") or {}
    if name not in attacks:
        raise UnknownComponentError(
            f"aggregator 'sample_to_user': unknown sample attack {name!r}; "
            f"available: {', '.join(sorted(attacks)) or 'none (ctx.info has no attacks)'}"
        )
    entry = attacks[name]
    if isinstance(entry, AttackSpec):
        return entry.factory(**params)
    if params:
        raise ConfigError(
            f"aggregator 'sample_to_user': attack {name!r} is already configured; "
            "drop attack_params"
        )
    return entry()


class SampleToUserAggregator:
    """Fit a sample-level attack, turn its per-text scores into member probabilities, reduce
    them per user.

    Probabilities come from Platt scaling: a logistic regression of shadow membership on the
    standardised attack score, fitted on every shadow's in/out aux texts (scored with
    ``score_outputs``; for attacks fitted on the same shadow texts these scores are in-sample,
    which only makes the calibration a little overconfident, never label-aware). The user score is
    the ``reduce`` of the user's texts: ``mean`` probability (default), ``frac_above`` the
    attack's own threshold, or ``max`` probability. The threshold maximises balanced accuracy on
    the shadow users (in-users vs out-users, pooled over shadows).

    :param attack: a name in ``ctx.info["attacks"]``.
    :param reduce: ``mean``, ``frac_above`` or ``max``.
    :param attack_params: parameters for an attack given as an :class:`AttackSpec`.
    """

    def __init__(
        self, attack: str = "threshold", reduce: str = "mean", attack_params: dict | None = None
    ) -> None:
        if reduce not in REDUCERS:
            raise ConfigError(
                f"aggregator 'sample_to_user': reduce must be one of {', '.join(REDUCERS)}, "
                f"got {reduce!r}"
            )
        self.attack_name = attack
        self.reduce = reduce
        self.attack_params = dict(attack_params or {})
        self.threshold = float("nan")
        self._attack: Any = None
        self._platt: Any = None
        self._center = 0.0
        self._scale = 1.0

    def _probabilities(self, scores: np.ndarray) -> np.ndarray:
        x = ((scores - self._center) / self._scale)[:, None]
        return member_proba(self._platt, x)

    def _user_scores(self, outputs: Outputs, users: UserGroups, ctx: AttackContext) -> np.ndarray:
        scores = np.asarray(self._attack.score_outputs(outputs, ctx), dtype=np.float64)
        return self._reduce(scores, users)

    def _reduce(self, scores: np.ndarray, users: UserGroups) -> np.ndarray:
        if self.reduce == "frac_above":
            return users.mean(scores >= self._attack.threshold)
        probs = self._probabilities(scores)
        return users.mean(probs) if self.reduce == "mean" else users.max(probs)

    def fit(self, ctx: AttackContext) -> SampleToUserAggregator:
        from sklearn.linear_model import LogisticRegression

        self._attack = _make_attack(ctx, self.attack_name, self.attack_params).fit(ctx)
        if not ctx.shadows:
            raise ConfigError(
                "aggregator 'sample_to_user' needs shadow models to calibrate on; configure "
                "shadows >= 1"
            )
        per_shadow = [
            np.asarray(self._attack.score_outputs(sh.aux, ctx), dtype=np.float64)
            for sh in ctx.shadows
        ]
        pooled = np.concatenate(per_shadow)
        in_texts = np.concatenate([np.asarray(sh.in_mask, dtype=np.int64) for sh in ctx.shadows])
        self._center = float(pooled.mean())
        self._scale = float(pooled.std()) or 1.0
        x = ((pooled - self._center) / self._scale)[:, None]
        self._platt = LogisticRegression().fit(x, in_texts)
        scores, labels, _ = shadow_users(
            ctx, lambda o, u, s: self._reduce(per_shadow[s], u), "sample_to_user"
        )
        self.threshold = best_balanced_threshold(scores, labels)
        return self

    def score_users(self, ctx: AttackContext) -> UserScores:
        users = UserGroups.of(ctx.candidates.users)
        return UserScores(users.users, self._user_scores(ctx.candidates, users, ctx))


#: Smallest IN-shift (in sigmas) lira_user uses: training never lowers the true-label log-odds,
#: so a non-positive estimate is noise; the floor keeps "higher z = member" without a sign flip.
DELTA_FLOOR = 1e-3


class LiraUserAggregator:
    """User score = sum over the user's texts of offline-LiRA log-likelihood ratios.

    Offline LiRA only fits ``N(mu_out, sigma)`` per text. Modelling IN as the same Gaussian
    shifted by ``delta`` sigmas, ``N(mu_out + delta * sigma, sigma)``, the per-text log-likelihood
    ratio is ``log N(x; mu_out + delta sigma, sigma) - log N(x; mu_out, sigma)
    = delta * z - delta^2 / 2`` with ``z = (x - mu_out) / sigma``, so a user with texts
    ``i = 1..n`` scores ``delta * sum_i z_i - n * delta^2 / 2``. ``delta`` is estimated on shadows
    used as pseudo-targets (leave-one-shadow-out): the mean z of their IN texts minus that of
    their OUT texts, floored at :data:`DELTA_FLOOR`. The threshold maximises balanced accuracy on
    the pseudo-targets' users. With a single shadow neither can be estimated: ``delta = 1`` and
    the threshold is 0 (likelihood ratio 1, equal priors), a documented rule.

    :param min_refs: references per text needed for a per-text sigma (see ``lira_offline``).
    """

    def __init__(self, min_refs: int = MIN_REFS_PER_TEXT_SIGMA) -> None:
        self.min_refs = int(min_refs)
        self.delta = 1.0
        self.threshold = 0.0
        self.threshold_rule = "one shadow: delta = 1, threshold 0 (likelihood ratio 1)"

    def _llr(self, z: np.ndarray, users: UserGroups) -> np.ndarray:
        return self.delta * users.sum(z) - users.counts * self.delta**2 / 2

    def fit(self, ctx: AttackContext) -> LiraUserAggregator:
        if len(ctx.shadows) == 1:
            return self
        z = [lira_zscores(ctx, sh.aux, min_refs=self.min_refs) for sh in ctx.shadows]
        pooled = np.concatenate(z)
        in_texts = np.concatenate([np.asarray(sh.in_mask, dtype=bool) for sh in ctx.shadows])
        if in_texts.any() and (~in_texts).any():
            shift = pooled[in_texts].mean() - pooled[~in_texts].mean()
            self.delta = max(float(shift), DELTA_FLOOR)
        scores, labels, _ = shadow_users(ctx, lambda o, u, s: self._llr(z[s], u), "lira_user")
        self.threshold = best_balanced_threshold(scores, labels)
        self.threshold_rule = "leave-one-shadow-out balanced accuracy"
        return self

    def score_users(self, ctx: AttackContext) -> UserScores:
        users = UserGroups.of(ctx.candidates.users)
        z = lira_zscores(ctx, ctx.candidates, min_refs=self.min_refs)
        return UserScores(users.users, self._llr(z, users))
