"""Evaluation metrics for membership scores (SPEC section 6), vectorised in numpy.

Labels: 1 = member, 0 = non-member; scores: higher = more member-like; a unit (text or user) is
predicted "member" when ``score >= threshold``. Every metric works from the counts of members and
non-members per distinct score, so ties are handled exactly (they count half in the AUC and move
together along the ROC curve) and bootstrap resamples only need a ``bincount`` each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mia_platform.errors import EvaluationError

#: The FPR targets reported by :func:`evaluate`, by label.
FPR_TARGETS: dict[str, float] = {"0.1%": 0.001, "1%": 0.01, "10%": 0.1}


def _prepare(y: Any, s: Any) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray(y)
    scores = np.asarray(s, dtype=np.float64)
    if labels.ndim != 1 or labels.shape != scores.shape:
        raise EvaluationError(
            f"labels {labels.shape} and scores {scores.shape} must be vectors of equal length"
        )
    if labels.size and not np.isin(labels, (0, 1)).all():
        raise EvaluationError("membership labels must be 0 (non-member) or 1 (member)")
    if not np.isfinite(scores).all():
        raise EvaluationError(
            f"{int((~np.isfinite(scores)).sum())} scores are NaN or infinite; "
            "an attack must give every evaluated unit a finite score"
        )
    labels = labels.astype(bool)
    n_pos = int(labels.sum())
    if n_pos == 0 or n_pos == labels.size:
        raise EvaluationError(
            "metrics need both members and non-members in the evaluation set, got "
            f"{n_pos} members and {labels.size - n_pos} non-members"
        )
    return labels, scores


def _counts(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct scores (ascending), members and non-members at each."""
    values, inverse = np.unique(scores, return_inverse=True)
    pos = np.bincount(inverse, weights=labels, minlength=values.size)
    neg = np.bincount(inverse, weights=~labels, minlength=values.size)
    return values, pos, neg


def _auc_from_counts(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """AUC along the last axis: P(member > non-member) + P(tie) / 2."""
    neg_below = np.cumsum(neg, axis=-1) - neg
    n_pos = pos.sum(axis=-1)
    n_neg = neg.sum(axis=-1)
    return np.sum(pos * (neg_below + 0.5 * neg), axis=-1) / (n_pos * n_neg)


def auc(y: Any, s: Any) -> float:
    """ROC AUC with ties counted half (the Mann-Whitney statistic).

    :raises EvaluationError: if only one class is present (an AUC of 0 would be a lie).
    """
    labels, scores = _prepare(y, s)
    _, pos, neg = _counts(labels, scores)
    return float(_auc_from_counts(pos, neg))


def roc(y: Any, s: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The full ROC curve: ``(fpr, tpr, thresholds)`` from every distinct score, descending.

    The first point is ``(0, 0)`` at threshold ``+inf`` (nothing predicted member); each further
    point predicts member for ``score >= thresholds[i]``.
    """
    labels, scores = _prepare(y, s)
    values, pos, neg = _counts(labels, scores)
    tps = np.concatenate(([0.0], np.cumsum(pos[::-1])))
    fps = np.concatenate(([0.0], np.cumsum(neg[::-1])))
    thresholds = np.concatenate(([np.inf], values[::-1]))
    return fps / fps[-1], tps / tps[-1], thresholds


def tpr_at_fpr(y: Any, s: Any, target: float) -> dict[str, Any]:
    """The largest TPR among ROC points with FPR <= ``target``.

    :returns: ``target_fpr``, ``tpr``, ``fpr`` (the FPR actually achieved), ``threshold`` (None
        for the "nothing is a member" point), ``n_negatives`` and ``reliable`` (at least
        ``1 / target`` negatives, without which the target FPR cannot be resolved).
    """
    fpr, tpr, thresholds = roc(y, s)
    i = int(np.flatnonzero(fpr <= target + 1e-12)[-1])
    n_neg = int(np.sum(np.asarray(y) == 0))
    return {
        "target_fpr": float(target),
        "tpr": float(tpr[i]),
        "fpr": float(fpr[i]),
        "threshold": float(thresholds[i]) if np.isfinite(thresholds[i]) else None,
        "n_negatives": n_neg,
        "reliable": n_neg * target >= 1.0 - 1e-9,
    }


def balanced_accuracy(y: Any, s: Any, threshold: float) -> float:
    """``(TPR + TNR) / 2`` predicting member for ``score >= threshold``."""
    labels, scores = _prepare(y, s)
    pred = scores >= threshold
    return float((pred[labels].mean() + (~pred[~labels]).mean()) / 2)


def advantage(y: Any, s: Any) -> float:
    """``max(TPR - FPR)`` over all thresholds.

    Evaluation-tuned: the threshold is picked on the evaluation labels, so this is an optimistic
    figure, reported as ``advantage_eval_tuned`` and never as the attack's accuracy.
    """
    fpr, tpr, _ = roc(y, s)
    return float(np.max(tpr - fpr))


def _stratified_indices(
    labels: np.ndarray, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    pos = np.flatnonzero(labels)
    neg = np.flatnonzero(~labels)
    return (
        pos[rng.integers(0, pos.size, size=(n, pos.size))],
        neg[rng.integers(0, neg.size, size=(n, neg.size))],
    )


def bootstrap_ci(
    y: Any,
    s: Any,
    metric_fn: Callable[[np.ndarray, np.ndarray], float],
    *,
    n: int = 200,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``metric_fn(y, s)`` over the evaluation units.

    Resampling is stratified (members and non-members are resampled separately, keeping their
    counts), so every resample has both classes and the class balance of the evaluation set.
    """
    labels, scores = _prepare(y, s)
    rng = np.random.default_rng(seed)
    pos_idx, neg_idx = _stratified_indices(labels, n, rng)
    values = [
        metric_fn(
            np.concatenate((np.ones(p.size, int), np.zeros(q.size, int))),
            np.concatenate((scores[p], scores[q])),
        )
        for p, q in zip(pos_idx, neg_idx, strict=True)
    ]
    lo, hi = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def _fast_bootstrap(
    labels: np.ndarray, scores: np.ndarray, n: int, seed: int, targets: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    """AUC and TPR-at-FPR for ``n`` stratified resamples, from per-value counts in batches.

    :returns: ``auc [n]`` and ``tpr [n, len(targets)]``.
    """
    values, inverse = np.unique(scores, return_inverse=True)
    n_values = values.size
    codes_pos = inverse[labels]
    codes_neg = inverse[~labels]
    n_pos, n_neg = codes_pos.size, codes_neg.size
    rng = np.random.default_rng(seed)
    aucs = np.empty(n)
    tprs = np.empty((n, len(targets)))
    batch = max(1, int(4e6 // max(n_values + n_pos + n_neg, 1)))
    for start in range(0, n, batch):
        b = min(batch, n - start)
        offsets = (np.arange(b) * n_values)[:, None]

        def counts(codes: np.ndarray, size: int, b: int = b, offsets: np.ndarray = offsets):
            drawn = codes[rng.integers(0, size, size=(b, size))] + offsets
            return np.bincount(drawn.ravel(), minlength=b * n_values).reshape(b, n_values)

        pos = counts(codes_pos, n_pos).astype(np.float64)
        neg = counts(codes_neg, n_neg).astype(np.float64)
        aucs[start : start + b] = _auc_from_counts(pos, neg)
        tps = np.cumsum(pos[:, ::-1], axis=1) / n_pos
        fps = np.cumsum(neg[:, ::-1], axis=1) / n_neg
        for j, target in enumerate(targets):
            k = np.sum(fps <= target + 1e-12, axis=1) - 1
            tprs[start : start + b, j] = np.where(k >= 0, tps[np.arange(b), np.maximum(k, 0)], 0.0)
    return aucs, tprs


def _clopper_pearson(k: np.ndarray, n: int, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """One-sided Clopper-Pearson lower and upper bounds of ``k / n`` at ``confidence``."""
    from scipy.stats import beta

    alpha = 1.0 - confidence
    k = np.asarray(k, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        lower = np.where(k > 0, beta.ppf(alpha, k, n - k + 1), 0.0)
        upper = np.where(k < n, beta.ppf(confidence, k + 1, n - k), 1.0)
    return lower, upper


def empirical_epsilon(
    y: Any,
    s: Any,
    thresholds: Sequence[float],
    *,
    delta: float = 0.0,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """A lower bound on the differential-privacy epsilon the attack demonstrates.

    At each threshold, ``TPR_lo`` and ``FPR_hi`` are one-sided Clopper-Pearson bounds and
    ``eps >= max(ln((TPR_lo - delta) / FPR_hi), ln((1 - delta - FPR_hi) / (1 - TPR_lo)))``; the
    bound is maximised over ``thresholds``, which must be chosen on attacker (shadow) data, never
    on these labels, or the bound loses its confidence. A bound below 0 is reported as 0.

    :returns: ``epsilon``, the ``threshold`` achieving it (None if no threshold gives a positive
        bound), its ``tpr_lo`` and ``fpr_hi``, ``delta`` and ``confidence``.
    """
    labels, scores = _prepare(y, s)
    t = np.asarray(thresholds, dtype=np.float64)
    if t.size == 0:
        raise EvaluationError("empirical epsilon needs at least one threshold chosen on shadows")
    pred = scores[None, :] >= t[:, None]
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    tpr_lo, _ = _clopper_pearson(pred[:, labels].sum(axis=1), n_pos, confidence)
    _, fpr_hi = _clopper_pearson(pred[:, ~labels].sum(axis=1), n_neg, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        first = np.where(tpr_lo - delta > 0, np.log((tpr_lo - delta) / fpr_hi), -np.inf)
        num = 1.0 - delta - fpr_hi
        second = np.where(num > 0, np.log(num / (1.0 - tpr_lo)), -np.inf)
    eps = np.maximum(first, second)
    i = int(np.argmax(eps))
    found = bool(eps[i] > 0)
    return {
        "epsilon": float(eps[i]) if found else 0.0,
        "threshold": float(t[i]) if found else None,
        "tpr_lo": float(tpr_lo[i]),
        "fpr_hi": float(fpr_hi[i]),
        "delta": float(delta),
        "confidence": float(confidence),
    }


def _downsample_roc(fpr: np.ndarray, tpr: np.ndarray, points: int = 200) -> dict[str, list]:
    """At most about ``points`` ROC points, on a grid dense near FPR 0 (log) and linear above."""
    grid = np.unique(np.concatenate((np.geomspace(1e-4, 1, points // 2), np.linspace(0, 1, 101))))
    idx = np.unique(np.concatenate(([0], np.searchsorted(fpr, grid, side="right") - 1)))
    idx = np.unique(np.concatenate((idx, [fpr.size - 1])))
    return {"fpr": fpr[idx].tolist(), "tpr": tpr[idx].tolist()}


def evaluate(
    y: Any, scores: Any, threshold: float, *, seed: int, n_bootstrap: int = 200
) -> dict[str, Any]:
    """Everything ``results.json`` reports for one attack on one evaluation set.

    :param y: membership labels of the evaluation units (1 = member).
    :param scores: the attack's scores, higher = member.
    :param threshold: the attack's own threshold, chosen on attacker data.
    :param seed: seeds the bootstrap.
    :param n_bootstrap: stratified bootstrap resamples for the 95% intervals (0 = none).
    """
    labels, s = _prepare(y, scores)
    fpr, tpr, _ = roc(labels.astype(int), s)
    targets = list(FPR_TARGETS.values())
    if n_bootstrap > 0:
        boot_auc, boot_tpr = _fast_bootstrap(labels, s, n_bootstrap, seed, targets)
    pred = s >= threshold
    out: dict[str, Any] = {
        "n_members": int(labels.sum()),
        "n_nonmembers": int((~labels).sum()),
        "auc": auc(labels.astype(int), s),
        "auc_ci": None,
        "tpr_at_fpr": {},
        "threshold": float(threshold),
        "balanced_accuracy": balanced_accuracy(labels.astype(int), s, threshold),
        "tpr_at_threshold": float(pred[labels].mean()),
        "fpr_at_threshold": float(pred[~labels].mean()),
        "advantage_eval_tuned": advantage(labels.astype(int), s),
        "empirical_epsilon": empirical_epsilon(labels.astype(int), s, [threshold]),
        "roc": _downsample_roc(fpr, tpr),
        "bootstrap": {"n": int(n_bootstrap), "seed": int(seed), "level": 0.95, "stratified": True},
    }
    if n_bootstrap > 0:
        out["auc_ci"] = [float(v) for v in np.quantile(boot_auc, [0.025, 0.975])]
    for j, (label, target) in enumerate(FPR_TARGETS.items()):
        entry = tpr_at_fpr(labels.astype(int), s, target)
        if n_bootstrap > 0:
            entry["tpr_ci"] = [float(v) for v in np.quantile(boot_tpr[:, j], [0.025, 0.975])]
        out["tpr_at_fpr"][label] = entry
    return out
