"""Hook implementations of the ``torch`` backend (no torch import until a model is opened)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mia_platform import BackendSpec, hookimpl


def _open(uri: str, **options: Any) -> Any:
    from mia_builtin_torch.target import TorchTarget

    return TorchTarget(uri, **options)


def is_hf_model_dir(uri: str) -> bool:
    """True for a directory with a config.json and safetensors weights."""
    path = Path(uri)
    return path.is_dir() and (path / "config.json").is_file() and any(path.glob("*.safetensors"))


@hookimpl
def mia_target_backends() -> list[BackendSpec]:
    return [
        BackendSpec(
            name="torch",
            factory=_open,
            summary="Hugging Face model directory (safetensors) run with PyTorch, CPU or CUDA",
            requires=("torch", "transformers"),
            capabilities=("cuda", "logits"),
        )
    ]


@hookimpl
def mia_claim_target(uri: str) -> str | None:
    return "torch" if is_hf_model_dir(uri) else None
