"""Run-directory caches: model outputs and trained models are computed once and reused.

Logits are stored per (model fingerprint, text fingerprint, query options) as ``.npy`` files
under ``<cache_dir>/outputs/``; trained models per (recipe fingerprint, data fingerprint, seed,
training defenses) under ``<cache_dir>/models/``. Both are written to a temporary name and moved
into place with ``os.replace``, so an interrupted run leaves no half-written entry and a rerun
never re-queries or re-trains.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mia_platform.errors import TargetError
from mia_platform.interfaces import Recipe, Target, TrainingDefense
from mia_platform.outputs import publish


def _digest(payload: Any) -> str:
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def fingerprint_texts(texts: Sequence[str]) -> str:
    """Hash of the texts in order (length-prefixed, so ``["ab"]`` and ``["a", "b"]`` differ)."""
    h = hashlib.sha256()
    h.update(str(len(texts)).encode())
    for text in texts:
        raw = text.encode("utf-8", "surrogatepass")
        h.update(b"\0%d\0" % len(raw))
        h.update(raw)
    return h.hexdigest()[:32]


def fingerprint_labels(labels: np.ndarray, label_names: Sequence[str]) -> str:
    """Hash of integer label ids and the label names they index."""
    h = hashlib.sha256(np.ascontiguousarray(labels, dtype=np.int64).tobytes())
    h.update(json.dumps([str(n) for n in label_names]).encode())
    return h.hexdigest()[:32]


def defense_fingerprint(defense: object) -> str:
    """A defense's own ``fingerprint`` if it has one, else its class and simple settings."""
    own = getattr(defense, "fingerprint", None)
    if isinstance(own, str):
        return own
    simple = {
        k: v
        for k, v in sorted(vars(defense).items())
        if not k.startswith("_") and isinstance(v, str | int | float | bool | type(None))
    }
    return _digest([type(defense).__module__, type(defense).__qualname__, simple])


def output_key(target: Target, texts: Sequence[str], key_extra: Mapping[str, Any]) -> str:
    """The cache key of one query: model, texts and query options."""
    return _digest(
        {"model": target.fingerprint, "texts": fingerprint_texts(texts), "extra": dict(key_extra)}
    )


def save_npy_atomic(path: Path, array: np.ndarray) -> None:
    """Write ``array`` to ``path`` via a temporary file in the same folder and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, array, allow_pickle=False)
        publish(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cached_predict(
    cache_dir: Path,
    target: Target,
    texts: Sequence[str],
    *,
    key_extra: Mapping[str, Any] | None = None,
) -> np.ndarray:
    """``target.predict_logits(texts)``, or the stored result of the same query.

    :param key_extra: query options that change outputs (max_length, output defense, ...).
    :raises TargetError: if the target returns the wrong shape.
    """
    path = Path(cache_dir) / "outputs" / f"{output_key(target, texts, key_extra or {})}.npy"
    if path.is_file():
        return np.load(path, allow_pickle=False)
    logits = np.asarray(target.predict_logits(texts), dtype=np.float32)
    expected = (len(texts), target.num_classes)
    if logits.shape != expected:
        raise TargetError(
            f"target returned outputs of shape {logits.shape} for {len(texts)} texts; "
            f"expected {expected}"
        )
    save_npy_atomic(path, logits)
    return logits


def train_key(
    recipe: Recipe,
    texts: Sequence[str],
    labels: np.ndarray,
    label_names: Sequence[str],
    seed: int,
    training_defenses: Sequence[TrainingDefense] = (),
) -> str:
    """The cache key of one training run."""
    return _digest(
        {
            "recipe": recipe.fingerprint,
            "texts": fingerprint_texts(texts),
            "labels": fingerprint_labels(labels, label_names),
            "seed": int(seed),
            "defenses": [defense_fingerprint(d) for d in training_defenses],
        }
    )


def cached_train(
    cache_dir: Path,
    recipe: Recipe,
    texts: Sequence[str],
    labels: np.ndarray,
    label_names: Sequence[str],
    seed: int,
    training_defenses: Sequence[TrainingDefense] = (),
    on_train: Callable[[], None] | None = None,
) -> Path:
    """The model directory ``recipe`` trains on this data and seed, trained only if not cached.

    ``on_train`` is called just before a training that the cache could not spare (for progress
    messages).

    A cached directory is reused only if it is complete (recipes save atomically, so a
    directory with a ``config.json`` is a finished model).
    """
    key = train_key(recipe, texts, labels, label_names, seed, training_defenses)
    out_dir = Path(cache_dir) / "models" / key
    if (out_dir / "config.json").is_file():
        return out_dir
    if on_train is not None:
        on_train()
    return Path(
        recipe.train(
            texts,
            labels,
            label_names,
            out_dir,
            seed=seed,
            training_defenses=training_defenses,
        )
    )
