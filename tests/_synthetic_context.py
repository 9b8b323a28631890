"""Synthetic attack contexts for the science tests: shadows and a target whose training raises
the true-label logit of IN texts, so every sensible attack should separate members."""

from __future__ import annotations

import numpy as np

from mia_platform.interfaces import AttackContext, Outputs, ShadowOutputs
from mia_platform.manager import make_plugin_manager

#: The real plugin manager, loaded once through the entry points (built-ins included).
PM = make_plugin_manager()


def features() -> dict:
    return PM.features()


def make_context(
    *,
    n_classes: int = 4,
    n_aux_users: int = 40,
    n_cand_users: int = 40,
    texts_per_user: int = 5,
    n_shadows: int = 4,
    bonus: float = 2.0,
    seed: int = 0,
    info: dict | None = None,
) -> tuple[AttackContext, np.ndarray]:
    """Return ``(ctx, candidate_is_member)``; labels are kept outside the context."""
    rng = np.random.default_rng(seed)

    def texts(n_users: int, first_user: int):
        users = np.repeat(np.arange(first_user, first_user + n_users), texts_per_user)
        labels = rng.integers(0, n_classes, users.size)
        difficulty = rng.normal(0.0, 1.5, users.size)  # shared by every model
        return users, labels, difficulty

    def model_outputs(users, labels, difficulty, is_in):
        z = rng.normal(0.0, 1.0, (users.size, n_classes))
        z[np.arange(users.size), labels] += 1.0 + difficulty + bonus * is_in
        return Outputs(logits=z, labels=labels, users=users)

    aux = texts(n_aux_users, 0)
    cand = texts(n_cand_users, 10_000)
    cand_users = np.unique(cand[0])
    members = rng.permutation(cand_users)[: cand_users.size // 2]
    cand_in = np.isin(cand[0], members)
    aux_users = np.unique(aux[0])
    shadows = []
    for _ in range(n_shadows):
        in_users = rng.permutation(aux_users)[: aux_users.size // 2]
        in_mask = np.isin(aux[0], in_users)
        shadows.append(
            ShadowOutputs(
                aux=model_outputs(*aux, in_mask),
                in_mask=in_mask,
                candidates=model_outputs(*cand, np.zeros(cand[0].size, bool)),
            )
        )
    ctx = AttackContext(
        candidates=model_outputs(*cand, cand_in),
        population=model_outputs(*aux, np.zeros(aux[0].size, bool)),
        shadows=shadows,
        features=features(),
        seed=seed,
        info=info or {},
    )
    return ctx, cand_in.astype(np.int64)
