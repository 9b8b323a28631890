"""The columnar dataset of ``(user, text, label)`` records every run works on."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class DropReport:
    """What validation removed or noticed, by reason (shown by ``mia data inspect`` and in results).

    :param dropped_texts: reason -> number of records dropped (e.g. ``"empty_text": 3``).
    :param dropped_users: reason -> number of users dropped (e.g. ``"min_texts_per_user": 12``).
    :param duplicate_texts: number of records whose exact text appeared earlier in the data.
    """

    dropped_texts: Counter = field(default_factory=Counter)
    dropped_users: Counter = field(default_factory=Counter)
    duplicate_texts: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "dropped_texts": dict(sorted(self.dropped_texts.items())),
            "dropped_users": dict(sorted(self.dropped_users.items())),
            "duplicate_texts": self.duplicate_texts,
        }


@dataclass
class Dataset:
    """Records ``(user, text, label)`` held as columns.

    :param texts: the texts, in record order.
    :param labels: int64 ``[n]`` label ids into ``label_names``.
    :param users: int64 ``[n]`` user ids into ``user_names``.
    :param label_names: label names; ids are assigned in sorted order of names, so the same data
        always maps to the same ids.
    :param user_names: user names (pseudonyms, role names, ...).
    :param metadata: extra per-record fields (each a list or array of length n).
    :param drops: the validation report.
    :param info: provenance: source path or name, license, fingerprint.
    """

    name: str
    texts: list[str]
    labels: np.ndarray
    users: np.ndarray
    label_names: list[str]
    user_names: list[str]
    metadata: dict[str, Any] = field(default_factory=dict)
    drops: DropReport = field(default_factory=DropReport)
    info: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def num_classes(self) -> int:
        return len(self.label_names)

    def subset(self, index: np.ndarray) -> Dataset:
        """The records at ``index`` (ids and name tables unchanged, so ids stay comparable)."""
        index = np.asarray(index, dtype=np.int64)
        return Dataset(
            name=self.name,
            texts=[self.texts[i] for i in index],
            labels=self.labels[index],
            users=self.users[index],
            label_names=self.label_names,
            user_names=self.user_names,
            metadata={k: [v[i] for i in index] for k, v in self.metadata.items()},
            drops=self.drops,
            info=self.info,
        )
