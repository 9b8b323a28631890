"""The per-text features of SPEC section 3, vectorised over rows, float64, in log space.

Each function takes ``logits [n, K]`` and true ``labels [n]`` and returns float64 ``[n]``. Values
stay finite for logits up to 1e4 in magnitude and for K = 2 because nothing is exponentiated
before the log is taken: probabilities appear only as weights ``exp(log p)`` multiplying finite
log terms.
"""

from __future__ import annotations

import numpy as np

from mia_platform.numerics import (
    as_logits,
    log_complement_probs,
    log_softmax,
    logsumexp,
    logsumexp_except,
    true_logit,
)


def loss(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Cross-entropy ``logsumexp(z) - z_y``."""
    z, y = as_logits(logits, labels)
    return logsumexp(z, axis=1) - true_logit(z, y)


def confidence(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Probability of the true label, ``p_y = exp(-loss)``."""
    return np.exp(-loss(logits, labels))


def rank(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``1 + #{k : z_k > z_y}``; classes tied with the true label are not counted."""
    z, y = as_logits(logits, labels)
    return 1.0 + np.sum(z > true_logit(z, y)[:, None], axis=1).astype(np.float64)


def entropy(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Shannon entropy ``-sum_k p_k log p_k`` of the output distribution (labels unused)."""
    z, _ = as_logits(logits, labels)
    logp = log_softmax(z)
    return -np.sum(np.exp(logp) * logp, axis=1)


def mentr(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Modified entropy (Song & Mittal 2021).

    ``-(1 - p_y) log p_y - sum_{k != y} p_k log(1 - p_k)`` with ``log p_y = -loss``,
    ``1 - p_y = -expm1(log p_y)`` and ``log(1 - p_k)`` from :func:`log_complement_probs`.
    """
    z, y = as_logits(logits, labels)
    logp = log_softmax(z)
    logp_y = true_logit(logp, y)
    first = np.expm1(logp_y) * logp_y  # -(1 - p_y) * log p_y
    terms = np.exp(logp) * log_complement_probs(z)
    np.put_along_axis(terms, y[:, None], 0.0, axis=1)
    return first - np.sum(terms, axis=1)


def margin(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``z_y - max_{k != y} z_k``."""
    z, y = as_logits(logits, labels)
    others = z.copy()
    np.put_along_axis(others, y[:, None], -np.inf, axis=1)
    return true_logit(z, y) - others.max(axis=1)


def scaled_logit(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """LiRA statistic ``log p_y - log(1 - p_y) = z_y - logsumexp_{k != y} z_k``."""
    z, y = as_logits(logits, labels)
    return true_logit(z, y) - logsumexp_except(z, y)


def correct(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """1.0 where ``argmax z == y`` (first maximum on ties), else 0.0."""
    z, y = as_logits(logits, labels)
    return (np.argmax(z, axis=1) == y).astype(np.float64)
