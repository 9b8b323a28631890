"""Helpers for testing mia-platform plugins: a fake target and temporary registration.

The pytest plugin :mod:`mia_platform.pytest_plugin` adds the fixture ``mia_pm``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from mia_platform.manager import MiaPluginManager


class FakeTarget:
    """A deterministic target with no weights: logits derived from a hash of each text.

    Texts in ``memorised`` get their label's logit raised by ``boost``, imitating a model that
    fits its training data, so attacks have something to find.
    """

    output_kind = "logits"

    def __init__(
        self,
        label_names: Sequence[str],
        memorised: dict[str, int] | None = None,
        boost: float = 4.0,
    ) -> None:
        self.label_names = list(label_names)
        self.num_classes = len(self.label_names)
        self.memorised = dict(memorised or {})
        self.boost = boost
        self.calls = 0

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256(repr(sorted(self.memorised.items())).encode()).hexdigest()
        return f"fake-{self.num_classes}-{digest[:16]}"

    def predict_logits(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.empty((len(texts), self.num_classes), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            out[i] = np.random.default_rng(seed).normal(size=self.num_classes)
            if text in self.memorised:
                out[i, self.memorised[text]] += self.boost
        return out


@contextmanager
def registered(pm: MiaPluginManager, plugin: Any, name: str) -> Iterator[Any]:
    """Register ``plugin`` on ``pm`` for the duration of a ``with`` block."""
    pm.register(plugin, name=name)
    pm.reset_components()
    try:
        yield plugin
    finally:
        pm.unregister(name=name)
        pm.reset_components()
