"""Length bucketing shared by the target backends.

Tokenize once, sort by token length, cut into batches, pad each batch only to its own longest
text, and put the outputs back in input order. Sorting makes padding (wasted compute) small.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def length_buckets(lengths: Sequence[int], batch_size: int) -> list[np.ndarray]:
    """Split indices ``0..n-1`` into batches of at most ``batch_size`` texts of similar length.

    A stable sort keeps equal-length texts in input order, so batching is deterministic.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    order = np.argsort(np.asarray(lengths, dtype=np.int64), kind="stable")
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def pad_batch(
    encoded: Mapping[str, Sequence[Sequence[int]]],
    index: np.ndarray,
    *,
    pad_values: Mapping[str, int],
    width: int | None = None,
    dtype: np.dtype | type = np.int64,
) -> dict[str, np.ndarray]:
    """Right-pad the rows ``index`` of each tokenizer field into ``[len(index), width]`` arrays.

    ``width`` defaults to the longest selected row; rows longer than ``width`` are cut.
    Fields missing from ``pad_values`` pad with 0.
    """
    rows_of = {key: [encoded[key][i] for i in index] for key in encoded}
    if width is None:
        first = next(iter(rows_of.values()))
        width = max((len(r) for r in first), default=0)
    out: dict[str, np.ndarray] = {}
    for key, rows in rows_of.items():
        arr = np.full((len(rows), width), pad_values.get(key, 0), dtype=dtype)
        for j, row in enumerate(rows):
            cut = row[:width]
            arr[j, : len(cut)] = cut
        out[key] = arr
    return out


def restore_order(parts: Sequence[np.ndarray], batches: Sequence[np.ndarray], n: int) -> np.ndarray:
    """Scatter per-batch outputs ``parts`` (aligned with ``batches``) back to input order."""
    if not parts:
        raise ValueError("restore_order needs at least one batch")
    out = np.empty((n, *parts[0].shape[1:]), dtype=parts[0].dtype)
    for idx, part in zip(batches, parts, strict=True):
        out[idx] = part
    return out
