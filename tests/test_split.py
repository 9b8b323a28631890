"""The audit split (SPEC section 2): invariants as property tests, plus exact edge cases."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mia_platform.data.dataset import Dataset
from mia_platform.errors import DataError
from mia_platform.split import AuditSplit, make_split


def make_dataset(texts_per_user: list[int], vocab: int, seed: int) -> Dataset:
    """Users ``u0..``, each with the given number of texts drawn from ``vocab`` distinct words."""
    rng = np.random.default_rng(seed)
    users = np.repeat(np.arange(len(texts_per_user)), texts_per_user)
    texts = [f"w{rng.integers(vocab)}" for _ in users]
    return Dataset(
        name="synthetic",
        texts=texts,
        labels=rng.integers(0, 3, len(users)),
        users=users.astype(np.int64),
        label_names=["a", "b", "c"],
        user_names=[f"u{i:03d}" for i in range(len(texts_per_user))],
    )


datasets = st.builds(
    make_dataset,
    st.lists(st.integers(2, 6), min_size=6, max_size=40),
    st.integers(3, 400),
    st.integers(0, 10_000),
)
SETTINGS = settings(max_examples=60, deadline=None)


@SETTINGS
@given(ds=datasets, seed=st.integers(0, 2**32 - 1), shadows=st.integers(1, 5))
def test_roles_partition_users_and_balance(ds: Dataset, seed: int, shadows: int) -> None:
    sp = make_split(ds, seed=seed, num_shadows=shadows)
    m, n, a = set(sp.member_users), set(sp.nonmember_users), set(sp.attacker_users)
    assert not (m & n or m & a or n & a)
    assert m | n | a == set(range(len(ds.user_names)))
    n_target = round(len(ds.user_names) * 0.5)
    assert len(m) == round(n_target * 0.5) and len(m) + len(n) == n_target
    assert abs(len(m) - len(n)) <= 1
    # Shadows: each takes exactly half (rounded down) of the attacker pool as in-users.
    assert sp.shadow_in_users.shape == (shadows, len(a))
    assert (sp.shadow_in_users.sum(axis=1) == len(a) // 2).all()
    for s in range(shadows):
        trained_users = set(ds.users[sp.shadow_train_idx(s)])
        assert trained_users == set(sp.attacker_users[sp.shadow_in_users[s]])
        assert sp.shadow_in_mask(s).sum() == len(sp.shadow_train_idx(s))
    assert set(ds.users[sp.attacker_idx]) == a
    # Train mode: the target trains on every text of M and on nothing else.
    assert sp.target_train_idx.tolist() == np.flatnonzero(np.isin(ds.users, list(m))).tolist()
    assert set(ds.users[sp.candidate_idx[sp.candidate_is_member]]) <= m
    assert set(ds.users[sp.candidate_idx[~sp.candidate_is_member]]) <= n


@SETTINGS
@given(ds=datasets, seed=st.integers(0, 2**32 - 1))
def test_duplicates_across_members_and_nonmembers_are_excluded(ds: Dataset, seed: int) -> None:
    sp = make_split(ds, seed=seed)
    member_texts = {ds.texts[i] for i in np.flatnonzero(np.isin(ds.users, sp.member_users))}
    nonmember_texts = {ds.texts[i] for i in sp.nonmember_idx}
    shared = member_texts & nonmember_texts
    cand = [ds.texts[i] for i in sp.candidate_idx]
    assert not shared & set(cand)
    assert {ds.texts[i] for i in sp.duplicate_idx} == shared & (member_texts | nonmember_texts)
    every = np.concatenate([np.flatnonzero(np.isin(ds.users, sp.member_users)), sp.nonmember_idx])
    expected = sorted(i for i in every if ds.texts[i] in shared)
    assert sp.duplicate_idx.tolist() == expected
    assert len(sp.candidate_idx) + len(sp.duplicate_idx) == len(every)
    kept = make_split(ds, seed=seed, exclude_duplicates=False)
    assert sorted(kept.candidate_idx.tolist()) == sorted(every.tolist())


@SETTINGS
@given(ds=datasets, seed=st.integers(0, 2**32 - 1), fraction=st.floats(0.05, 0.95))
def test_unseen_mode_keeps_heldout_texts_out_of_training(
    ds: Dataset, seed: int, fraction: float
) -> None:
    sp = make_split(ds, seed=seed, query_mode="unseen", unseen_fraction=fraction)
    assert not set(sp.heldout_idx) & set(sp.target_train_idx)
    members = np.flatnonzero(np.isin(ds.users, sp.member_users))
    assert sorted(set(sp.heldout_idx) | set(sp.target_train_idx)) == members.tolist()
    for u in sp.member_users:  # every member keeps a training text and has a held-out one
        assert u in set(ds.users[sp.heldout_idx]) and u in set(ds.users[sp.target_train_idx])
    queried = set(sp.candidate_idx[sp.candidate_is_member])
    assert queried == set(sp.heldout_idx) - set(sp.duplicate_idx)


@SETTINGS
@given(ds=datasets, seed=st.integers(0, 2**31))
def test_same_seed_same_split_and_json_round_trip(ds: Dataset, seed: int) -> None:
    a = make_split(ds, seed=seed, num_shadows=3, query_mode="unseen")
    b = make_split(ds, seed=seed, num_shadows=3, query_mode="unseen")
    assert a.to_json() == b.to_json()
    back = AuditSplit.from_json(json.dumps(a.to_json()), ds)
    assert back.to_json() == a.to_json()
    for name in ("target_train_idx", "candidate_idx", "candidate_is_member", "shadow_in_users"):
        assert np.array_equal(getattr(back, name), getattr(a, name))


def test_another_seed_gives_another_split() -> None:
    ds = make_dataset([3] * 40, vocab=1000, seed=0)
    a, b = make_split(ds, seed=1), make_split(ds, seed=2)
    assert a.member_users.tolist() != b.member_users.tolist()
    assert not np.array_equal(a.shadow_in_users, b.shadow_in_users)


def test_counts_and_save(tmp_path: Path) -> None:
    ds = make_dataset([2, 3, 4, 5, 2, 3, 4, 5], vocab=10_000, seed=3)
    sp = make_split(ds, seed=7, num_shadows=2)
    c = sp.counts()
    assert (c["member_users"], c["nonmember_users"], c["attacker_users"]) == (2, 2, 4)
    assert c["shadow_in_users"] == [2, 2]
    assert c["target_train_texts"] == len(sp.target_train_idx) == c["candidate_members"]
    assert c["candidate_nonmembers"] == len(sp.nonmember_idx)
    assert c["users_without_candidates"] == []
    path = sp.save(tmp_path / "run" / "split.json")
    saved = json.loads(path.read_text())
    assert saved["member_users"] == [ds.user_names[u] for u in sp.member_users]
    assert [p.name for p in path.parent.iterdir()] == ["split.json"]  # no temp file left


def test_user_whose_every_text_is_a_duplicate_is_reported() -> None:
    ds = Dataset(
        name="dups",
        texts=["same", "same", "m", "n", "a1", "a2"],
        labels=np.zeros(6, np.int64),
        users=np.array([0, 1, 2, 3, 4, 5]),
        label_names=["x"],
        user_names=["p", "q", "r", "s", "t", "v"],
    )
    # Find a seed where p and q land on opposite sides of the member line.
    for seed in range(100):
        sp = make_split(ds, seed=seed, target_fraction=4 / 6)
        m, n = set(sp.member_users), set(sp.nonmember_users)
        if (0 in m and 1 in n) or (1 in m and 0 in n):
            break
    else:
        pytest.fail("no seed splits p and q")
    assert sorted(sp.counts()["users_without_candidates"]) == ["p", "q"]
    assert ds.texts[sp.duplicate_idx[0]] == "same" and len(sp.duplicate_idx) == 2


def test_too_few_users() -> None:
    ds = make_dataset([2, 2, 2], vocab=10, seed=0)
    with pytest.raises(DataError) as err:
        make_split(ds, seed=0)
    assert str(err.value) == (
        "split: dataset 'synthetic' has 3 users, too few for target_fraction=0.5 and "
        "member_fraction=0.5: the split needs at least 1 member, 1 non-member and 2 attacker "
        "users (got 1, 1 and 1); use a dataset with more users"
    )


def test_unseen_needs_two_texts_per_member() -> None:
    ds = make_dataset([1] * 8, vocab=100, seed=0)
    with pytest.raises(
        DataError, match=r"needs at least 2 texts per member, but user 'u\d+' has 1"
    ):
        make_split(ds, seed=0, query_mode="unseen")


def test_bad_parameters_and_foreign_saved_split() -> None:
    ds = make_dataset([2] * 8, vocab=100, seed=0)
    with pytest.raises(DataError, match="target_fraction must be strictly between 0 and 1, got 1"):
        make_split(ds, seed=0, target_fraction=1)
    with pytest.raises(DataError, match="query_mode must be 'train' or 'unseen', got 'test'"):
        make_split(ds, seed=0, query_mode="test")  # type: ignore[arg-type]
    saved = make_split(ds, seed=0).to_json()
    other = make_dataset([2] * 9, vocab=100, seed=0)
    with pytest.raises(
        DataError, match=r"drawn on 16 texts of 'synthetic', but 'synthetic' has 18"
    ):
        AuditSplit.from_json(saved, other)
