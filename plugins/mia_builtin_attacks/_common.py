"""Helpers shared by the built-in attacks: oriented features and pooling shadow data."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mia_platform.errors import ConfigError
from mia_platform.interfaces import AttackContext, Outputs


def oriented(ctx: AttackContext, name: str, outputs: Outputs) -> np.ndarray:
    """Feature ``name`` on ``outputs``, signed so that higher = more member-like."""
    spec = ctx.feature(name)
    values = np.asarray(spec.compute(outputs.logits, outputs.labels), dtype=np.float64)
    return spec.orient(values)


def shadow_pool(
    ctx: AttackContext, fn: Callable[[Outputs], np.ndarray], attack: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``fn`` on every shadow's aux outputs, pooled: ``(values, in-labels, shadow index)``."""
    if not ctx.shadows:
        raise ConfigError(
            f"attack {attack!r} needs shadow models; configure shadows >= 1 "
            "or use the shadow-free attack 'population'"
        )
    values = [np.asarray(fn(sh.aux)) for sh in ctx.shadows]
    labels = [np.asarray(sh.in_mask, dtype=np.int64) for sh in ctx.shadows]
    groups = [np.full(len(v), s) for s, v in enumerate(values)]
    return np.concatenate(values), np.concatenate(labels), np.concatenate(groups)
