"""``OnnxTarget``: an ONNX classifier graph plus its tokenizer, queried with length bucketing.

The session is fed exactly the inputs the graph declares: a zero ``token_type_ids`` is added when
the graph wants it and the tokenizer does not give it, tokenizer outputs the graph does not take
are dropped, and integers are cast to the declared type (int32 or int64). Dynamic batch and
sequence axes get length-bucketed batches; a fixed sequence length is fed padded or truncated to
it and a fixed batch size is filled with padding rows, unless ``static_shapes="refuse"``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import onnxruntime as ort
from transformers import AutoTokenizer

from mia_platform.batching import length_buckets, pad_batch, restore_order
from mia_platform.errors import TargetError
from mia_platform.fingerprint import fingerprint_files
from mia_platform.interfaces import OutputKind

TOKENIZER_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
INT_TYPES = {"tensor(int64)": np.int64, "tensor(int32)": np.int32}
PROGRESS_MIN_BATCHES = 20


def _fixed(dim: object) -> int | None:
    return dim if isinstance(dim, int) and dim > 0 else None


class OnnxTarget:
    """A ``.onnx`` file opened as a Target.

    :param uri: the ``.onnx`` file.
    :param tokenizer: tokenizer directory (default: the file's folder).
    :param max_length: truncate texts to this many tokens (a fixed sequence axis caps it).
    :param batch_size: texts per run (a fixed batch axis overrides it).
    :param device: "auto" (CUDA if onnxruntime has it, else CPU), "cpu" or "cuda".
    :param static_shapes: "pad" feeds fixed shapes padded/truncated; "refuse" raises instead.
    :param num_threads: intra-op threads (0: onnxruntime's default).
    :param progress: True/False to force the bar; None shows it on a terminal for long queries.
    """

    output_kind: OutputKind = "logits"

    def __init__(
        self,
        uri: str | Path,
        *,
        tokenizer: str | Path | None = None,
        max_length: int = 128,
        batch_size: int = 32,
        device: str | None = "auto",
        static_shapes: Literal["pad", "refuse"] = "pad",
        num_threads: int = 0,
        progress: bool | None = None,
    ) -> None:
        self.path = Path(uri)
        if not self.path.is_file():
            raise TargetError(f"{self.path}: no such ONNX file")
        if max_length < 2 or batch_size < 1:
            raise TargetError(
                f"{self.path}: max_length must be >= 2 and batch_size >= 1, "
                f"got max_length={max_length}, batch_size={batch_size}"
            )
        if static_shapes not in ("pad", "refuse"):
            raise TargetError(f"static_shapes must be 'pad' or 'refuse', got {static_shapes!r}")
        self.session = self._session(device, num_threads)
        self.inputs = {i.name: i for i in self.session.get_inputs()}
        self._check_inputs()
        shape = self.inputs["input_ids"].shape
        self.fixed_batch, self.fixed_length = _fixed(shape[0]), _fixed(shape[1])
        if static_shapes == "refuse" and (self.fixed_batch or self.fixed_length):
            raise TargetError(
                f"{self.path}: graph input 'input_ids' has fixed dimensions "
                f"(batch={self.fixed_batch or 'dynamic'}, "
                f"sequence={self.fixed_length or 'dynamic'}); re-export with dynamic axes "
                "(mia export onnx) or open it with static_shapes='pad'"
            )
        self.max_length = min(max_length, self.fixed_length or max_length)
        self.batch_size = self.fixed_batch or batch_size
        self.progress = progress
        tok_dir = Path(tokenizer) if tokenizer is not None else self.path.parent
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(tok_dir, local_files_only=True)
        except (OSError, ValueError, KeyError) as exc:
            raise TargetError(
                f"{self.path}: cannot load a tokenizer from {tok_dir}: {exc}; "
                "fix: pass tokenizer=DIR"
            ) from exc
        outputs = self.session.get_outputs()
        names = [o.name for o in outputs]
        self.output_name = "logits" if "logits" in names else names[0]
        self.label_names = self._label_names(outputs[names.index(self.output_name)].shape)
        self.num_classes = len(self.label_names)
        self._fingerprint: str | None = None

    def _session(self, device: str | None, num_threads: int) -> ort.InferenceSession:
        available = ort.get_available_providers()
        want_cuda = device == "cuda" or (
            device in (None, "auto") and "CUDAExecutionProvider" in available
        )
        if device == "cuda" and "CUDAExecutionProvider" not in available:
            raise TargetError(f"{self.path}: device='cuda' but onnxruntime has no CUDA provider")
        providers = (
            ["CUDAExecutionProvider", "CPUExecutionProvider"]
            if want_cuda
            else ["CPUExecutionProvider"]
        )
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = num_threads
        try:
            return ort.InferenceSession(str(self.path), options, providers=providers)
        except Exception as exc:  # onnxruntime raises its own untyped errors for bad graphs
            raise TargetError(f"{self.path}: onnxruntime cannot load the graph: {exc}") from exc

    def _check_inputs(self) -> None:
        for name, arg in self.inputs.items():
            if name not in TOKENIZER_INPUTS:
                raise TargetError(
                    f"{self.path}: graph input {name!r} is not a tokenizer output; "
                    f"supported inputs: {', '.join(TOKENIZER_INPUTS)}"
                )
            if arg.type not in INT_TYPES:
                raise TargetError(
                    f"{self.path}: graph input {name!r} has type {arg.type}; "
                    "expected tensor(int64) or tensor(int32)"
                )
            if len(arg.shape) != 2:
                raise TargetError(
                    f"{self.path}: graph input {name!r} has shape {arg.shape}; "
                    "expected [batch, sequence]"
                )
        if "input_ids" not in self.inputs:
            raise TargetError(f"{self.path}: the graph takes no 'input_ids' input")

    def _label_names(self, output_shape: list) -> list[str]:
        config = self.path.parent / "config.json"
        if config.is_file():
            try:
                id2label = json.loads(config.read_text(encoding="utf-8")).get("id2label") or {}
            except json.JSONDecodeError as exc:
                raise TargetError(
                    f"{config}: invalid JSON at line {exc.lineno}: {exc.msg}"
                ) from exc
            if id2label:
                by_id = {int(k): str(v) for k, v in id2label.items()}
                return [by_id.get(i, f"LABEL_{i}") for i in range(max(by_id) + 1)]
        width = _fixed(output_shape[-1]) if output_shape else None
        if width is None:
            width = self._run(self._encode([""]), np.arange(1)).shape[1]
        return [f"LABEL_{i}" for i in range(width)]

    @property
    def fingerprint(self) -> str:
        """Hash of the graph file (and config.json beside it, if any), computed once."""
        if self._fingerprint is None:
            files = [self.path]
            external = self.path.with_name(self.path.name + ".data")
            if external.is_file():
                files.append(external)
            config = self.path.parent / "config.json"
            if config.is_file():
                files.append(config)
            self._fingerprint = fingerprint_files(files, extra=json.dumps(self.label_names))
        return self._fingerprint

    def _encode(self, texts: Sequence[str]) -> dict[str, list[list[int]]]:
        bad = [i for i, t in enumerate(texts) if not isinstance(t, str)]
        if bad:
            raise TargetError(
                f"query text {bad[0]} is a {type(texts[bad[0]]).__name__}, not a string"
            )
        enc = self.tokenizer(list(texts), truncation=True, max_length=self.max_length)
        return {k: list(enc[k]) for k in TOKENIZER_INPUTS if k in enc and k in self.inputs}

    def _run(self, enc: dict[str, list[list[int]]], idx: np.ndarray) -> np.ndarray:
        pads = {"input_ids": int(self.tokenizer.pad_token_id or 0)}
        rows = len(idx)
        if self.fixed_batch and rows < self.fixed_batch:  # fill up with copies of the first row
            idx = np.concatenate([idx, np.full(self.fixed_batch - rows, idx[0])])
        arrays = pad_batch(enc, idx, pad_values=pads, width=self.fixed_length)
        if "token_type_ids" in self.inputs and "token_type_ids" not in arrays:
            arrays["token_type_ids"] = np.zeros_like(arrays["input_ids"])
        feed = {k: v.astype(INT_TYPES[self.inputs[k].type]) for k, v in arrays.items()}
        (logits,) = self.session.run([self.output_name], feed)
        return np.asarray(logits, dtype=np.float32)[:rows]

    def predict_logits(self, texts: Sequence[str]) -> np.ndarray:
        """float32 ``[len(texts), num_classes]`` logits, in input order."""
        if len(texts) == 0:
            return np.zeros((0, self.num_classes), dtype=np.float32)
        enc = self._encode(texts)
        batches = length_buckets([len(ids) for ids in enc["input_ids"]], self.batch_size)
        show = self.progress
        if show is None:
            show = sys.stderr.isatty() and len(batches) > PROGRESS_MIN_BATCHES
        from tqdm.auto import tqdm

        parts = [
            self._run(enc, idx)
            for idx in tqdm(batches, desc="query", unit="batch", disable=not show)
        ]
        return restore_order(parts, batches, len(texts))
