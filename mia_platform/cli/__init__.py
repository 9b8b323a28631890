"""The ``mia`` command line. Each command lives in its own module and is added here."""

from __future__ import annotations

from typing import Any

import click

from mia_platform.errors import MiaError


class MiaGroup(click.Group):
    """Turns domain and file-system errors into one-line messages with exit 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MiaError as exc:
            raise click.ClickException(str(exc)) from exc
        except OSError as exc:  # an unwritable output folder, a full disk, ...
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{where}{exc.strerror or exc}") from exc


@click.group(cls=MiaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mia-platform", prog_name="mia")
@click.option(
    "disabled",
    "--disable-plugin",
    multiple=True,
    metavar="NAME",
    help="Do not load the plugin NAME (repeatable; also MIA_DISABLE_PLUGINS=a,b).",
)
@click.option(
    "--strict-plugins",
    is_flag=True,
    help="Fail if any plugin fails to load (also MIA_STRICT_PLUGINS=1).",
)
@click.pass_context
def cli(ctx: click.Context, disabled: tuple[str, ...], strict_plugins: bool) -> None:
    """Audit NLP text classifiers for membership leakage, per text and per user.

    Docs: docs/index.md. Installed plugins: `mia plugins --all`.

    \b
    Examples:
      mia run                       # the default audit on the embedded Shakespeare data
      mia run examples/reddit.yaml  # an experiment from a YAML file
      mia list attacks              # what is available
    """
    ctx.ensure_object(dict)
    ctx.obj["blocked"] = disabled
    ctx.obj["strict"] = strict_plugins


def _register_commands() -> None:
    from mia_platform.cli.data_cmd import data
    from mia_platform.cli.defend_cmd import defend
    from mia_platform.cli.export_cmd import export
    from mia_platform.cli.list_cmd import list_components
    from mia_platform.cli.plugins_cmd import plugins
    from mia_platform.cli.predict_cmd import predict
    from mia_platform.cli.run_cmd import attack, run

    cli.add_command(plugins)
    cli.add_command(list_components)
    cli.add_command(export)
    cli.add_command(run)
    cli.add_command(attack)
    cli.add_command(data)
    cli.add_command(defend)
    cli.add_command(predict)


_register_commands()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="mia")
