"""The plugin manager: our own entry-point loader around pluggy.

pluggy's ``load_setuptools_entrypoints`` stops at the first plugin that fails to import and
silently shadows a second distribution that reuses an entry-point name. This loader wraps every
load, records what happened to each plugin (:class:`PluginRecord`), keeps going, and checks each
plugin's hook names and signatures. A failing built-in is our bug and is fatal; a failing
third-party plugin is reported and skipped unless strict mode is on.

Load order:

1. Distributions are read from ``importlib.metadata`` (deduplicated, since some Pythons have the
   same path on ``sys.path`` twice), built-ins (distribution ``mia-platform``) first, then the
   others sorted by distribution name.
2. Names in ``blocked`` / ``MIA_DISABLE_PLUGINS`` / ``--disable-plugin`` are blocked, not imported.
3. ``MIA_LOAD_PLUGINS`` (comma-separated distribution names) limits which third-party
   distributions load; an empty value loads none. Built-ins always load.
4. Each entry point is imported and registered; then every plugin's hooks are validated and its
   registration hooks are called once to learn what it provides.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import pluggy

from mia_platform import hookspecs
from mia_platform.components import Components
from mia_platform.errors import PluginLoadError

BUILTIN_DIST = "mia-platform"


@dataclass
class PluginRecord:
    """What happened to one plugin, as ``mia plugins`` shows it."""

    name: str
    package: str
    version: str
    module: str
    builtin: bool
    status: str = "loaded"  # loaded | failed | blocked
    hooks: list[str] = field(default_factory=list)
    provides: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "package": self.package,
            "version": self.version,
            "module": self.module,
            "builtin": self.builtin,
            "status": self.status,
            "hooks": self.hooks,
            "provides": self.provides,
            "error": self.error,
        }


class MiaPluginManager(pluggy.PluginManager, Components):
    """A pluggy manager with the typed component facade and the load records."""

    def __init__(self, *, strict: bool = False) -> None:
        super().__init__(hookspecs.PROJECT)
        self.add_hookspecs(hookspecs.MiaSpecs)
        Components.__init__(self)
        self.strict = strict
        self.records: list[PluginRecord] = []

    @property
    def failures(self) -> list[PluginRecord]:
        return [r for r in self.records if r.status == "failed"]

    def fail(self, record: PluginRecord, error: str) -> None:
        """Mark ``record`` failed, unregister it, and raise if that is fatal."""
        record.status, record.error = "failed", error
        if self.get_plugin(record.name) is not None:
            self.unregister(name=record.name)
        self.reset_components()
        where = f"{record.package} {record.version}".strip()
        message = f"plugin {record.name!r} ({where}) failed: {error}"
        if record.builtin:
            raise PluginLoadError(f"built-in {message} (this is a bug in mia-platform)")
        if self.strict:
            raise PluginLoadError(f"{message} (strict mode: MIA_STRICT_PLUGINS / --strict-plugins)")
        warnings.warn(f"{message}; skipped", stacklevel=2)


def _env_list(name: str) -> list[str] | None:
    value = os.environ.get(name)
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


def _entry_points() -> list[tuple[metadata.Distribution, metadata.EntryPoint]]:
    seen_dists: set[str] = set()
    found = []
    for dist in metadata.distributions():
        dist_name = dist.metadata["Name"] or ""
        key = dist_name.lower().replace("_", "-")
        if key in seen_dists:  # the same distribution reachable twice through sys.path
            continue
        seen_dists.add(key)
        for ep in dist.entry_points:
            if ep.group == hookspecs.PROJECT:
                found.append((dist, ep))
    found.sort(
        key=lambda de: (de[0].metadata["Name"] != BUILTIN_DIST, de[0].metadata["Name"], de[1].name)
    )
    return found


def _validate_hooks(pm: MiaPluginManager) -> None:
    """Find hook implementations with no spec (misspelt names) and drop their plugins."""
    known = sorted(n for n in dir(hookspecs.MiaSpecs) if n.startswith("mia_"))
    bad: dict[str, list[str]] = {}
    for hook_name in dir(pm.hook):
        caller = getattr(pm.hook, hook_name)
        if hook_name.startswith("_") or not isinstance(caller, pluggy.HookCaller):
            continue
        if caller.has_spec():
            continue
        for impl in caller.get_hookimpls():
            if not impl.optionalhook:
                bad.setdefault(impl.plugin_name, []).append(hook_name)
    for record in pm.records:
        if record.name in bad:
            names = ", ".join(sorted(bad[record.name]))
            pm.fail(record, f"unknown hook {names} (known hooks: {', '.join(known)})")


def make_plugin_manager(
    *,
    load_entrypoints: bool = True,
    blocked: Iterable[str] = (),
    strict: bool | None = None,
    trace: bool | None = None,
) -> MiaPluginManager:
    """Build a fresh manager and load the installed plugins into it.

    :param load_entrypoints: False gives an empty manager (tests register plugins by hand).
    :param blocked: plugin (entry-point) names not to load, added to ``MIA_DISABLE_PLUGINS``.
    :param strict: make every plugin failure fatal; default from ``MIA_STRICT_PLUGINS``.
    :param trace: log every hook call to stderr; default from ``MIA_TRACE_PLUGINS``.
    """
    if strict is None:
        strict = os.environ.get("MIA_STRICT_PLUGINS", "") not in ("", "0")
    if trace is None:
        trace = os.environ.get("MIA_TRACE_PLUGINS", "") not in ("", "0")
    pm = MiaPluginManager(strict=strict)
    if trace:
        pm.trace.root.setwriter(sys.stderr.write)
        pm.enable_tracing()
    if not load_entrypoints:
        return pm
    blocked_names = set(blocked) | set(_env_list("MIA_DISABLE_PLUGINS") or [])
    only = _env_list("MIA_LOAD_PLUGINS")
    owners: dict[str, PluginRecord] = {}
    for dist, ep in _entry_points():
        dist_name = dist.metadata["Name"]
        builtin = dist_name == BUILTIN_DIST
        record = PluginRecord(ep.name, dist_name, dist.version, ep.value, builtin)
        if ep.name in owners:
            first = owners[ep.name]
            record.status = "failed"
            record.error = (
                f"entry point name {ep.name!r} is also claimed by {first.package} {first.version}; "
                "only the first was loaded: uninstall one of them"
            )
            pm.records.append(record)
            if pm.strict:
                raise PluginLoadError(record.error)
            warnings.warn(f"plugin {ep.name!r} ({dist_name}): {record.error}", stacklevel=2)
            continue
        owners[ep.name] = record
        pm.records.append(record)
        if ep.name in blocked_names:
            record.status = "blocked"
            pm.set_blocked(ep.name)
            continue
        if only is not None and not builtin and dist_name not in only:
            record.status = "blocked"
            record.error = "not listed in MIA_LOAD_PLUGINS"
            continue
        try:
            module = ep.load()
            pm.register(module, name=ep.name)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - any failure in a plugin is reported
            pm.fail(record, f"{type(exc).__name__}: {exc}")
            continue
        record.hooks = sorted(c.name for c in pm.get_hookcallers(module) or [])
    _validate_hooks(pm)
    pm.collect_all()
    return pm
