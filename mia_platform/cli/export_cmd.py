"""``mia export onnx MODEL_DIR OUT.onnx``: export a model directory to ONNX with a parity check."""

from __future__ import annotations

from pathlib import Path

import click


@click.group("export")
def export() -> None:
    """Export a trained model to another runtime format."""


@export.command("onnx")
@click.argument("model_dir", type=click.Path(path_type=Path, file_okay=False))
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--opset", default=17, show_default=True, help="Use this ONNX opset version.")
@click.option(
    "--tolerance",
    default=1e-4,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Fail if any logit differs from PyTorch's by more than this.",
)
@click.option(
    "--max-length",
    default=128,
    show_default=True,
    type=click.IntRange(min=2),
    help="Truncate the parity-check texts to this many tokens.",
)
def export_onnx_cmd(
    model_dir: Path, out: Path, opset: int, tolerance: float, max_length: int
) -> None:
    """Export MODEL_DIR (a Hugging Face classifier folder) to OUT.onnx.

    The graph has dynamic batch and sequence axes; tokenizer files and config.json are copied
    next to it. Exits 1 if the largest |logit difference| on sample texts exceeds --tolerance.

    \b
    Example:
      mia export onnx runs/demo/target model/target.onnx --tolerance 1e-4
    """
    from mia_platform.export import export_onnx

    result = export_onnx(model_dir, out, opset=opset, max_length=max_length, tolerance=tolerance)
    click.echo(
        f"wrote {result.path} (inputs: {', '.join(result.input_names)}); "
        f"max |Δlogit| = {result.max_abs_diff:.3g} on {result.num_texts} texts "
        f"(tolerance {tolerance:g})"
    )
