"""Threshold selection on attacker data and per-user grouping (core helpers)."""

from __future__ import annotations

import numpy as np
import pytest

from mia_platform.errors import EvaluationError
from mia_platform.grouping import STATS, UserGroups
from mia_platform.thresholds import best_balanced_threshold, threshold_at_fpr


def test_best_balanced_threshold_is_the_midpoint_of_the_best_gap() -> None:
    assert best_balanced_threshold([0.1, 0.2, 0.3, 0.4], [0, 0, 1, 1]) == pytest.approx(0.25)
    # Unbalanced classes: balanced accuracy, not accuracy, decides (cut at 0.25 -> BA 0.875).
    assert best_balanced_threshold([0.0, 0.1, 0.2, 0.3, 0.5], [0, 0, 0, 1, 0]) == pytest.approx(
        0.25
    )


def test_best_balanced_threshold_ties_and_equal_scores() -> None:
    # Cuts "all member" and ">= 2" both give BA 0.5: the middle (first of two) is taken.
    assert best_balanced_threshold([1.0, 1.0, 2.0, 2.0], [0, 1, 0, 1]) == 1.0
    t = best_balanced_threshold([0.0, 1.0, 1.0, 1.0, 2.0], [0, 1, 1, 0, 1])
    assert t == 0.5  # the three equal scores fall on the same side


def test_best_balanced_threshold_needs_both_classes() -> None:
    with pytest.raises(EvaluationError) as err:
        best_balanced_threshold([0.1, 0.2], [1, 1])
    assert str(err.value) == (
        "threshold selection needs both member and non-member examples in the attacker's data, "
        "got 2 members of 2"
    )


def test_threshold_at_fpr() -> None:
    negatives = np.arange(100, dtype=float)
    t = threshold_at_fpr(negatives, 0.05)
    assert 94.0 < t < 94.0001
    assert np.mean(negatives >= t) == 0.05
    assert threshold_at_fpr(negatives, 0.0) > 99.0
    assert threshold_at_fpr(negatives, 1.0) == 0.0


def test_user_stats_match_numpy_per_group_and_one_text_gives_std_zero() -> None:
    rng = np.random.default_rng(0)
    users = rng.integers(0, 12, 200) * 7 + 3
    users[0] = 1000  # a user with exactly one text
    values = rng.normal(size=200)
    groups = UserGroups.of(users)
    assert groups.users.tolist() == sorted(set(users.tolist()))
    stats = groups.stats(values)
    assert stats.shape == (groups.users.size, len(STATS))
    for row, user in enumerate(groups.users):
        v = values[users == user]
        expected = [
            v.mean(),
            v.std(ddof=0),
            v.min(),
            v.max(),
            np.median(v),
            np.percentile(v, 25),
            np.percentile(v, 75),
        ]
        np.testing.assert_allclose(stats[row], expected, rtol=1e-12, atol=1e-12)
    single = int(np.flatnonzero(groups.users == 1000)[0])
    assert stats[single].tolist() == [values[0], 0.0, *[values[0]] * 5]
    np.testing.assert_allclose(groups.max(values)[single], values[0])
    assert groups.counts[single] == 1
