"""Output hardening (``output`` defenses): change what a query returns, not the model.

Every ``harden`` takes float logits ``[n, K]`` and returns float32 ``[n, K]``; ``output_kind`` says
whether the result holds logits (log-probabilities count as logits) or probabilities. The host turns
probabilities into ``log(max(p, 1e-12))`` before computing features (SPEC section 3), so every
result here stays finite.
"""

from __future__ import annotations

import numpy as np

from mia_builtin_defenses._params import integer, real
from mia_platform.errors import TargetError

#: Log-probability given to the classes top-k hides (the host's probability floor).
LOG_FLOOR = float(np.log(1e-12))


def _as_logits(name: str, logits: np.ndarray) -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim != 2 or z.shape[1] < 1:
        raise TargetError(
            f"defense {name!r}: expected logits of shape [n, K], got shape {np.shape(logits)}"
        )
    return z


def log_softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax in float64, stable for large logits."""
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


class TopK:
    """Keep the ``k`` most likely classes, renormalised among themselves.

    Returns log-probabilities: for the top ``k`` (ties broken towards the lower class index),
    ``z_i - logsumexp(top-k z)``; every other class gets ``log(1e-12)``. Softmax of the result is
    the renormalised top-k distribution up to the ``(K-k) * 1e-12`` mass of the floor.
    """

    output_kind = "logits"

    def __init__(self, *, k: int = 1) -> None:
        self.k = integer("top_k", "k", k, low=1)

    def __repr__(self) -> str:
        return f"TopK(k={self.k})"

    def harden(self, logits: np.ndarray) -> np.ndarray:
        z = _as_logits("top_k", logits)
        k = min(self.k, z.shape[1])
        top = np.argsort(-z, axis=1, kind="stable")[:, :k]
        kept = np.take_along_axis(z, top, axis=1)
        out = np.full_like(z, LOG_FLOOR)
        np.put_along_axis(out, top, log_softmax(kept), axis=1)
        return out.astype(np.float32)


class Round:
    """Return the softmax probabilities rounded to ``decimals`` decimal places."""

    output_kind = "probabilities"

    def __init__(self, *, decimals: int = 2) -> None:
        self.decimals = integer("round", "decimals", decimals, low=0)

    def __repr__(self) -> str:
        return f"Round(decimals={self.decimals})"

    def harden(self, logits: np.ndarray) -> np.ndarray:
        p = np.exp(log_softmax(_as_logits("round", logits)))
        return np.round(p, self.decimals).astype(np.float32)


class LabelOnly:
    """Return only the predicted label: the one-hot of each row's argmax (first on ties)."""

    output_kind = "probabilities"

    def __repr__(self) -> str:
        return "LabelOnly()"

    def harden(self, logits: np.ndarray) -> np.ndarray:
        z = _as_logits("label_only", logits)
        out = np.zeros(z.shape, dtype=np.float32)
        out[np.arange(len(z)), z.argmax(axis=1)] = 1.0
        return out


class Temperature:
    """Divide the logits by ``temperature`` (> 1 flattens the output, < 1 sharpens it)."""

    output_kind = "logits"

    def __init__(self, *, temperature: float = 2.0) -> None:
        self.temperature = real("temperature", "temperature", temperature, low=0.0, low_open=True)

    def __repr__(self) -> str:
        return f"Temperature(temperature={self.temperature})"

    def harden(self, logits: np.ndarray) -> np.ndarray:
        return (_as_logits("temperature", logits) / self.temperature).astype(np.float32)


class GaussianNoise:
    """Add independent ``N(0, sigma^2)`` noise to every logit.

    The noise comes from one ``numpy`` generator seeded with ``seed`` when the defense is made, so
    a fresh defense answering the same sequence of calls returns the same outputs; the same text
    queried twice gets different noise (an attacker may average repeated queries).
    """

    output_kind = "logits"

    def __init__(self, *, sigma: float = 1.0, seed: int = 0) -> None:
        self.sigma = real("gaussian_noise", "sigma", sigma, low=0.0)
        self.seed = integer("gaussian_noise", "seed", seed, low=0)
        self._rng = np.random.default_rng(self.seed)

    def __repr__(self) -> str:
        return f"GaussianNoise(sigma={self.sigma}, seed={self.seed})"

    def harden(self, logits: np.ndarray) -> np.ndarray:
        z = _as_logits("gaussian_noise", logits)
        return (z + self._rng.normal(0.0, self.sigma, size=z.shape)).astype(np.float32)
