"""Group per-text values by user, vectorised (``np.unique`` + ``bincount`` + one sort).

Only users that have at least one text appear: a user whose texts were all dropped simply gets
no row, so nobody is ever scored 0 or NaN for lack of data (SPEC section 5).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The per-user statistics of the learned user aggregator, in column order.
STATS: tuple[str, ...] = ("mean", "std", "min", "max", "median", "p25", "p75")


@dataclass(frozen=True)
class UserGroups:
    """The users of a text vector.

    :param users: sorted unique user ids.
    :param inverse: for each text, the row of its user in ``users``.
    :param counts: number of texts per user.
    """

    users: np.ndarray
    inverse: np.ndarray
    counts: np.ndarray

    @classmethod
    def of(cls, users: np.ndarray) -> UserGroups:
        u, inv, counts = np.unique(np.asarray(users), return_inverse=True, return_counts=True)
        return cls(users=u, inverse=inv.ravel(), counts=counts)

    def sum(self, values: np.ndarray) -> np.ndarray:
        """Sum of ``values`` per user."""
        return np.bincount(self.inverse, weights=values, minlength=self.users.size)

    def mean(self, values: np.ndarray) -> np.ndarray:
        """Mean of ``values`` per user."""
        return self.sum(np.asarray(values, dtype=np.float64)) / self.counts

    def max(self, values: np.ndarray) -> np.ndarray:
        """Maximum of ``values`` per user."""
        out = np.full(self.users.size, -np.inf)
        np.maximum.at(out, self.inverse, np.asarray(values, dtype=np.float64))
        return out

    def any(self, flags: np.ndarray) -> np.ndarray:
        """True for users with at least one flagged text."""
        return self.sum(np.asarray(flags, dtype=np.float64)) > 0

    def stats(self, values: np.ndarray) -> np.ndarray:
        """``[n_users, 7]`` columns :data:`STATS`; std uses ddof=0 (one text -> 0, never NaN).

        Quantiles interpolate linearly between order statistics, as ``np.percentile`` does.
        """
        v = np.asarray(values, dtype=np.float64)
        mean = self.mean(v)
        # Centred two-pass variance: no cancellation for large values with a small spread.
        var = self.sum((v - mean[self.inverse]) ** 2) / self.counts
        order = np.lexsort((v, self.inverse))
        sorted_v = v[order]
        starts = np.concatenate(([0], np.cumsum(self.counts)[:-1]))

        def quantile(q: float) -> np.ndarray:
            pos = starts + q * (self.counts - 1)
            lo = np.floor(pos).astype(np.int64)
            hi = np.ceil(pos).astype(np.int64)
            frac = pos - lo
            return sorted_v[lo] + (sorted_v[hi] - sorted_v[lo]) * frac

        return np.column_stack(
            [
                mean,
                np.sqrt(var),
                sorted_v[starts],
                sorted_v[starts + self.counts - 1],
                quantile(0.5),
                quantile(0.25),
                quantile(0.75),
            ]
        )
