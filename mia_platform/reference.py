"""Reference-model statistics for offline attacks (reference calibration, LiRA, RMIA).

Offline attacks compare the target's output on a text with the outputs of reference models that
did not train on it. For the target's candidates the references are every shadow model (each is
OUT for every candidate, SPEC section 2). To choose thresholds without evaluation labels, a shadow
can stand in for the target ("pseudo-target", leave-one-shadow-out): its aux texts are scored
against the *other* shadows that were OUT for each text, and its in-mask gives the labels.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mia_platform.errors import ConfigError, EvaluationError
from mia_platform.interfaces import AttackContext, Outputs
from mia_platform.numerics import as_logits, logsumexp, logsumexp_except, true_logit


def same_outputs(a: Outputs, b: Outputs | None) -> bool:
    """True if ``b`` is ``a`` or holds equal arrays (one model's outputs on the same texts)."""
    if b is None:
        return False
    if a is b:
        return True
    return (
        a.logits.shape == b.logits.shape
        and np.array_equal(a.labels, b.labels)
        and np.array_equal(a.users, b.users)
        and np.array_equal(a.logits, b.logits)
    )


def outputs_loss(outputs: Outputs) -> np.ndarray:
    """Cross-entropy of the true label of every text of ``outputs``."""
    z, y = as_logits(outputs.logits, outputs.labels)
    return logsumexp(z, axis=1) - true_logit(z, y)


def outputs_scaled_logit(outputs: Outputs) -> np.ndarray:
    """LiRA's ``z_y - logsumexp_{k != y} z_k`` of every text of ``outputs``."""
    z, y = as_logits(outputs.logits, outputs.labels)
    return true_logit(z, y) - logsumexp_except(z, y)


def reference_values(
    ctx: AttackContext, outputs: Outputs, stat: Callable[[Outputs], np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Reference models' ``stat`` on the texts of ``outputs``.

    :param outputs: ``ctx.candidates`` or one shadow's ``aux`` outputs (matched by identity or
        equal arrays): the only texts on which reference models' outputs exist.
    :param stat: per-text statistic of an :class:`Outputs` (e.g. the loss).
    :returns: ``values [n, R]`` and ``available [n, R]`` (True where reference ``r`` was OUT
        for text ``i``).
    :raises EvaluationError: for any other outputs.
    """
    if not ctx.shadows:
        raise ConfigError(
            "offline reference attacks need shadow models; configure shadows >= 1 "
            "or use a shadow-free attack such as 'population'"
        )
    n = len(outputs.labels)
    if same_outputs(outputs, ctx.candidates):
        refs = [sh.candidates for sh in ctx.shadows]
        if any(r is None for r in refs):
            raise EvaluationError(
                "offline reference attacks need every shadow's outputs on the candidates "
                "(ShadowOutputs.candidates is missing)"
            )
        values = np.column_stack([stat(r) for r in refs]).reshape(n, len(refs))
        return values, np.ones_like(values, dtype=bool)
    for s, shadow in enumerate(ctx.shadows):
        if same_outputs(outputs, shadow.aux):
            others = [sh for j, sh in enumerate(ctx.shadows) if j != s]
            if not others:
                return np.empty((n, 0)), np.empty((n, 0), dtype=bool)
            values = np.column_stack([stat(sh.aux) for sh in others])
            available = ~np.column_stack([np.asarray(sh.in_mask, dtype=bool) for sh in others])
            return values, available
    raise EvaluationError(
        "offline reference attacks can score only the candidates or a shadow's aux outputs, "
        "since reference models' outputs exist only for those texts"
    )


def masked_mean(values: np.ndarray, available: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row mean over available entries and the count; rows without any get the pooled mean.

    :raises EvaluationError: if no entry at all is available.
    """
    counts = available.sum(axis=1)
    if counts.sum() == 0:
        raise EvaluationError("no reference model was OUT for any of these texts")
    sums = np.where(available, values, 0.0).sum(axis=1)
    pooled = sums.sum() / counts.sum()
    mean = np.where(counts > 0, sums / np.maximum(counts, 1), pooled)
    return mean, counts


#: Below this many references per text LiRA uses one pooled sigma (Carlini et al. 2022 do so
#: for fewer than 64 shadow models: a per-text variance from a handful of values is too noisy).
MIN_REFS_PER_TEXT_SIGMA = 64
#: Smallest sigma LiRA divides by (scaled logits are O(1..30); this only guards against 0).
SIGMA_FLOOR = 1e-3


def lira_gaussian(
    values: np.ndarray, available: np.ndarray, *, min_refs: int = MIN_REFS_PER_TEXT_SIGMA
) -> tuple[np.ndarray, np.ndarray]:
    """Per-text ``(mu_out, sigma_out)`` of reference scaled logits.

    sigma is per text where a text has at least ``min_refs`` references, else the pooled
    within-text standard deviation ``sqrt(sum (v - mu_i)^2 / sum (n_i - 1))``. With one
    reference per text the within-text spread is undefined and the spread of all reference
    values is used instead. sigma is floored at :data:`SIGMA_FLOOR`.
    """
    mu, counts = masked_mean(values, available)
    sq = np.where(available, (values - mu[:, None]) ** 2, 0.0)
    dof = np.maximum(counts - 1, 0)
    if dof.sum() > 0:
        pooled = np.sqrt(sq.sum() / dof.sum())
    else:
        flat = values[available]
        pooled = float(np.std(flat)) if flat.size > 1 else 0.0
    per_text = np.sqrt(sq.sum(axis=1) / np.maximum(dof, 1))
    sigma = np.where(counts >= min_refs, per_text, pooled)
    return mu, np.maximum(sigma, SIGMA_FLOOR)


def lira_zscores(
    ctx: AttackContext, outputs: Outputs, *, min_refs: int = MIN_REFS_PER_TEXT_SIGMA
) -> np.ndarray:
    """Offline LiRA ``(scaled_logit - mu_out) / sigma_out`` of the texts of ``outputs`` (the
    candidates, or a pseudo-target shadow's aux texts against the other shadows)."""
    values, available = reference_values(ctx, outputs, outputs_scaled_logit)
    if values.shape[1] == 0:
        raise EvaluationError("lira: a pseudo-target needs at least one other shadow model")
    mu, sigma = lira_gaussian(values, available, min_refs=min_refs)
    return (outputs_scaled_logit(outputs) - mu) / sigma
