"""Decision thresholds chosen on attacker data only (shadow models or the population).

Convention everywhere: ``score >= threshold`` means "member".
"""

from __future__ import annotations

import numpy as np

from mia_platform.errors import EvaluationError


def _check(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels).astype(bool)
    if s.shape != y.shape or s.ndim != 1:
        raise ValueError(f"scores {s.shape} and labels {y.shape} must be equal-length vectors")
    if not np.isfinite(s).all():
        raise EvaluationError("threshold selection: scores contain NaN or infinite values")
    if y.all() or not y.any():
        raise EvaluationError(
            "threshold selection needs both member and non-member examples in the attacker's "
            f"data, got {int(y.sum())} members of {y.size}"
        )
    return s, y


def best_balanced_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    """The threshold maximising balanced accuracy ``(TPR + TNR) / 2`` on labelled attacker data.

    Candidates are cuts between consecutive distinct scores (plus "everything is a member");
    the returned threshold is the midpoint of the chosen gap, so equal scores always fall on the
    same side. When several cuts tie for the best balanced accuracy the middle one is taken,
    which is deterministic and keeps away from the edges of the plateau.

    :param scores: attacker-side scores, higher = member.
    :param labels: 1 (member of the shadow model) or 0.
    """
    s, y = _check(scores, labels)
    values, inverse = np.unique(s, return_inverse=True)
    pos = np.bincount(inverse, weights=y, minlength=values.size)
    neg = np.bincount(inverse, weights=~y, minlength=values.size)
    # Cut i predicts "member" for values[i:]: TPR = positives at or above, TNR = negatives below.
    tpr = np.cumsum(pos[::-1])[::-1] / pos.sum()
    tnr = np.concatenate(([0.0], np.cumsum(neg)[:-1])) / neg.sum()
    ba = (tpr + tnr) / 2
    best = np.flatnonzero(ba >= ba.max() - 1e-12)
    i = int(best[(best.size - 1) // 2])
    if i == 0:
        return float(values[0])
    return float((values[i - 1] + values[i]) / 2)


def threshold_at_fpr(negative_scores: np.ndarray, fpr: float) -> float:
    """The lowest threshold whose false-positive rate on ``negative_scores`` is at most ``fpr``.

    Used by shadow-free attacks: the attacker's own texts are non-members by construction. With
    ``k = floor(fpr * n)`` allowed false positives, the threshold sits just above the
    (k+1)-th largest negative score (``fpr = 1`` returns the smallest score).
    """
    s = np.sort(np.asarray(negative_scores, dtype=np.float64))[::-1]
    if s.size == 0:
        raise EvaluationError("threshold at FPR needs at least one non-member score, got none")
    if not 0.0 <= fpr <= 1.0:
        raise EvaluationError(f"fpr must be in [0, 1], got {fpr}")
    if not np.isfinite(s).all():
        raise EvaluationError("threshold at FPR: scores contain NaN or infinite values")
    k = int(np.floor(fpr * s.size + 1e-9))
    if k >= s.size:
        return float(s[-1])
    return float(np.nextafter(s[k], np.inf))
