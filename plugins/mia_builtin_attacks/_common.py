"""Helpers shared by the built-in attacks: feature lookup and pooling shadow data."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mia_platform.errors import ConfigError, UnknownComponentError
from mia_platform.interfaces import AttackContext, Outputs
from mia_platform.specs import FeatureSpec


def feature_spec(ctx: AttackContext, name: str) -> FeatureSpec:
    """The registered feature ``name``, or a clear error listing the ones available."""
    try:
        return ctx.features[name]
    except KeyError:
        raise UnknownComponentError(
            f"unknown feature {name!r}; registered features: {', '.join(sorted(ctx.features))}"
        ) from None


def oriented(ctx: AttackContext, name: str, outputs: Outputs) -> np.ndarray:
    """Feature ``name`` on ``outputs``, signed so that higher = more member-like."""
    spec = feature_spec(ctx, name)
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
