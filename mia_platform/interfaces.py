"""The contracts between the host and its components.

Targets answer queries; attacks and aggregators are fitted on what the attacker may see (an
:class:`AttackContext`) and then score the target's candidates. The context deliberately holds no
evaluation membership labels, so no threshold can be tuned on them (SPEC sections 4-6).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from mia_platform.specs import FeatureSpec

OutputKind = Literal["logits", "probabilities"]

#: The JSON file a recipe writes into each model directory it trains: what training measured and
#: cost, e.g. ``{"train_accuracy": 0.8, "defenses": {"DPSGD": {"epsilon": 7.9, "delta": 1e-5}}}``.
TRAINING_RECORD = "mia_training.json"


@runtime_checkable
class Target(Protocol):
    """A black-box text classifier the attacker can query.

    ``predict_logits`` returns float32 ``[n, K]`` in input order. A target that only exposes
    probabilities sets ``output_kind = "probabilities"`` and returns them instead.
    """

    num_classes: int
    label_names: list[str]
    output_kind: OutputKind

    @property
    def fingerprint(self) -> str:
        """A stable hash of the model (weights and config), used as the output-cache key."""
        ...

    def predict_logits(self, texts: Sequence[str]) -> np.ndarray:
        """Query the model on ``texts``; float32 ``[len(texts), num_classes]``."""
        ...


@dataclass(frozen=True)
class Outputs:
    """One model's outputs on a list of texts.

    :param logits: float ``[n, K]``; log-probabilities are valid logits (softmax is unchanged).
    :param labels: int ``[n]`` true label ids.
    :param users: int ``[n]`` user ids (codes shared across every ``Outputs`` of one run).
    """

    logits: np.ndarray
    labels: np.ndarray
    users: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.labels)
        if self.logits.ndim != 2 or self.logits.shape[0] != n or len(self.users) != n:
            raise ValueError(
                f"Outputs: logits {self.logits.shape}, labels {len(self.labels)} and users "
                f"{len(self.users)} must agree on n"
            )


@dataclass(frozen=True)
class ShadowOutputs:
    """One shadow model's view.

    :param aux: the shadow's outputs on the attacker pool's texts (same order for every shadow).
    :param in_mask: bool ``[len(aux)]``: True where the text's user was among this shadow's in-users.
    :param candidates: the shadow's outputs on the target's candidate texts (all OUT for the shadow),
        for reference-model attacks (``reference``, ``lira_offline``, ``rmia``).
    """

    aux: Outputs
    in_mask: np.ndarray
    candidates: Outputs | None = None


@dataclass(frozen=True)
class AttackContext:
    """Everything an attack may use, and nothing it may not.

    :param candidates: the target's outputs on the texts whose membership is in question.
    :param population: the target's outputs on the attacker's own texts (non-members by
        construction), for shadow-free attacks.
    :param shadows: the shadow models' outputs.
    :param features: every registered feature, by name (so attacks need not import plugins).
    :param seed: for any randomness inside ``fit``.
    """

    candidates: Outputs
    population: Outputs
    shadows: Sequence[ShadowOutputs]
    features: Mapping[str, FeatureSpec]
    seed: int = 0
    info: Mapping[str, Any] = field(default_factory=dict)

    def feature(self, name: str) -> FeatureSpec:
        """The registered feature ``name``, or a clear error listing the ones available."""
        from mia_platform.errors import UnknownComponentError

        try:
            return self.features[name]
        except KeyError:
            known = ", ".join(sorted(self.features))
            raise UnknownComponentError(
                f"unknown feature {name!r}; registered features: {known}"
            ) from None


class SampleAttack(Protocol):
    """A sample-level membership inference attack (SPEC section 4).

    ``fit`` sees only the context; ``score`` returns one float per candidate text, higher = more
    member-like; ``threshold`` is the decision threshold on that scale chosen in ``fit``.
    """

    threshold: float

    def fit(self, ctx: AttackContext) -> SampleAttack: ...

    def score(self, ctx: AttackContext) -> np.ndarray: ...

    def score_outputs(self, outputs: Outputs, ctx: AttackContext) -> np.ndarray:
        """Score arbitrary outputs (e.g. a shadow's) with the fitted attack; used to lift
        sample attacks to users on shadow users."""
        ...


@dataclass(frozen=True)
class UserScores:
    """Per-user scores: ``users`` are user ids (as in :class:`Outputs`), ``scores`` floats."""

    users: np.ndarray
    scores: np.ndarray


class UserAggregator(Protocol):
    """A user-level attack (SPEC section 5): one score per candidate user, higher = member."""

    threshold: float

    def fit(self, ctx: AttackContext) -> UserAggregator: ...

    def score_users(self, ctx: AttackContext) -> UserScores: ...


class DataDefense(Protocol):
    """Rewrites training texts (``kind: data``). Deterministic for a seed; terminates on any text."""

    def perturb(self, texts: Sequence[str], seed: int) -> list[str]: ...


class TrainingDefense(Protocol):
    """Changes how a recipe trains (``kind: training``).

    ``wrap`` receives the model, optimizer and data loader right before the training loop and
    returns the ones to use; ``label_smoothing`` is passed to the cross-entropy loss; ``spent``
    reports what the defense cost (e.g. ``{"epsilon": 7.9, "delta": 1e-5}``) after training.
    """

    label_smoothing: float

    def wrap(self, model: Any, optimizer: Any, loader: Any, *, epochs: int, seed: int) -> tuple: ...

    def spent(self) -> dict[str, float]: ...


class OutputDefense(Protocol):
    """Changes what a query returns (``kind: output``): ``harden(logits) -> outputs``.

    ``output_kind`` says what the hardened array holds ("logits" or "probabilities").
    """

    output_kind: OutputKind

    def harden(self, logits: np.ndarray) -> np.ndarray: ...


class Recipe(Protocol):
    """How to train a classifier; the same recipe trains the target and every shadow."""

    @property
    def fingerprint(self) -> str:
        """A stable hash of the recipe's name and hyper-parameters (part of cache keys)."""
        ...

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
        """Train and save a model directory (safetensors) at ``out_dir``, with a
        :data:`TRAINING_RECORD` in it; return its path, which the backends can open."""
        ...
