"""``mia plugins``: what is installed, what is catalogued, and installing from the catalogue."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import click

from mia_platform.catalog import CatalogEntry, default_path, load_catalog
from mia_platform.cli.common import echo_json, get_manager


@click.group(invoke_without_command=True)
@click.option("all_", "--all", is_flag=True, help="Include the built-in plugins.")
@click.option(
    "hooks", "--hook", multiple=True, metavar="NAME", help="Only plugins implementing NAME."
)
@click.option("json_", "--json", is_flag=True, help="Output as JSON.")
@click.option("--check", is_flag=True, help="Exit 1 if any plugin failed to load or clashes.")
@click.pass_context
def plugins(
    ctx: click.Context, all_: bool, hooks: tuple[str, ...], json_: bool, check: bool
) -> None:
    """List installed plugins: name, package, version, status, hooks and what they provide."""
    if ctx.invoked_subcommand is not None:
        return
    ctx.find_root().obj["warn_plugins"] = False  # failures are shown in the listing itself
    pm = get_manager(ctx)
    catalog = {e.name: e for e in load_catalog()}
    rows = []
    for record in sorted(pm.records, key=lambda r: (not r.builtin, r.name)):
        if (record.builtin and not all_) or (hooks and not set(hooks) & set(record.hooks)):
            continue
        row = record.as_dict()
        entry = catalog.get(record.name)
        row["catalog"] = (
            {"status": entry.status, "summary": entry.summary, "origin": entry.origin}
            if entry and entry.package == record.package
            else None
        )
        rows.append(row)
    conflicts = pm.conflicts()
    if json_:
        echo_json(rows)
    else:
        if not rows:
            click.echo("No third-party plugins installed; `mia plugins --all` shows the built-ins.")
        name_w = max([len(r["name"]) for r in rows] + [4])
        pkg_w = max([len(f"{r['package']}=={r['version']}") for r in rows] + [7])
        for row in rows:
            provides = "; ".join(f"{k}: {', '.join(v)}" for k, v in row["provides"].items())
            package = f"{row['package']}=={row['version']}"
            click.echo(
                f"{row['name']:<{name_w}}  {package:<{pkg_w}}  {row['status']:<7}  "
                f"{provides or ', '.join(row['hooks'])}"
            )
            if row["error"]:
                click.echo(f"{'':<{name_w}}  error: {row['error']}")
            if row["catalog"] is None and not row["builtin"]:
                click.echo(f"{'':<{name_w}}  (not in the plugin catalogue)")
        for line in conflicts:
            click.echo(f"conflict: {line}", err=True)
    if check and (pm.failures or conflicts):
        ctx.exit(1)


def _installed_version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


@plugins.command()
@click.option("json_", "--json", is_flag=True, help="Output as JSON.")
def available(json_: bool) -> None:
    """Show the plugin catalogue (registry.yaml) with what is installed."""
    rows = []
    for entry in load_catalog():
        row = entry.as_dict()
        row["installed"] = _installed_version(entry.package)
        rows.append(row)
    if json_:
        echo_json(rows)
        return
    for row in rows:
        mark = f"installed {row['installed']}" if row["installed"] else "not installed"
        click.echo(
            f"{row['name']:<12} {row['origin']:<9} {row['status']:<12} {mark:<18} {row['summary']}"
        )


def _pip_target(entry: CatalogEntry) -> str:
    """Install from the entry's source folder when it ships with this checkout, else by name."""
    if entry.path:
        local = default_path().resolve().parent / entry.path
        if local.is_dir():
            return str(local)
    return entry.package


@plugins.command()
@click.argument("name")
@click.option("--dry-run", is_flag=True, help="Print the pip command instead of running it.")
def install(name: str, dry_run: bool) -> None:
    """Install the catalogued plugin NAME with this interpreter's pip."""
    catalog = {e.name: e for e in load_catalog()}
    if name not in catalog:
        raise click.ClickException(
            f"{name!r} is not in the plugin catalogue; see `mia plugins available` "
            f"(known: {', '.join(sorted(catalog))})"
        )
    entry = catalog[name]
    if entry.origin == "builtin":
        click.echo(f"{name} is built into mia-platform; nothing to install.")
        return
    command = [sys.executable, "-m", "pip", "install", _pip_target(entry)]
    if dry_run:
        click.echo(" ".join(command))
        return
    completed = subprocess.run(command, check=False)
    if completed.returncode != 0:
        raise click.ClickException(f"pip failed with exit code {completed.returncode}")
    click.echo(f"Installed {entry.package}; check it with `mia plugins`.")
