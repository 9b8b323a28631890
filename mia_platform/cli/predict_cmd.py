"""``mia predict``: query a model (HF directory or .onnx file) on a dataset and save the logits."""

from __future__ import annotations

from pathlib import Path

import click

from mia_platform.cli.common import get_manager


@click.command()
@click.argument("model")
@click.argument("dataset")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the logits (.npy, float32 [texts, classes]).",
)
@click.option("--backend", help="Backend to open MODEL with (default: the one that claims it).")
@click.option(
    "--max-length",
    type=click.IntRange(min=2),
    default=128,
    show_default=True,
    help="Truncate texts to this many tokens.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=32,
    show_default=True,
    help="Texts per batch.",
)
@click.pass_context
def predict(
    ctx: click.Context,
    model: str,
    dataset: str,
    output: Path,
    backend: str | None,
    max_length: int,
    batch_size: int,
) -> None:
    """Query MODEL on every text of DATASET (a name or a path) and write its logits to --output.

    Prints the accuracy against the dataset's labels when the model's label names match them.
    """
    import numpy as np

    from mia_platform.cache import save_npy_atomic

    pm = get_manager(ctx)
    data = pm.open_dataset(dataset)
    target = pm.open_target(model, backend, max_length=max_length, batch_size=batch_size)
    logits = np.asarray(target.predict_logits(data.texts), dtype=np.float32)
    save_npy_atomic(output, logits)
    click.echo(
        f"wrote {output}: {logits.shape[0]} texts x {logits.shape[1]} classes ({target.output_kind})"
    )
    if list(target.label_names) == list(data.label_names):
        accuracy = float((logits.argmax(axis=1) == data.labels).mean())
        click.echo(f"accuracy on {data.name}: {100 * accuracy:.1f}%")
    else:
        click.echo("the model's label names differ from the dataset's: no accuracy computed")
