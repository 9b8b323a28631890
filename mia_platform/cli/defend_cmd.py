"""``mia defend``: train and attack the target under each defense, beside the baseline."""

from __future__ import annotations

from pathlib import Path

import click

from mia_platform.cli.common import get_manager


@click.command()
@click.argument("config", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "defenses",
    "--defense",
    "-d",
    multiple=True,
    required=True,
    metavar="NAME[:k=v,...]",
    help="A defense to evaluate (repeatable), e.g. perturb:p=0.1 or dp_sgd:epsilon=8.",
)
@click.option("--non-adaptive", is_flag=True, help="Train the shadow models without the defense.")
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Run directory (overrides the config's output).",
)
@click.pass_context
def defend(
    ctx: click.Context,
    config: Path | None,
    defenses: tuple[str, ...],
    non_adaptive: bool,
    output: Path | None,
) -> None:
    """Evaluate defenses against every built-in attack on the experiment in CONFIG (or the default).

    Each defense trains the target on the same split and seed as the undefended baseline; the
    attacker is adaptive (shadows trained under the same data/training defense) unless
    --non-adaptive. Writes defend.json, defend.md and defend.html (utility-privacy plot) in the
    run directory, and each defense's full results under defenses/.
    """
    from mia_platform.config import load_experiment
    from mia_platform.defend import parse_defense, run_defenses
    from mia_platform.defend_report import format_summary, write_reports

    if config is not None and not config.is_file():
        raise click.BadParameter(f"{config} does not exist or is not a file", param_hint="CONFIG")
    requests = [parse_defense(d) for d in defenses]
    labels = [r.label for r in requests]
    if len(set(labels)) != len(labels):
        raise click.BadParameter("the same defense is given twice", param_hint="--defense")
    exp = load_experiment(config)
    if output is not None:
        exp.data["output"] = str(output)
    comparison = run_defenses(get_manager(ctx), exp, requests, adaptive=not non_adaptive)
    paths = write_reports(comparison, exp.output)
    click.echo(format_summary(comparison))
    click.echo(f"\nreports: {', '.join(str(p) for p in paths)} ({comparison['seconds']} s)")
