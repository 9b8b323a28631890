"""Numerically stable log-space primitives over logits.

Every feature and attack works from logits in float64 and stays in log space (SPEC section 3):
``softmax`` followed by ``log`` underflows to ``-inf`` for logits of a few hundred, while these
helpers stay finite for logits up to 1e4 in magnitude and for two classes.
"""

from __future__ import annotations

import numpy as np

from mia_platform.errors import DataError, TargetError


def as_logits(logits: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Validate and convert ``logits [n, K]`` and ``labels [n]`` to float64 / int64.

    :raises TargetError: if any logit is NaN or infinite, or K < 2.
    :raises DataError: if a label id is outside ``0..K-1``.
    """
    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(labels)
    if z.ndim != 2 or y.ndim != 1 or z.shape[0] != y.shape[0]:
        raise ValueError(f"logits {z.shape} and labels {y.shape} must be [n, K] and [n]")
    if z.shape[1] < 2:
        raise TargetError(f"features need at least 2 classes, the outputs have {z.shape[1]}")
    if not np.isfinite(z).all():
        bad = int(np.flatnonzero(~np.isfinite(z).all(axis=1))[0])
        raise TargetError(f"model output row {bad} has a NaN or infinite logit: {z[bad].tolist()}")
    if y.size and (not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= z.shape[1]):
        raise DataError(
            f"label ids must be integers in 0..{z.shape[1] - 1} for {z.shape[1]}-class outputs, "
            f"got values {np.unique(y)[:10].tolist()}"
        )
    return z, y.astype(np.int64)


def logsumexp(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """``log(sum(exp(z)))`` along ``axis``, shifted by the maximum; ``-inf`` rows stay ``-inf``."""
    m = np.max(z, axis=axis, keepdims=True)
    m_safe = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(z - m_safe), axis=axis, keepdims=True)) + m_safe
    return np.squeeze(out, axis=axis)


def log_softmax(z: np.ndarray) -> np.ndarray:
    """Log-probabilities ``z - logsumexp(z)`` row-wise."""
    return z - logsumexp(z, axis=1)[:, None]


def true_logit(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``z[i, y[i]]`` for every row."""
    return np.take_along_axis(z, y[:, None], axis=1)[:, 0]


def logsumexp_except(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``logsumexp`` over the classes other than ``y[i]`` (the log-odds denominator of LiRA)."""
    masked = z.copy()
    np.put_along_axis(masked, y[:, None], -np.inf, axis=1)
    return logsumexp(masked, axis=1)


def log_complement_probs(z: np.ndarray) -> np.ndarray:
    """``log(1 - p_k)`` for every class, finite even where ``p_k`` rounds to 1.

    Only the arg-max class of a row can have ``p_k > 1/2``; for it the value is computed exactly
    as ``logsumexp_{j != k} z_j - logsumexp(z)``, for the others as ``log1p(-p_k)``.
    """
    lse = logsumexp(z, axis=1)
    logp = z - lse[:, None]
    with np.errstate(divide="ignore"):
        out = np.log1p(-np.exp(logp))
    top = np.argmax(z, axis=1)
    np.put_along_axis(out, top[:, None], (logsumexp_except(z, top) - lse)[:, None], axis=1)
    return out
