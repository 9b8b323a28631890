"""The one validation policy every loader applies (documented in docs/data.md).

Loaders parse their format and hand each record to a :class:`RecordBuilder`, which checks the
fields, counts drops by reason and builds the columns as it goes (no per-record dict is kept), so
memory stays proportional to the data. :meth:`RecordBuilder.finish` then applies the per-user rule
and returns a :class:`~mia_platform.data.Dataset`.

Policy, per record:

- a missing text, label or user field is an error (the field mapping is wrong, not the record);
- a text that is null, NaN, not a string, empty or whitespace-only is dropped;
- a label or user that is null, NaN, empty or whitespace-only, or of another type than string or
  integer, is dropped (integers are turned into their decimal string);
- ``strict=True`` turns every drop into a :class:`~mia_platform.errors.DataError`.

Per user: users left with fewer than ``min_texts_per_user`` texts are dropped with their texts;
users whose every record was dropped are counted too. Exact duplicate texts are counted, not dropped.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np

from mia_platform.data.dataset import Dataset, DropReport
from mia_platform.errors import DataError

#: The three fields every record maps to, in the order messages name them.
ROLES = ("text", "label", "user")

_TEXT_REASON = {
    "null": "null_text",
    "nan": "nan_text",
    "type": "non_string_text",
    "empty": "empty_text",
}


def _problem(value: Any) -> str | None:
    """Why ``value`` cannot be used as a string field (``None`` if it can)."""
    if value is None:
        return "null"
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if not isinstance(value, str):
        return "type"
    if not _usable(value):
        return "empty"
    return None


def _usable(value: str) -> bool:
    return bool(value) and not value.isspace()


def _as_key(value: Any) -> tuple[str | None, str | None]:
    """A label or user value as a string, or the reason it cannot be one."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value), None
    problem = _problem(value)
    return (value, None) if problem is None else (None, problem)


class RecordBuilder:
    """Validates records one by one and builds the dataset's columns.

    :param source: the file or folder name used in every message.
    :param text_field: the record field holding the text.
    :param label_field: the record field holding the label.
    :param user_field: the record field holding the user.
    :param strict: raise on the first record that would be dropped.
    :param unit: what a position is called in messages (``line`` for text files, ``row`` for tables).
    """

    def __init__(
        self,
        source: str,
        *,
        text_field: str = "text",
        label_field: str = "label",
        user_field: str = "user",
        strict: bool = False,
        unit: str = "line",
    ) -> None:
        self.source = source
        self.fields = {"text": text_field, "label": label_field, "user": user_field}
        self.strict = strict
        self.unit = unit
        self.texts: list[str] = []
        self._labels = array("q")
        self._users = array("q")
        self._label_ids: dict[str, int] = {}
        self._user_ids: dict[str, int] = {}
        self._users_of_drops: set[str] = set()  # users of dropped records, to find lost users
        self.metadata: dict[str, list[Any]] = {}
        self.dropped: Counter = Counter()

    def missing(self, role: str, where: str) -> DataError:
        """The error for a record (or header) that lacks the field mapped to ``role``."""
        name = self.fields[role]
        return DataError(
            f"{self.source}, {where}: missing required field {name!r} (the {role}); "
            f"name the field that holds it with {role}_field / --{role}-field"
        )

    def _drop(self, reason: str, field: str, position: int) -> None:
        if self.strict:
            raise DataError(
                f"{self.source}, {self.unit} {position}: field {field!r} is unusable "
                f"({reason}); strict mode refuses records that would be dropped"
            )
        self.dropped[reason] += 1

    def _check(
        self, text: Any, label: Any, user: Any, position: int
    ) -> tuple[str | None, str | None]:
        """Label and user keys of a record that needs a closer look (None, None if dropped)."""
        user_key, user_problem = _as_key(user)
        problem = _problem(text)
        label_key, label_problem = _as_key(label)
        if (problem or label_problem) and user_key is not None:
            self._users_of_drops.add(user_key)
        if problem is not None:
            self._drop(_TEXT_REASON[problem], self.fields["text"], position)
            return None, None
        if label_problem is not None:
            reason = "invalid_label" if label_problem == "type" else f"{label_problem}_label"
            self._drop(reason, self.fields["label"], position)
            return None, None
        if user_problem is not None:
            reason = "invalid_user" if user_problem == "type" else f"{user_problem}_user"
            self._drop(reason, self.fields["user"], position)
            return None, None
        return label_key, user_key

    def add(self, record: Mapping[str, Any], position: int) -> None:
        """Validate one record at ``position`` (1-based line or row) and append it if usable."""
        try:
            text = record[self.fields["text"]]
            label = record[self.fields["label"]]
            user = record[self.fields["user"]]
        except KeyError:
            for role in ROLES:
                if self.fields[role] not in record:
                    raise self.missing(role, f"{self.unit} {position}") from None
            raise
        if (
            type(text) is str
            and type(label) is str
            and type(user) is str
            and _usable(text)
            and (_usable(label) and _usable(user))
        ):  # the common case, checked cheaply
            label_key, user_key = label, user
        else:
            label_key, user_key = self._check(text, label, user, position)
            if label_key is None or user_key is None:
                return
        row = len(self.texts)
        self.texts.append(text)
        self._labels.append(self._label_ids.setdefault(label_key, len(self._label_ids)))
        self._users.append(self._user_ids.setdefault(user_key, len(self._user_ids)))
        if len(record) > 3:
            core = self.fields.values()
            for key, value in record.items():
                if key in core:
                    continue
                column = self.metadata.get(key)
                if column is None:
                    column = self.metadata[key] = [None] * row
                column.append(value)
        for column in self.metadata.values():
            if len(column) == row:
                column.append(None)

    def finish(
        self, *, name: str, min_texts_per_user: int = 1, info: dict[str, Any] | None = None
    ) -> Dataset:
        """Apply the per-user rule, assign sorted ids and return the dataset.

        Label ids follow the sorted label names and user ids the sorted user names, so the same
        records always get the same ids, whatever their order in the file.
        """
        if min_texts_per_user < 1:
            raise DataError(f"min_texts_per_user must be at least 1, got {min_texts_per_user}")
        drops = DropReport(dropped_texts=self.dropped)
        users = np.frombuffer(self._users, dtype=np.int64) if self._users else np.zeros(0, np.int64)
        labels = (
            np.frombuffer(self._labels, dtype=np.int64) if self._labels else np.zeros(0, np.int64)
        )
        user_names = list(self._user_ids)
        lost = len(self._users_of_drops.difference(self._user_ids))
        if lost:
            drops.dropped_users["all_texts_dropped"] = lost
        texts = self.texts
        metadata = self.metadata
        counts = np.bincount(users, minlength=len(user_names))
        small = counts < min_texts_per_user
        if small.any():
            if self.strict:
                first = int(np.flatnonzero(small)[0])
                raise DataError(
                    f"{self.source}: user {user_names[first]!r} has {int(counts[first])} text(s), "
                    f"fewer than min_texts_per_user={min_texts_per_user}; strict mode refuses "
                    "users that would be dropped"
                )
            drops.dropped_users["min_texts_per_user"] = int(small.sum())
            keep = ~small[users]
            drops.dropped_texts["user_below_min_texts"] = int((~keep).sum())
            index = np.flatnonzero(keep)
            texts = [texts[i] for i in index]
            metadata = {k: [v[i] for i in index] for k, v in metadata.items()}
            users, labels = users[index], labels[index]
        users, user_names = _sorted_codes(users, user_names)
        labels, label_names = _sorted_codes(labels, list(self._label_ids))
        drops.duplicate_texts = len(texts) - len(set(texts))
        return Dataset(
            name=name,
            texts=texts,
            labels=labels,
            users=users,
            label_names=label_names,
            user_names=user_names,
            metadata=metadata,
            drops=drops,
            info=dict(info or {}),
        )


def _sorted_codes(codes: np.ndarray, names: list[str]) -> tuple[np.ndarray, list[str]]:
    """Re-code ``codes`` so ids follow the sorted order of the names still in use."""
    used = np.unique(codes)
    kept = sorted((names[i], i) for i in used)
    remap = np.full(len(names), -1, dtype=np.int64)
    for new, (_, old) in enumerate(kept):
        remap[old] = new
    return remap[codes] if len(codes) else codes.copy(), [n for n, _ in kept]
