"""scikit-learn classifiers for learned attacks and aggregators (sklearn is imported lazily).

Both the learned sample attack and the learned user aggregator train a classifier on shadow
models' members (1) and non-members (0), read the member column through ``classes_`` and need a
decision threshold chosen without evaluation labels; this module holds that shared logic.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mia_platform.errors import ConfigError, EvaluationError
from mia_platform.thresholds import best_balanced_threshold

#: Named classifiers; any other value must be an unfitted scikit-learn estimator to clone.
CLASSIFIERS: tuple[str, ...] = ("logistic", "gradient_boosting")


def make_classifier(classifier: Any, seed: int) -> Any:
    """A fresh estimator: ``"logistic"`` (standardised logistic regression),
    ``"gradient_boosting"`` (histogram gradient boosting) or a clone of a given estimator."""
    if isinstance(classifier, str):
        if classifier == "logistic":
            from sklearn.linear_model import LogisticRegression
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import StandardScaler

            return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        if classifier == "gradient_boosting":
            from sklearn.ensemble import HistGradientBoostingClassifier

            return HistGradientBoostingClassifier(random_state=seed)
        raise ConfigError(
            f"unknown classifier {classifier!r}; use one of {', '.join(CLASSIFIERS)} "
            "or pass a scikit-learn estimator"
        )
    from sklearn.base import clone

    return clone(classifier)


def member_proba(clf: Any, X: np.ndarray) -> np.ndarray:
    """Probability of the member class, found by looking up label 1 in ``clf.classes_``."""
    classes = np.asarray(clf.classes_)
    column = np.flatnonzero(classes == 1)
    if column.size != 1:
        raise EvaluationError(
            f"the classifier's classes_ {classes.tolist()} do not contain the member label 1"
        )
    return np.asarray(clf.predict_proba(X), dtype=np.float64)[:, int(column[0])]


def fit_with_threshold(
    classifier: Any, X: np.ndarray, y: np.ndarray, groups: np.ndarray, seed: int
) -> tuple[Any, float]:
    """Fit on all rows; choose the threshold on out-of-group predictions.

    ``groups`` names the shadow model each row comes from. With at least two shadows, each one is
    held out in turn, a classifier trained on the others scores it, and the balanced-accuracy
    threshold is chosen on these held-out scores: in-sample scores of a flexible classifier are
    overconfident, so a threshold tuned on them would not transfer to the target. With a single
    shadow there is nothing to hold out and the in-sample scores are used.
    """
    y = np.asarray(y).astype(np.int64)
    clf = make_classifier(classifier, seed).fit(X, y)
    ids = np.unique(groups)
    if ids.size < 2:
        return clf, best_balanced_threshold(member_proba(clf, X), y)
    held_out = np.empty(len(y))
    for g in ids:
        test = groups == g
        part = make_classifier(classifier, seed).fit(X[~test], y[~test])
        held_out[test] = member_proba(part, X[test])
    return clf, best_balanced_threshold(held_out, y)
