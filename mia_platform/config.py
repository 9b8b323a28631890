"""Experiment configuration: the YAML schema of ``mia run``, its defaults and its validation.

Every error names the file, the line, the dotted key, the value and what is allowed. Sections
whose contents are handed to a plugin (recipe hyper-parameters, dataset options, attack
parameters) are checked for shape here and for content by the plugin.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mia_platform.errors import ConfigError
from mia_platform.yamlio import load_yaml

#: The built-in default experiment: the embedded Shakespeare data and a small Transformer target.
DEFAULTS: dict[str, Any] = {
    "name": "default",
    "seed": 0,
    "output": "mia-runs/default",
    "dataset": {
        "source": "shakespeare",
        "options": {},
        "min_texts_per_user": 5,
        "max_users": None,
        "max_texts_per_user": 20,
    },
    "split": {
        "target_fraction": 0.5,
        "member_fraction": 0.5,
        "num_shadows": 4,
        "query_mode": "train",
        "unseen_fraction": 0.2,
    },
    "target": {"recipe": "transformer", "params": {}, "model": None, "backend": None},
    "attacks": None,
    "aggregators": None,
    "evaluation": {"bootstrap": 200, "population_fpr": 0.05},
    "reports": ["markdown", "html"],
}

_POSITIVE_INT = (int, lambda v: v >= 1, "an integer >= 1")
_NONNEG_INT = (int, lambda v: v >= 0, "an integer >= 0")
_FRACTION = ((int, float), lambda v: 0 < v < 1, "a number strictly between 0 and 1")

#: dotted key -> (python types, check, description of what is allowed)
SCHEMA: dict[str, tuple[Any, Any, str]] = {
    "name": (str, lambda v: bool(v.strip()), "a non-empty string"),
    "seed": _NONNEG_INT,
    "output": (str, lambda v: bool(v.strip()), "a directory path"),
    "dataset": (dict, None, "a mapping"),
    "dataset.source": (str, lambda v: bool(v.strip()), "a dataset name or a file path"),
    "dataset.options": (dict, None, "a mapping of loader options (text_field, label, ...)"),
    "dataset.min_texts_per_user": _POSITIVE_INT,
    "dataset.max_users": (
        (int, type(None)),
        lambda v: v is None or v >= 8,
        "null or an integer >= 8",
    ),
    "dataset.max_texts_per_user": (
        (int, type(None)),
        lambda v: v is None or v >= 1,
        "null or an integer >= 1",
    ),
    "split": (dict, None, "a mapping"),
    "split.target_fraction": _FRACTION,
    "split.member_fraction": _FRACTION,
    "split.num_shadows": _POSITIVE_INT,
    "split.query_mode": (str, lambda v: v in ("train", "unseen"), "'train' or 'unseen'"),
    "split.unseen_fraction": _FRACTION,
    "target": (dict, None, "a mapping"),
    "target.recipe": (str, None, "a recipe name (see `mia list recipes`)"),
    "target.params": (dict, None, "a mapping of recipe hyper-parameters"),
    "target.model": ((str, type(None)), None, "null or a path to a trained model to audit"),
    "target.backend": ((str, type(None)), None, "null or a backend name (see `mia list backends`)"),
    "attacks": ((list, type(None)), None, "null (all) or a list of attack names"),
    "aggregators": ((list, type(None)), None, "null (all) or a list of aggregator names"),
    "evaluation": (dict, None, "a mapping"),
    "evaluation.bootstrap": _NONNEG_INT,
    "evaluation.population_fpr": _FRACTION,
    "reports": (list, None, "a list of report writer names (see `mia list reports`)"),
}

#: Sections whose keys belong to a plugin and are not checked against SCHEMA.
OPEN_SECTIONS = ("dataset.options", "target.params")


@dataclass
class Experiment:
    """A validated experiment: ``data`` holds the merged config, ``source`` where it came from."""

    data: dict[str, Any]
    source: str
    lines: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    @property
    def output(self) -> Path:
        return Path(self.data["output"])


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if (
            isinstance(value, dict)
            and isinstance(out.get(key), dict)
            and key not in ("options", "params")
        ):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _type_name(types: Any) -> str:
    types = types if isinstance(types, tuple) else (types,)
    names = {int: "integer", float: "number", str: "string", dict: "mapping", list: "list"}
    return " or ".join(names.get(t, "null") for t in types)


def validate(data: Any, source: str, lines: dict[str, int] | None = None) -> Experiment:
    """Check ``data`` against :data:`SCHEMA` and merge it over :data:`DEFAULTS`."""
    lines = lines or {}
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source}: the experiment must be a mapping of keys, got {type(data).__name__}"
        )

    def fail(key: str, message: str) -> None:
        line = f"line {lines[key]}: " if key in lines else ""
        raise ConfigError(f"{source}: {line}{message}")

    def walk(node: dict[str, Any], prefix: str) -> None:
        for key, value in node.items():
            dotted = f"{prefix}{key}"
            if dotted not in SCHEMA:
                siblings = sorted(
                    k[len(prefix) :]
                    for k in SCHEMA
                    if k.startswith(prefix) and "." not in k[len(prefix) :]
                )
                fail(dotted, f"unknown key {dotted!r}; allowed here: {', '.join(siblings)}")
            types, check, allowed = SCHEMA[dotted]
            is_bool = isinstance(value, bool)
            if is_bool or not isinstance(value, types):
                fail(
                    dotted,
                    f"key {dotted!r}: {value!r} is a {type(value).__name__}, expected "
                    f"{_type_name(types)} ({allowed})",
                )
            if check is not None and not check(value):
                fail(dotted, f"key {dotted!r}: {value!r} is not allowed; expected {allowed}")
            if isinstance(value, dict) and dotted not in OPEN_SECTIONS:
                walk(value, f"{dotted}.")
            if isinstance(value, list) and dotted in ("attacks", "aggregators", "reports"):
                for i, item in enumerate(value):
                    if not isinstance(item, str) or not item.strip():
                        fail(f"{dotted}.{i}", f"key {dotted!r}: item {i} {item!r} must be a name")

    walk(data, "")
    merged = _merge(DEFAULTS, data)
    if not merged["target"]["recipe"]:
        fail(
            "target.recipe",
            "key 'target.recipe' is needed: it trains the shadow models (and the target unless "
            "target.model is given); see `mia list recipes`",
        )
    return Experiment(merged, source, lines)


def load_experiment(path: Path | None) -> Experiment:
    """Load ``path`` (or the built-in default experiment when None) and validate it."""
    if path is None:
        return validate({}, "<default experiment>")
    data, lines = load_yaml(path)
    exp = validate(data, str(path), lines)
    source = exp["dataset"]["source"]
    if ("/" in source or "." in Path(source).name) and not Path(source).is_absolute():
        # a path in a config file is relative to that file, so examples run from any folder
        exp.data["dataset"]["source"] = str((path.parent / source).resolve())
    return exp
