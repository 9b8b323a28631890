"""``registry.yaml``: the curated catalogue of known plugins, loaded and validated.

The catalogue ships inside the package (``mia_platform/registry.yaml`` is the repository's root
``registry.yaml``) so ``mia plugins available`` works from any install.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from mia_platform.errors import ConfigError
from mia_platform.specs import KINDS

ORIGINS = ("builtin", "community", "example")
STATUSES = ("stable", "experimental", "deprecated")
REQUIRED = ("name", "package", "module", "kind", "provides", "origin", "status", "summary")
LIST_FIELDS = ("kind", "provides", "requires")
OPTIONAL = ("requires", "reference", "homepage", "min_platform", "path")


@dataclass(frozen=True)
class CatalogEntry:
    """One plugin in the catalogue (see the comment at the top of ``registry.yaml``)."""

    name: str
    package: str
    module: str
    kind: tuple[str, ...]
    provides: tuple[str, ...]
    origin: str
    status: str
    summary: str
    requires: tuple[str, ...] = ()
    reference: str = ""
    homepage: str = ""
    min_platform: str = ""
    path: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.__dict__.items()}


def default_path() -> Path:
    return Path(str(resources.files("mia_platform") / "registry.yaml"))


def load_catalog(path: Path | None = None) -> list[CatalogEntry]:
    """Read and validate the catalogue; an invalid entry names the file, entry and field."""
    path = path or default_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the plugin catalogue: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("plugins") or [], list):
        raise ConfigError(f"{path}: expected a mapping with a 'plugins' list")
    entries: list[CatalogEntry] = []
    seen: set[str] = set()
    for i, raw in enumerate(data.get("plugins") or [], start=1):
        label = f"{path}: entry {i}"
        if not isinstance(raw, dict):
            raise ConfigError(f"{label}: expected a mapping, got {type(raw).__name__}")
        label = f"{path}: entry {i} ({raw.get('name', '?')})"
        for key in raw:
            if key not in REQUIRED + OPTIONAL:
                raise ConfigError(f"{label}: unknown field {key!r}")
        for key in REQUIRED:
            if key not in raw or raw[key] in (None, ""):
                raise ConfigError(f"{label}: missing field {key!r}")
        values = dict(raw)
        for key in LIST_FIELDS:
            value = values.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{label}: field {key!r} must be a list of strings")
            values[key] = tuple(value)
        for kind in values["kind"]:
            if kind not in KINDS:
                raise ConfigError(
                    f"{label}: field 'kind' has {kind!r}; allowed: {', '.join(KINDS)}"
                )
        if values["origin"] not in ORIGINS:
            raise ConfigError(f"{label}: field 'origin' must be one of {', '.join(ORIGINS)}")
        if values["status"] not in STATUSES:
            raise ConfigError(f"{label}: field 'status' must be one of {', '.join(STATUSES)}")
        if values["name"] in seen:
            raise ConfigError(f"{label}: duplicate name {values['name']!r}")
        seen.add(values["name"])
        entries.append(
            CatalogEntry(**{k: str(v) if k not in LIST_FIELDS else v for k, v in values.items()})
        )
    return entries
