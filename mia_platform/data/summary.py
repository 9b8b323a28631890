"""Counts that describe a dataset (what ``mia data inspect`` prints and runs record)."""

from __future__ import annotations

from typing import Any

import numpy as np

from mia_platform.data.dataset import Dataset

#: Texts-per-user histogram bins ``(low, high inclusive or None, label)``, as in PROVENANCE.md.
HISTOGRAM_BINS: tuple[tuple[int, int | None, str], ...] = (
    (1, 1, "1"),
    (2, 2, "2"),
    (3, 4, "3-4"),
    (5, 9, "5-9"),
    (10, 19, "10-19"),
    (20, 49, "20-49"),
    (50, None, "50+"),
)


def texts_per_user_histogram(per_user: np.ndarray) -> dict[str, int]:
    """Number of users per bin of :data:`HISTOGRAM_BINS`, given each user's text count."""
    return {
        label: int(((per_user >= low) & (per_user <= (high or np.inf))).sum())
        for low, high, label in HISTOGRAM_BINS
    }


def summarize(dataset: Dataset) -> dict[str, Any]:
    """Sizes, label counts (largest first), texts per user, multi-class users and drops."""
    per_user = np.bincount(dataset.users, minlength=len(dataset.user_names))
    per_user = per_user[per_user > 0]
    label_counts = np.bincount(dataset.labels, minlength=dataset.num_classes)
    order = sorted(range(dataset.num_classes), key=lambda k: (-label_counts[k], k))
    pairs = np.unique(np.stack([dataset.users, dataset.labels]), axis=1) if len(dataset) else None
    labels_per_user = np.bincount(pairs[0]) if pairs is not None else np.zeros(0, np.int64)
    words = np.array([len(t.split()) for t in dataset.texts]) if len(dataset) else np.zeros(1)
    three = per_user >= 3
    return {
        "name": dataset.name,
        "texts": len(dataset),
        "users": int(len(per_user)),
        "users_with_3plus_texts": int(three.sum()),
        "texts_of_users_with_3plus": int(per_user[three].sum()),
        "max_texts_per_user": int(per_user.max()) if len(per_user) else 0,
        "classes": dataset.num_classes,
        "label_counts": {dataset.label_names[k]: int(label_counts[k]) for k in order},
        "users_with_several_labels": int((labels_per_user > 1).sum()),
        "texts_per_user": texts_per_user_histogram(per_user),
        "words_per_text": {"median": float(np.median(words)), "mean": float(words.mean())},
        "metadata_fields": sorted(dataset.metadata),
        **dataset.drops.as_dict(),
    }
