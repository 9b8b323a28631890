"""Typed records that registration hooks return.

Each plugin describes what it provides with one of these frozen records; the host flattens them into
name -> record maps, stamps each with the plugin that registered it and refuses duplicate names.
Keeping them as plain dataclasses (no heavy imports) lets `mia plugins` list components without
loading torch or any model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

#: The component kinds a plugin can provide, in the order the CLI lists them.
KINDS: tuple[str, ...] = (
    "backend",
    "dataset",
    "feature",
    "attack",
    "aggregator",
    "defense",
    "recipe",
    "report",
)

#: Defense kinds of SPEC section 7.
DefenseKind = Literal["data", "training", "output"]


@dataclass(frozen=True)
class ComponentSpec:
    """Fields every component record shares.

    :param name: the name users type in configs and on the command line; unique per kind.
    :param summary: one sentence for listings.
    :param requires: extra packages the component needs at run time (for hints, not enforced).
    :param capabilities: free-form flags (e.g. ``"cuda"``, ``"needs_shadows"``).
    :param plugin: filled in by the host with the registering plugin's name; leave empty.
    """

    name: str
    summary: str = ""
    requires: tuple[str, ...] = ()
    capabilities: tuple[str, ...] = ()
    plugin: str = field(default="", compare=False)

    kind: str = field(default="", init=False, repr=False)


@dataclass(frozen=True)
class BackendSpec(ComponentSpec):
    """A target backend: ``factory(uri, **options) -> Target`` opens a model."""

    factory: Callable[..., Any] = field(default=None, repr=False)  # type: ignore[assignment]
    kind: str = field(default="backend", init=False, repr=False)


@dataclass(frozen=True)
class DatasetSpec(ComponentSpec):
    """A named dataset: ``factory(**options) -> Dataset`` (e.g. the embedded default)."""

    factory: Callable[..., Any] = field(default=None, repr=False)  # type: ignore[assignment]
    kind: str = field(default="dataset", init=False, repr=False)


@dataclass(frozen=True)
class FeatureSpec(ComponentSpec):
    """A per-text feature computed from logits.

    :param compute: ``compute(logits [n, K] float, labels [n] int) -> float64 [n]``.
    :param higher_is_member: orientation: True if larger values suggest membership. Attacks use
        ``orient()`` so that every score is "higher = more member-like".
    """

    compute: Callable[..., Any] = field(default=None, repr=False)  # type: ignore[assignment]
    higher_is_member: bool = True
    kind: str = field(default="feature", init=False, repr=False)

    def orient(self, values: Any) -> Any:
        """Return ``values`` signed so that higher means more member-like."""
        return values if self.higher_is_member else -values


@dataclass(frozen=True)
class AttackSpec(ComponentSpec):
    """A sample-level attack: ``factory(**params) -> SampleAttack``.

    :param per_feature: True if the attack takes a ``feature`` parameter and the default experiment
        should run it once per registered feature (as ``name[feature]``).
    """

    factory: Callable[..., Any] = field(default=None, repr=False)  # type: ignore[assignment]
    per_feature: bool = False
    kind: str = field(default="attack", init=False, repr=False)


@dataclass(frozen=True)
class AggregatorSpec(ComponentSpec):
    """A user-level aggregator: ``factory(**params) -> UserAggregator``.

    :param per_feature: as for :class:`AttackSpec`.
    :param per_attack: True if it takes an ``attack`` parameter (a sample-level attack to lift to
        users) and the default experiment should run it once per sample attack.
    """

    factory: Callable[..., Any] = field(default=None, repr=False)  # type: ignore[assignment]
    per_feature: bool = False
    per_attack: bool = False
    kind: str = field(default="aggregator", init=False, repr=False)


@dataclass(frozen=True)
class DefenseSpec(ComponentSpec):
    """A defense: ``factory(**params) -> DataDefense | TrainingDefense | OutputDefense``.

    :param defense_kind: ``data``, ``training`` or ``output`` (SPEC section 7).
    """

    factory: Callable[..., Any] = field(default=None, repr=False)  # type: ignore[assignment]
    defense_kind: DefenseKind = "output"
    kind: str = field(default="defense", init=False, repr=False)


@dataclass(frozen=True)
class RecipeSpec(ComponentSpec):
    """A model recipe: ``factory(**hyperparams) -> Recipe``, used for the target and every shadow."""

    factory: Callable[..., Any] = field(default=None, repr=False)  # type: ignore[assignment]
    kind: str = field(default="recipe", init=False, repr=False)


@dataclass(frozen=True)
class ReportSpec(ComponentSpec):
    """A report writer: ``write(results: dict, run_dir: Path) -> Path`` of the file it wrote."""

    write: Callable[..., Any] = field(default=None, repr=False)  # type: ignore[assignment]
    kind: str = field(default="report", init=False, repr=False)


SPEC_TYPES: dict[str, type[ComponentSpec]] = {
    "backend": BackendSpec,
    "dataset": DatasetSpec,
    "feature": FeatureSpec,
    "attack": AttackSpec,
    "aggregator": AggregatorSpec,
    "defense": DefenseSpec,
    "recipe": RecipeSpec,
    "report": ReportSpec,
}
