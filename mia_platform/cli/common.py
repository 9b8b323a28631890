"""Helpers every command shares: the per-invocation plugin manager and JSON output."""

from __future__ import annotations

import json
import warnings
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from mia_platform.manager import MiaPluginManager


def get_manager(ctx: click.Context) -> MiaPluginManager:
    """The manager for this invocation, built on first use so ``mia --help`` loads no plugin.

    Third-party plugins that fail to load are reported on stderr, one line each, and skipped.
    """
    root = ctx.find_root()
    root.ensure_object(dict)
    if "pm" not in root.obj:
        from mia_platform.manager import make_plugin_manager

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            root.obj["pm"] = make_plugin_manager(
                blocked=root.obj.get("blocked", ()), strict=root.obj.get("strict") or None
            )
        if root.obj.get("warn_plugins", True):
            for w in caught:
                click.echo(f"Warning: {w.message}", err=True)
    return root.obj["pm"]


def echo_json(data: Any) -> None:
    """Print ``data`` as indented, key-sorted JSON."""
    click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))
