"""The audit split of SPEC section 2: users (never texts) into target, member and shadow roles.

One seeded RNG partitions the users into a target pool and an attacker pool, the target pool into
members M and non-members N, and draws each shadow's in-users as a random half of the attacker
pool. Everything a pipeline needs is exposed as index arrays into the dataset. The split is saved
by user name (:meth:`AuditSplit.to_json`) so a run can be audited and replayed on the same data.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from mia_platform.data.dataset import Dataset
from mia_platform.errors import DataError

QueryMode = Literal["train", "unseen"]

#: Version of the saved-split format.
SPLIT_FORMAT = 1


@dataclass(frozen=True, eq=False)
class AuditSplit:
    """Who plays which role in one audit, as arrays of user ids and text indices.

    :param seed: the seed the split was drawn with.
    :param query_mode: ``train`` (members are queried on their training texts) or ``unseen``
        (on held-out texts of theirs the target never trained on).
    :param member_users: sorted user ids of M (their texts train the target).
    :param nonmember_users: sorted user ids of N (the target never sees them; its utility set).
    :param attacker_users: sorted user ids of the attacker pool; columns of ``shadow_in_users``.
    :param shadow_in_users: bool ``[num_shadows, len(attacker_users)]``: each shadow's in-users.
    :param target_train_idx: sorted text indices the target trains on.
    :param candidate_idx: sorted text indices of the sample-level evaluation set.
    :param candidate_is_member: bool, aligned with ``candidate_idx`` (1 = member).
    :param attacker_idx: sorted text indices of the attacker pool.
    :param heldout_idx: member texts held out from training (``unseen`` mode; empty otherwise).
    :param duplicate_idx: member or non-member texts whose exact text occurs on both sides; they
        are left out of the evaluation set when ``exclude_duplicates`` is set.
    :param params: the arguments of :func:`make_split`, for the record.
    """

    seed: int
    query_mode: QueryMode
    member_users: np.ndarray
    nonmember_users: np.ndarray
    attacker_users: np.ndarray
    shadow_in_users: np.ndarray
    target_train_idx: np.ndarray
    candidate_idx: np.ndarray
    candidate_is_member: np.ndarray
    attacker_idx: np.ndarray
    heldout_idx: np.ndarray
    duplicate_idx: np.ndarray
    dataset: Dataset = field(repr=False)
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def num_shadows(self) -> int:
        return int(self.shadow_in_users.shape[0])

    @property
    def nonmember_idx(self) -> np.ndarray:
        """All texts of N: the target's utility (accuracy, macro-F1) set."""
        return np.flatnonzero(np.isin(self.dataset.users, self.nonmember_users))

    def shadow_in_mask(self, s: int) -> np.ndarray:
        """bool over ``attacker_idx``: True where the text's user is an in-user of shadow ``s``."""
        column = np.searchsorted(self.attacker_users, self.dataset.users[self.attacker_idx])
        return self.shadow_in_users[s][column]

    def shadow_train_idx(self, s: int) -> np.ndarray:
        """Text indices shadow ``s`` trains on: every text of its in-users."""
        return self.attacker_idx[self.shadow_in_mask(s)]

    def candidate_users(self) -> np.ndarray:
        """Sorted user ids of M and N that keep at least one evaluation text."""
        return np.unique(self.dataset.users[self.candidate_idx])

    def counts(self) -> dict[str, Any]:
        """Sizes of every part, for results and ``mia`` output."""
        evaluated = set(self.candidate_users().tolist())
        target_users = np.concatenate([self.member_users, self.nonmember_users])
        unscored = [self.dataset.user_names[u] for u in target_users if int(u) not in evaluated]
        return {
            "users": int(len(target_users) + len(self.attacker_users)),
            "member_users": int(len(self.member_users)),
            "nonmember_users": int(len(self.nonmember_users)),
            "attacker_users": int(len(self.attacker_users)),
            "shadow_in_users": [int(n) for n in self.shadow_in_users.sum(axis=1)],
            "target_train_texts": int(len(self.target_train_idx)),
            "candidate_texts": int(len(self.candidate_idx)),
            "candidate_members": int(self.candidate_is_member.sum()),
            "candidate_nonmembers": int((~self.candidate_is_member).sum()),
            "heldout_texts": int(len(self.heldout_idx)),
            "attacker_texts": int(len(self.attacker_idx)),
            "duplicate_texts": int(len(self.duplicate_idx)),
            "users_without_candidates": sorted(unscored),
        }

    def to_json(self) -> dict[str, Any]:
        """The split as JSON-ready data: users by name, so it can be read back on the same data."""
        names = self.dataset.user_names
        return {
            "format": SPLIT_FORMAT,
            "dataset": {"name": self.dataset.name, "texts": len(self.dataset)},
            "seed": self.seed,
            "query_mode": self.query_mode,
            "params": dict(self.params),
            "member_users": [names[u] for u in self.member_users],
            "nonmember_users": [names[u] for u in self.nonmember_users],
            "attacker_users": [names[u] for u in self.attacker_users],
            "shadow_in_users": [
                [names[u] for u in self.attacker_users[row]] for row in self.shadow_in_users
            ],
            "heldout_idx": self.heldout_idx.tolist(),
            "counts": self.counts(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | str, dataset: Dataset) -> AuditSplit:
        """Rebuild a saved split on ``dataset`` (the same data it was drawn from).

        :param data: what :meth:`to_json` returned, or its JSON text.
        :raises DataError: if the split names users the dataset lacks or was drawn on other data.
        """
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError as exc:
                raise DataError(f"saved split: not valid JSON ({exc})") from None
        if not isinstance(data, dict) or data.get("format") != SPLIT_FORMAT:
            raise DataError(f"saved split: unsupported format {data.get('format')!r}")
        if data["dataset"]["texts"] != len(dataset):
            raise DataError(
                f"saved split: drawn on {data['dataset']['texts']} texts of "
                f"{data['dataset']['name']!r}, but {dataset.name!r} has {len(dataset)}; "
                "load the same data with the same validation options"
            )
        ids = {name: i for i, name in enumerate(dataset.user_names)}

        def users(key: str) -> np.ndarray:
            missing = [n for n in data[key] if n not in ids]
            if missing:
                raise DataError(
                    f"saved split: {len(missing)} {key} not in dataset {dataset.name!r} "
                    f"(first: {missing[0]!r})"
                )
            return np.array(sorted(ids[n] for n in data[key]), dtype=np.int64)

        attacker = users("attacker_users")
        in_users = np.zeros((len(data["shadow_in_users"]), len(attacker)), dtype=bool)
        for s, row in enumerate(data["shadow_in_users"]):
            in_users[s, np.searchsorted(attacker, [ids[n] for n in row])] = True
        params = dict(data["params"])
        return _assemble(
            dataset,
            seed=int(data["seed"]),
            query_mode=data["query_mode"],
            members=users("member_users"),
            nonmembers=users("nonmember_users"),
            attacker=attacker,
            shadow_in_users=in_users,
            heldout=np.array(data["heldout_idx"], dtype=np.int64),
            exclude_duplicates=bool(params.get("exclude_duplicates", True)),
            params=params,
        )

    def save(self, path: str | Path) -> Path:
        """Write :meth:`to_json` to ``path`` atomically (temp file + rename)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.to_json(), fh, indent=1, sort_keys=True)
                fh.write("\n")
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path


def _check_fraction(name: str, value: float) -> None:
    if not 0.0 < value < 1.0:
        raise DataError(f"split: {name} must be strictly between 0 and 1, got {value}")


def make_split(
    dataset: Dataset,
    *,
    seed: int,
    num_shadows: int = 4,
    target_fraction: float = 0.5,
    member_fraction: float = 0.5,
    query_mode: QueryMode = "train",
    unseen_fraction: float = 0.2,
    exclude_duplicates: bool = True,
) -> AuditSplit:
    """Draw the audit split of SPEC section 2 for ``dataset``, reproducibly from ``seed``.

    :param num_shadows: number of shadow models; each gets ``len(attacker_users) // 2`` in-users.
    :param target_fraction: share of users in the target pool (the rest is the attacker pool).
    :param member_fraction: share of the target pool that are members.
    :param query_mode: ``train`` or ``unseen`` (hold out ``unseen_fraction`` of each member's
        texts, at least one and never all, and query only those).
    :param exclude_duplicates: leave exact texts shared by members and non-members out of the
        evaluation set (their membership is ill-defined); they are counted either way.
    :raises DataError: on bad parameters or too few users (or, in ``unseen`` mode, a member with a
        single text).
    """
    _check_fraction("target_fraction", target_fraction)
    _check_fraction("member_fraction", member_fraction)
    if query_mode not in ("train", "unseen"):
        raise DataError(f"split: query_mode must be 'train' or 'unseen', got {query_mode!r}")
    if query_mode == "unseen":
        _check_fraction("unseen_fraction", unseen_fraction)
    if num_shadows < 1:
        raise DataError(f"split: num_shadows must be at least 1, got {num_shadows}")
    present = np.unique(dataset.users)
    n_target = int(round(len(present) * target_fraction))
    n_members = int(round(n_target * member_fraction))
    n_attacker = len(present) - n_target
    if n_members < 1 or n_target - n_members < 1 or n_attacker < 2:
        raise DataError(
            f"split: dataset {dataset.name!r} has {len(present)} users, too few for "
            f"target_fraction={target_fraction} and member_fraction={member_fraction}: the split "
            f"needs at least 1 member, 1 non-member and 2 attacker users (got {n_members}, "
            f"{n_target - n_members} and {n_attacker}); use a dataset with more users"
        )
    rng = np.random.default_rng(seed)
    order = rng.permutation(present)
    members = np.sort(order[:n_members])
    nonmembers = np.sort(order[n_members:n_target])
    attacker = np.sort(order[n_target:])
    half = n_attacker // 2
    in_users = np.zeros((num_shadows, n_attacker), dtype=bool)
    for s in range(num_shadows):
        in_users[s, rng.permutation(n_attacker)[:half]] = True
    heldout = np.zeros(0, dtype=np.int64)
    if query_mode == "unseen":
        heldout = _hold_out(dataset, members, unseen_fraction, rng)
    params = {
        "num_shadows": num_shadows,
        "target_fraction": target_fraction,
        "member_fraction": member_fraction,
        "unseen_fraction": unseen_fraction,
        "exclude_duplicates": exclude_duplicates,
    }
    return _assemble(
        dataset,
        seed=seed,
        query_mode=query_mode,
        members=members,
        nonmembers=nonmembers,
        attacker=attacker,
        shadow_in_users=in_users,
        heldout=heldout,
        exclude_duplicates=exclude_duplicates,
        params=params,
    )


def _hold_out(
    dataset: Dataset, members: np.ndarray, fraction: float, rng: np.random.Generator
) -> np.ndarray:
    """Per member, a seeded ``fraction`` of its texts (at least 1, at most all but 1)."""
    member_idx = np.flatnonzero(np.isin(dataset.users, members))
    order = np.argsort(dataset.users[member_idx], kind="stable")
    grouped = member_idx[order]
    bounds = np.flatnonzero(np.diff(dataset.users[grouped])) + 1
    held = []
    for texts in np.split(grouped, bounds):
        if len(texts) < 2:
            user = dataset.user_names[dataset.users[texts[0]]]
            raise DataError(
                f"split: query_mode='unseen' needs at least 2 texts per member, but user "
                f"{user!r} has 1; load the data with min_texts_per_user=2"
            )
        k = min(max(1, int(round(fraction * len(texts)))), len(texts) - 1)
        held.append(rng.choice(texts, size=k, replace=False))
    return np.sort(np.concatenate(held))


def _assemble(
    dataset: Dataset,
    *,
    seed: int,
    query_mode: QueryMode,
    members: np.ndarray,
    nonmembers: np.ndarray,
    attacker: np.ndarray,
    shadow_in_users: np.ndarray,
    heldout: np.ndarray,
    exclude_duplicates: bool,
    params: dict[str, Any],
) -> AuditSplit:
    """Derive the text index arrays from the user roles."""
    users = dataset.users
    member_idx = np.flatnonzero(np.isin(users, members))
    nonmember_idx = np.flatnonzero(np.isin(users, nonmembers))
    train_idx = np.setdiff1d(member_idx, heldout)
    queried = heldout if query_mode == "unseen" else member_idx
    member_texts = {dataset.texts[i] for i in member_idx}
    shared = member_texts.intersection(dataset.texts[i] for i in nonmember_idx)
    candidates = np.concatenate([queried, nonmember_idx])
    is_dup = np.array([dataset.texts[i] in shared for i in candidates], dtype=bool)
    duplicate_idx = np.sort(candidates[is_dup])
    is_member = np.concatenate([np.ones(len(queried), bool), np.zeros(len(nonmember_idx), bool)])
    if exclude_duplicates:
        candidates, is_member = candidates[~is_dup], is_member[~is_dup]
    order = np.argsort(candidates, kind="stable")
    return AuditSplit(
        seed=seed,
        query_mode=query_mode,
        member_users=members,
        nonmember_users=nonmembers,
        attacker_users=attacker,
        shadow_in_users=shadow_in_users,
        target_train_idx=train_idx,
        candidate_idx=candidates[order],
        candidate_is_member=is_member[order],
        attacker_idx=np.flatnonzero(np.isin(users, attacker)),
        heldout_idx=heldout,
        duplicate_idx=duplicate_idx,
        dataset=dataset,
        params=params,
    )
