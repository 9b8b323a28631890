"""``mia run`` (a whole audit) and ``mia attack --outputs`` (re-score cached outputs)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mia_platform.cli.common import get_manager


@click.command()
@click.argument("config", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Run directory (overrides the config's output).",
)
@click.option("--seed", type=click.IntRange(min=0), help="Override the config's seed.")
@click.pass_context
def run(ctx: click.Context, config: Path | None, output: Path | None, seed: int | None) -> None:
    """Run the audit in CONFIG (YAML), or the built-in default experiment without one.

    The default trains a small Transformer on the embedded Shakespeare data (roles as users), four
    shadow models, runs every sample- and user-level attack and prints one table. Everything is
    cached in the run directory: a second run re-scores without training or querying.
    """
    from mia_platform.config import load_experiment
    from mia_platform.experiment import run_experiment
    from mia_platform.results import format_table

    if config is not None and not config.is_file():
        raise click.BadParameter(f"{config} does not exist or is not a file", param_hint="CONFIG")
    exp = load_experiment(config)
    if output is not None:
        exp.data["output"] = str(output)
    if seed is not None:
        exp.data["seed"] = seed
    results = run_experiment(get_manager(ctx), exp)
    click.echo(format_table(results))
    reports = ", ".join(results["reports"]) or "none"
    click.echo(f"\nrun directory: {exp.output} ({results['seconds']} s); reports: {reports}")


@click.command()
@click.option(
    "--outputs",
    "run_dir",
    required=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="A run directory made by `mia run`.",
)
@click.option(
    "attacks",
    "--attack",
    multiple=True,
    metavar="NAME",
    help="Sample attack to run (repeatable; default: the run's).",
)
@click.option(
    "aggregators",
    "--aggregator",
    multiple=True,
    metavar="NAME",
    help="User aggregator to run (repeatable; default: the run's).",
)
@click.pass_context
def attack(
    ctx: click.Context, run_dir: Path, attacks: tuple[str, ...], aggregators: tuple[str, ...]
) -> None:
    """Re-run attacks on a run's cached outputs, without touching any model.

    Results overwrite the run's results.json, score CSVs and reports.
    """
    from mia_platform.experiment import score_run
    from mia_platform.outputs import AuditOutputs
    from mia_platform.results import format_table, write_results

    outputs = AuditOutputs.load(run_dir / "outputs")
    exp_data = _read_json(run_dir / "config.json")
    old = _read_json(run_dir / "results.json")
    if attacks:
        exp_data["attacks"] = list(attacks)
    if aggregators:
        exp_data["aggregators"] = list(aggregators)
    pm = get_manager(ctx)
    keep = {k: old[k] for k in ("data", "split") if k in old}
    results, scored = score_run(pm, exp_data, outputs, extra=keep | {"seconds": old.get("seconds")})
    write_results(pm, results, scored, outputs, run_dir, exp_data["reports"])
    click.echo(format_table(results))


def _read_json(path: Path) -> dict:
    """A run's JSON file, or a one-line error saying what is wrong with it."""
    from mia_platform.errors import MiaError

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MiaError(f"{path} is missing; run `mia run` to create the run directory") from None
    except (OSError, ValueError) as exc:
        raise MiaError(f"{path}: unreadable ({exc}); re-run `mia run`") from exc
    if not isinstance(data, dict) or "seed" not in data and "experiment" not in data:
        raise MiaError(f"{path}: not a file written by `mia run`; re-run `mia run`")
    return data
