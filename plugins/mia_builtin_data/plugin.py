"""Hook implementations registering the built-in datasets and claiming data paths."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mia_platform import DatasetSpec, hookimpl
from mia_platform.data.dataset import Dataset
from mia_platform.data.loaders import (
    CSV_SUFFIXES,
    JSONL_SUFFIXES,
    is_hf_dataset_dir,
    load_csv,
    load_hf_disk,
    load_jsonl,
)
from mia_platform.data.shakespeare import load_shakespeare
from mia_platform.errors import DataError


def _checked(name: str, loader: Callable[..., Dataset]) -> Callable[..., Dataset]:
    """``loader`` refusing unknown options with a DataError that lists the valid ones."""
    valid = [p for p in inspect.signature(loader).parameters if p != "path"]

    def factory(**options: Any) -> Dataset:
        unknown = sorted(set(options) - set(valid) - {"path"})
        if unknown:
            raise DataError(
                f"dataset {name!r}: unknown option(s) {', '.join(unknown)}; "
                f"valid options: {', '.join(valid)}"
            )
        return loader(**options)

    factory.__doc__ = loader.__doc__
    return factory


def _shakespeare(*, label_field: str | None = None, **options: Any) -> Dataset:
    """The shakespeare dataset; ``label_field`` (as in ``mia data inspect``) names the label."""
    if label_field is not None:
        options.setdefault("label", label_field)
    return _checked("shakespeare", load_shakespeare)(**options)


@hookimpl
def mia_datasets() -> list[DatasetSpec]:
    return [
        DatasetSpec(
            name="shakespeare",
            factory=_shakespeare,
            summary="Shakespeare's 37 plays: users = speaking roles, texts = speeches, "
            "label = play (or label: genre); embedded, public domain",
        ),
        DatasetSpec(
            name="jsonl",
            capabilities=("loader",),
            factory=_checked("jsonl", load_jsonl),
            summary="JSON Lines file (.jsonl, .jsonl.gz), one record per line",
        ),
        DatasetSpec(
            name="csv",
            capabilities=("loader",),
            factory=_checked("csv", load_csv),
            summary="CSV or TSV file with a header row (delimiter by extension)",
        ),
        DatasetSpec(
            name="hf_disk",
            capabilities=("loader",),
            factory=_checked("hf_disk", load_hf_disk),
            summary="Hugging Face datasets folder written by save_to_disk",
            requires=("pyarrow",),
        ),
    ]


@hookimpl
def mia_claim_dataset(source: str) -> str | None:
    name = Path(source).name.lower()
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    if is_hf_dataset_dir(source):
        return "hf_disk"
    return None
