"""Hook implementations of the ``onnx`` backend (onnxruntime is imported only on open)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mia_platform import BackendSpec, hookimpl


def _open(uri: str, **options: Any) -> Any:
    from mia_builtin_onnx.target import OnnxTarget

    return OnnxTarget(uri, **options)


@hookimpl
def mia_target_backends() -> list[BackendSpec]:
    return [
        BackendSpec(
            name="onnx",
            factory=_open,
            summary="ONNX graph run with ONNX Runtime (CPU, or CUDA when available)",
            requires=("onnxruntime", "transformers"),
            capabilities=("cuda", "logits"),
        )
    ]


@hookimpl
def mia_claim_target(uri: str) -> str | None:
    return "onnx" if uri.lower().endswith(".onnx") and Path(uri).is_file() else None
