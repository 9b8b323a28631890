"""``mia list KIND``: the components of one kind that the loaded plugins provide."""

from __future__ import annotations

import click

from mia_platform.cli.common import echo_json, get_manager
from mia_platform.specs import KINDS

#: Plural names accepted on the command line, mapped to component kinds.
PLURALS = {f"{k}s": k for k in KINDS} | {"features": "feature"}


@click.command("list")
@click.argument("kind", type=click.Choice(sorted(PLURALS)))
@click.option("json_", "--json", is_flag=True, help="Output as JSON.")
@click.pass_context
def list_components(ctx: click.Context, kind: str, json_: bool) -> None:
    """List the available components of KIND (attacks, features, datasets, ...)."""
    found = get_manager(ctx).components(PLURALS[kind])
    rows = []
    for spec in found.values():
        row = {
            "name": spec.name,
            "plugin": spec.plugin,
            "summary": spec.summary,
            "requires": list(spec.requires),
            "capabilities": list(spec.capabilities),
        }
        for extra in ("defense_kind", "higher_is_member", "per_feature", "per_attack"):
            if hasattr(spec, extra):
                row[extra] = getattr(spec, extra)
        rows.append(row)
    if json_:
        echo_json(rows)
        return
    if not rows:
        click.echo(f"No {kind} available.")
    for row in rows:
        click.echo(f"{row['name']:<16} {row['plugin']:<12} {row['summary']}")
