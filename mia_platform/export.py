"""Export a Hugging Face classifier directory to ONNX and check it against PyTorch.

The graph takes the tokenizer's outputs (``input_ids``, ``attention_mask`` and, when the model
uses them, ``token_type_ids``) with dynamic batch and sequence axes and returns ``logits``. The
tokenizer files and config.json are copied next to the ``.onnx`` file so the ``onnx`` backend can
open it alone. The file is moved into place only after the parity check passes.
"""

from __future__ import annotations

import inspect
import os
import shutil
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mia_platform.errors import TargetError
from mia_platform.pretrained import quiet_loading

#: Texts of varied length (including an empty one) the parity check runs on.
PARITY_TEXTS: tuple[str, ...] = (
    "",
    "Hello.",
    "To be, or not to be, that is the question.",
    "Whether 'tis nobler in the mind to suffer the slings and arrows of outrageous fortune, "
    "or to take arms against a sea of troubles, and by opposing end them.",
    "The quick brown fox jumps over the lazy dog " * 20,
    "Numbers 12345 and punctuation!?; mixed CASE words, émigré café.",
)

#: Tokenizer and config files copied beside the exported graph.
SIDE_FILES = (
    "config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
    "merges.txt",
    "vocab.json",
    "spiece.model",
    "sentencepiece.bpe.model",
    "added_tokens.json",
)


@dataclass(frozen=True)
class ExportResult:
    """Where the graph went, what it takes, and the parity check's figure."""

    path: Path
    input_names: tuple[str, ...]
    max_abs_diff: float
    num_texts: int


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence weight-loading bars and the tracer's expected warnings during an export."""
    with quiet_loading(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _load(model_dir: Path) -> tuple[object, object]:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from mia_platform.rnn_model import register_auto_classes

    if not (model_dir / "config.json").is_file():
        raise TargetError(
            f"{model_dir}: not a Hugging Face model directory (no config.json); "
            "fix: pass the folder written by save_pretrained"
        )
    register_auto_classes()
    try:
        tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        # Eager attention traces into a graph that is correct for every padding pattern; the
        # SDPA path bakes shape-dependent branches of the mask code into constants.
        model = AutoModelForSequenceClassification.from_pretrained(
            model_dir, local_files_only=True, use_safetensors=True, attn_implementation="eager"
        )
    except (OSError, ValueError, KeyError) as exc:
        raise TargetError(f"{model_dir}: cannot load model or tokenizer: {exc}") from exc
    model.eval()
    return model, tokenizer


def _input_names(model: object, tokenizer: object) -> tuple[str, ...]:
    accepted = inspect.signature(model.forward).parameters
    names = ["input_ids", "attention_mask"]
    if "token_type_ids" in accepted and "token_type_ids" in tokenizer.model_input_names:
        names.append("token_type_ids")
    return tuple(names)


def max_logit_difference(
    model: object, tokenizer: object, onnx_path: Path, names: Sequence[str], max_length: int
) -> tuple[float, int]:
    """Max |torch logit - ONNX logit| over :data:`PARITY_TEXTS`, each run as one padded batch."""
    import onnxruntime as ort
    import torch

    enc = tokenizer(
        list(PARITY_TEXTS),
        truncation=True,
        max_length=max_length,
        padding=True,
        return_tensors="np",
    )
    feed = {name: enc[name].astype(np.int64) for name in names if name in enc}
    if "token_type_ids" in names and "token_type_ids" not in feed:
        feed["token_type_ids"] = np.zeros_like(feed["input_ids"])
    with torch.inference_mode():
        expected = model(**{k: torch.from_numpy(v) for k, v in feed.items()}).logits.numpy()
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    (got,) = session.run(["logits"], feed)
    return float(np.max(np.abs(expected - got))), len(PARITY_TEXTS)


def export_onnx(
    model_dir: Path,
    out_path: Path,
    *,
    opset: int = 17,
    max_length: int = 128,
    tolerance: float = 1e-4,
) -> ExportResult:
    """Export ``model_dir`` to ``out_path`` (a ``.onnx`` file) and check parity.

    :raises TargetError: if the model cannot be loaded or exported, or if the largest logit
        difference on the parity texts exceeds ``tolerance`` (nothing is written then).
    """

    model_dir, out_path = Path(model_dir), Path(out_path)
    if out_path.suffix != ".onnx":
        raise TargetError(f"{out_path}: the output file must end in .onnx")
    if tolerance < 0:
        raise TargetError(f"tolerance must be >= 0, got {tolerance}")
    with _quiet():
        return _export(model_dir, out_path, opset=opset, max_length=max_length, tolerance=tolerance)


def _export(
    model_dir: Path, out_path: Path, *, opset: int, max_length: int, tolerance: float
) -> ExportResult:
    import torch

    model, tokenizer = _load(model_dir)
    names = _input_names(model, tokenizer)
    limit = getattr(model.config, "max_position_embeddings", None)
    max_length = min(max_length, limit) if limit else max_length

    class LogitsOnly(torch.nn.Module):
        """Keyword inputs in a fixed order, logits out (what the graph exposes)."""

        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *args: torch.Tensor) -> torch.Tensor:
            return self.inner(**dict(zip(names, args, strict=True))).logits

    dummy = tokenizer(
        ["a short text", "a somewhat longer text for the dummy batch"],
        padding=True,
        return_tensors="pt",
    )
    args = tuple(dummy[n] if n in dummy else torch.zeros_like(dummy["input_ids"]) for n in names)
    for name in SIDE_FILES:
        src, dst = model_dir / name, out_path.parent / name
        if src.is_file() and dst.is_file() and src.resolve() != dst.resolve():
            if dst.read_bytes() != src.read_bytes():
                raise TargetError(
                    f"{dst} exists and differs from the model's {name}; export into an empty "
                    "folder (the tokenizer and config are copied beside the .onnx file)"
                )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.tmp-{os.getpid()}.onnx")
    try:
        torch.onnx.export(
            # eval(): the exporter restores the wrapper's mode afterwards, and a fresh module is
            # in training mode, which would switch dropout on for the parity check.
            LogitsOnly(model).eval(),
            args,
            str(tmp),
            input_names=list(names),
            output_names=["logits"],
            dynamic_axes={
                **{n: {0: "batch", 1: "sequence"} for n in names},
                "logits": {0: "batch"},
            },
            opset_version=opset,
            dynamo=False,
        )
        diff, count = max_logit_difference(model, tokenizer, tmp, names, max_length)
        if not diff <= tolerance:
            raise TargetError(
                f"ONNX parity check failed for {model_dir}: max |Δlogit| = {diff:.3g} on "
                f"{count} texts exceeds tolerance {tolerance:g}; nothing written"
            )
        for name in SIDE_FILES:
            src = model_dir / name
            if src.is_file() and src.resolve() != (out_path.parent / name).resolve():
                shutil.copyfile(src, out_path.parent / name)
        os.replace(tmp, out_path)
    except (RuntimeError, torch.onnx.errors.OnnxExporterError) as exc:
        raise TargetError(f"cannot export {model_dir} to ONNX: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return ExportResult(out_path, names, diff, count)
