"""Hook implementation: the built-in data, training and output defenses (SPEC section 7).

Cheap to import: the defense modules need only numpy and the standard library at import time;
DP-SGD imports torch and opacus when it wraps a model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mia_builtin_defenses._params import DefenseParamError
from mia_builtin_defenses.output import GaussianNoise, LabelOnly, Round, Temperature, TopK
from mia_builtin_defenses.perturb import TextPerturbation
from mia_builtin_defenses.training import DPSGD, LabelSmoothing
from mia_platform import DefenseSpec, hookimpl


def _factory(name: str, make: Callable[..., Any], allowed: tuple[str, ...]) -> Callable[..., Any]:
    """``make(**params)``, refusing parameter names outside ``allowed`` with a clear message."""

    def factory(**params: Any) -> Any:
        unknown = sorted(set(params) - set(allowed))
        if unknown:
            raise DefenseParamError(
                f"defense {name!r}: unknown parameter {unknown[0]!r}; "
                f"allowed: {', '.join(allowed) if allowed else 'none'}"
            )
        return make(**params)

    factory.__name__ = f"make_{name}"
    factory.__doc__ = f"Build the {name!r} defense from keyword parameters {allowed}."
    return factory


def _perturbation(name: str, ops: tuple[str, ...]) -> Callable[..., TextPerturbation]:
    def make(**params: Any) -> TextPerturbation:
        return TextPerturbation(ops=ops, name=name, **params)

    return make


def _data(name: str, summary: str, make: Callable[..., Any], allowed: tuple[str, ...]) -> Any:
    return DefenseSpec(
        name=name, defense_kind="data", factory=_factory(name, make, allowed), summary=summary
    )


@hookimpl
def mia_defenses() -> list[DefenseSpec]:
    """Four word/character perturbations and their combination, DP-SGD, label smoothing and five
    output hardenings."""
    return [
        _data(
            "perturb",
            "Text perturbation: any of delete, swap, substitute, char at per-word rate p",
            lambda **kw: TextPerturbation(name="perturb", **kw),
            ("p", "ops", "lexicon"),
        ),
        _data(
            "word_delete",
            "Delete each word with probability p (at least one word is kept)",
            _perturbation("word_delete", ("delete",)),
            ("p",),
        ),
        _data(
            "word_swap",
            "Swap each word with its right neighbour with probability p",
            _perturbation("word_swap", ("swap",)),
            ("p",),
        ),
        _data(
            "word_substitute",
            "Replace each word by a MiniLM embedding neighbour with probability p",
            _perturbation("word_substitute", ("substitute",)),
            ("p", "lexicon"),
        ),
        _data(
            "char_noise",
            "One random character edit per word with probability p",
            _perturbation("char_noise", ("char",)),
            ("p",),
        ),
        DefenseSpec(
            name="dp_sgd",
            defense_kind="training",
            factory=_factory(
                "dp_sgd",
                DPSGD,
                ("epsilon", "delta", "max_grad_norm", "noise_multiplier", "accountant"),
            ),
            summary="DP-SGD through Opacus (Poisson sampling, clipping, noise for a target epsilon)",
            requires=("opacus", "torch"),
        ),
        DefenseSpec(
            name="label_smoothing",
            defense_kind="training",
            factory=_factory("label_smoothing", LabelSmoothing, ("epsilon",)),
            summary="Cross-entropy against smoothed targets (mass epsilon spread over all classes)",
        ),
        DefenseSpec(
            name="top_k",
            defense_kind="output",
            factory=_factory("top_k", TopK, ("k",)),
            summary="Return only the k largest classes, renormalised (the rest at log 1e-12)",
        ),
        DefenseSpec(
            name="round",
            defense_kind="output",
            factory=_factory("round", Round, ("decimals",)),
            summary="Return probabilities rounded to a number of decimals",
        ),
        DefenseSpec(
            name="label_only",
            defense_kind="output",
            factory=_factory("label_only", LabelOnly, ()),
            summary="Return only the predicted label (one-hot of the argmax)",
        ),
        DefenseSpec(
            name="temperature",
            defense_kind="output",
            factory=_factory("temperature", Temperature, ("temperature",)),
            summary="Divide the logits by a temperature",
        ),
        DefenseSpec(
            name="gaussian_noise",
            defense_kind="output",
            factory=_factory("gaussian_noise", GaussianNoise, ("sigma", "seed")),
            summary="Add seeded Gaussian noise N(0, sigma^2) to every logit",
        ),
    ]
