"""The typed facade over ``pm.hook``: components by kind, with provenance and conflict checks.

Registration hooks are called implementation by implementation, so each record is stamped with the
plugin that returned it and a bad return value is blamed on the right plugin. Nothing outside this
module and :mod:`mia_platform.manager` calls pluggy.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mia_platform.errors import (
    ComponentConflictError,
    MiaError,
    TargetError,
    UnknownComponentError,
)
from mia_platform.specs import (
    SPEC_TYPES,
    AggregatorSpec,
    AttackSpec,
    BackendSpec,
    ComponentSpec,
    DatasetSpec,
    DefenseSpec,
    FeatureSpec,
    RecipeSpec,
    ReportSpec,
)

if TYPE_CHECKING:
    from mia_platform.data import Dataset
    from mia_platform.interfaces import Target
    from mia_platform.manager import MiaPluginManager

#: Registration hook for each component kind.
HOOK_OF_KIND: dict[str, str] = {
    "backend": "mia_target_backends",
    "dataset": "mia_datasets",
    "feature": "mia_feature_extractors",
    "attack": "mia_sample_attacks",
    "aggregator": "mia_user_aggregators",
    "defense": "mia_defenses",
    "recipe": "mia_model_recipes",
    "report": "mia_report_writers",
}


class Components:
    """Mixin for :class:`~mia_platform.manager.MiaPluginManager`: collected components."""

    def __init__(self) -> None:
        self._collected: dict[str, dict[str, list[ComponentSpec]]] | None = None

    def reset_components(self) -> None:
        self._collected = None

    def collect_all(self: MiaPluginManager) -> dict[str, dict[str, list[ComponentSpec]]]:
        """Call every registration hook of every plugin once; cache and return kind -> name -> specs.

        A plugin whose hook raises or returns something other than its kind's records is failed
        (and, if built-in, that is fatal), and collection starts again without it.
        """
        while self._collected is None:
            collected: dict[str, dict[str, list[ComponentSpec]]] = {k: {} for k in HOOK_OF_KIND}
            by_plugin: dict[str, dict[str, list[str]]] = {}
            failed = None
            for kind, hook_name in HOOK_OF_KIND.items():
                for impl in getattr(self.hook, hook_name).get_hookimpls():
                    try:
                        specs = _call_registration(impl.function, kind)
                    except (Exception, SystemExit) as exc:  # noqa: BLE001 - blame the plugin
                        failed = (impl.plugin_name, f"{hook_name}: {type(exc).__name__}: {exc}")
                        break
                    for spec in specs:
                        spec = dataclasses.replace(spec, plugin=impl.plugin_name)
                        collected[kind].setdefault(spec.name, []).append(spec)
                        by_plugin.setdefault(impl.plugin_name, {}).setdefault(kind, []).append(
                            spec.name
                        )
                if failed:
                    break
            if failed:
                record = next((r for r in self.records if r.name == failed[0]), None)
                if record is None:  # registered by hand (tests): not ours to skip
                    raise MiaError(f"plugin {failed[0]!r} failed: {failed[1]}")
                self.fail(record, failed[1])
                continue
            for record in self.records:
                record.provides = {
                    k: sorted(v) for k, v in sorted(by_plugin.get(record.name, {}).items())
                }
            self._collected = collected
        return self._collected

    def components(self: MiaPluginManager, kind: str) -> dict[str, Any]:
        """Components of ``kind`` by name. Raises if two plugins registered the same name."""
        if kind not in HOOK_OF_KIND:
            raise UnknownComponentError(
                f"unknown component kind {kind!r}; expected one of {', '.join(HOOK_OF_KIND)}"
            )
        found = self.collect_all()[kind]
        clashes = {name: specs for name, specs in found.items() if len(specs) > 1}
        if clashes:
            lines = [
                f"{kind} {name!r} is registered by plugins "
                + " and ".join(repr(s.plugin) for s in specs)
                for name, specs in sorted(clashes.items())
            ]
            raise ComponentConflictError(
                "; ".join(lines) + ": disable one with --disable-plugin NAME or MIA_DISABLE_PLUGINS"
            )
        return {name: specs[0] for name, specs in sorted(found.items())}

    def conflicts(self: MiaPluginManager) -> list[str]:
        """Human-readable descriptions of every component-name clash, for ``mia plugins``."""
        out = []
        for kind, found in self.collect_all().items():
            for name, specs in sorted(found.items()):
                if len(specs) > 1:
                    plugins = " and ".join(repr(s.plugin) for s in specs)
                    out.append(f"{kind} {name!r} is registered by plugins {plugins}")
        return out

    def component(self: MiaPluginManager, kind: str, name: str) -> Any:
        """One component by kind and name, with an error listing the known names."""
        found = self.components(kind)
        if name not in found:
            known = ", ".join(found) or "none"
            raise UnknownComponentError(
                f"unknown {kind} {name!r}; available: {known} (see `mia list {kind}s`)"
            )
        return found[name]

    def backends(self: MiaPluginManager) -> dict[str, BackendSpec]:
        return self.components("backend")

    def datasets(self: MiaPluginManager) -> dict[str, DatasetSpec]:
        return self.components("dataset")

    def features(self: MiaPluginManager) -> dict[str, FeatureSpec]:
        return self.components("feature")

    def attacks(self: MiaPluginManager) -> dict[str, AttackSpec]:
        return self.components("attack")

    def aggregators(self: MiaPluginManager) -> dict[str, AggregatorSpec]:
        return self.components("aggregator")

    def defenses(self: MiaPluginManager) -> dict[str, DefenseSpec]:
        return self.components("defense")

    def recipes(self: MiaPluginManager) -> dict[str, RecipeSpec]:
        return self.components("recipe")

    def reports(self: MiaPluginManager) -> dict[str, ReportSpec]:
        return self.components("report")

    def open_target(
        self: MiaPluginManager, uri: str, backend: str | None = None, **options: Any
    ) -> Target:
        """Open a model: by the named backend, or by the first backend that claims ``uri``."""
        if backend is None:
            if not Path(uri).exists():
                raise TargetError(f"model path {uri!r} does not exist")
            backend = self.hook.mia_claim_target(uri=uri)
            if backend is None:
                raise TargetError(
                    f"no backend recognises {uri!r} (expected a Hugging Face model directory with "
                    f"config.json, or a .onnx file); name one with --backend "
                    f"({', '.join(self.backends()) or 'none installed'})"
                )
        return self.component("backend", backend).factory(uri, **options)

    def open_dataset(self: MiaPluginManager, source: str, **options: Any) -> Dataset:
        """Open a dataset: a registered name (e.g. ``shakespeare``) or a path a loader claims."""
        found = self.datasets()
        if source in found and not Path(source).exists():
            if "loader" in found[source].capabilities:
                raise UnknownComponentError(
                    f"{source!r} is a file-format loader, not a dataset: give the path of the "
                    "file or folder to read"
                )
            return found[source].factory(**options)
        if not Path(source).exists():
            named = (
                ", ".join(n for n, s in found.items() if "loader" not in s.capabilities) or "none"
            )
            raise UnknownComponentError(
                f"dataset {source!r} is neither an existing file or folder nor a registered "
                f"dataset name (registered: {named})"
            )
        loader = self.hook.mia_claim_dataset(source=source)
        if loader is None:
            raise UnknownComponentError(
                f"no dataset loader recognises {source!r}; supported: .jsonl, .jsonl.gz, .csv, "
                ".tsv and Hugging Face save_to_disk folders"
            )
        return self.component("dataset", loader).factory(path=source, **options)


def _call_registration(function: Any, kind: str) -> list[ComponentSpec]:
    """Call one registration hook implementation and check it returned records of ``kind``."""
    result = function()
    if result is None:
        return []
    specs = list(result)
    expected = SPEC_TYPES[kind]
    for spec in specs:
        if not isinstance(spec, expected):
            raise TypeError(f"returned {type(spec).__name__}, expected {expected.__name__} records")
        if not spec.name or not isinstance(spec.name, str):
            raise TypeError(f"a {expected.__name__} has no name")
    return specs
