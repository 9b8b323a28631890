"""Helpers shared by the built-in aggregators: pooling shadow users."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mia_platform.errors import ConfigError
from mia_platform.grouping import UserGroups
from mia_platform.interfaces import AttackContext, Outputs


def shadow_users(
    ctx: AttackContext,
    per_user: Callable[[Outputs, UserGroups, int], np.ndarray],
    aggregator: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-user values on every shadow, pooled: ``(values, in-labels, shadow index)``.

    ``per_user(aux_outputs, groups, shadow_index)`` returns one row per user of ``groups``. A
    shadow user is a member (1) if its texts were in that shadow's training set; in-users are
    drawn by user, so all of a user's texts share the in-mask.
    """
    if not ctx.shadows:
        raise ConfigError(
            f"aggregator {aggregator!r} needs shadow models to calibrate on; configure shadows >= 1"
        )
    values, labels, groups = [], [], []
    for s, shadow in enumerate(ctx.shadows):
        users = UserGroups.of(shadow.aux.users)
        values.append(np.asarray(per_user(shadow.aux, users, s)))
        labels.append(users.any(shadow.in_mask).astype(np.int64))
        groups.append(np.full(users.users.size, s))
    return np.concatenate(values), np.concatenate(labels), np.concatenate(groups)
