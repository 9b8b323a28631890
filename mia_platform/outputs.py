"""The cached model outputs of one audit, saved so attacks can be re-run without any model.

``outputs/audit.npz`` holds every array (no pickled objects; loaded with ``allow_pickle=False``)
and ``outputs/audit.json`` the names and counts. Together they are what ``mia attack --outputs``
needs.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mia_platform.errors import MiaError
from mia_platform.interfaces import Outputs, ShadowOutputs

SCHEMA_VERSION = 1


@dataclass
class AuditOutputs:
    """Everything the attacks see, plus the evaluation labels they must not see.

    :param candidate_is_member: evaluation labels of ``candidates`` (1 = member); kept apart from
        the :class:`~mia_platform.interfaces.AttackContext`.
    :param candidate_index: the candidates' record indices in the dataset (for per-text CSVs).
    """

    label_names: list[str]
    user_names: list[str]
    candidates: Outputs
    candidate_is_member: np.ndarray
    candidate_index: np.ndarray
    population: Outputs
    shadows: list[ShadowOutputs]
    info: dict[str, Any] = field(default_factory=dict)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {
            "candidate_is_member": self.candidate_is_member,
            "candidate_index": self.candidate_index,
        }
        _put(arrays, "candidates", self.candidates)
        _put(arrays, "population", self.population)
        for s, shadow in enumerate(self.shadows):
            _put(arrays, f"shadow{s}_aux", shadow.aux)
            arrays[f"shadow{s}_in_mask"] = shadow.in_mask
            if shadow.candidates is not None:
                _put(arrays, f"shadow{s}_candidates", shadow.candidates)
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".npz.tmp")
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        publish(tmp, directory / "audit.npz")
        meta = {
            "schema_version": SCHEMA_VERSION,
            "label_names": self.label_names,
            "user_names": self.user_names,
            "num_shadows": len(self.shadows),
            "info": self.info,
        }
        write_json_atomic(directory / "audit.json", meta)

    @classmethod
    def load(cls, directory: Path) -> AuditOutputs:
        npz, meta_path = directory / "audit.npz", directory / "audit.json"
        if not npz.is_file() or not meta_path.is_file():
            raise MiaError(
                f"{directory}: no cached outputs (expected audit.npz and audit.json); "
                "run `mia run` first to create them"
            )
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            with np.load(npz, allow_pickle=False) as arrays:
                data = {k: arrays[k] for k in arrays.files}
        except (OSError, ValueError, zipfile.BadZipFile) as exc:
            raise MiaError(
                f"{directory}: cached outputs are damaged ({exc}); re-run `mia run`"
            ) from exc
        version = meta.get("schema_version") if isinstance(meta, dict) else None
        if version != SCHEMA_VERSION:
            raise MiaError(
                f"{meta_path}: outputs schema {version} is not supported "
                f"(expected {SCHEMA_VERSION}); re-run `mia run`"
            )
        shadows = [
            ShadowOutputs(
                aux=_get(data, f"shadow{s}_aux"),
                in_mask=data[f"shadow{s}_in_mask"],
                candidates=_get(data, f"shadow{s}_candidates")
                if f"shadow{s}_candidates_logits" in data
                else None,
            )
            for s in range(meta["num_shadows"])
        ]
        return cls(
            label_names=meta["label_names"],
            user_names=meta["user_names"],
            candidates=_get(data, "candidates"),
            candidate_is_member=data["candidate_is_member"],
            candidate_index=data["candidate_index"],
            population=_get(data, "population"),
            shadows=shadows,
            info=meta.get("info", {}),
        )


def _put(arrays: dict[str, np.ndarray], prefix: str, outputs: Outputs) -> None:
    arrays[f"{prefix}_logits"] = outputs.logits
    arrays[f"{prefix}_labels"] = outputs.labels
    arrays[f"{prefix}_users"] = outputs.users


def _get(data: dict[str, np.ndarray], prefix: str) -> Outputs:
    return Outputs(data[f"{prefix}_logits"], data[f"{prefix}_labels"], data[f"{prefix}_users"])


def publish(tmp: str | Path, path: Path) -> None:
    """Give ``tmp`` the mode a plain ``open()`` would (temp files are private), then rename it
    to ``path``: readers never see a half-written file, and reports stay shareable."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, path)


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to a temp file beside ``path``, then rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True, default=_json_default)
        fh.write("\n")
    publish(tmp, path)


def write_text_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    publish(tmp, path)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
