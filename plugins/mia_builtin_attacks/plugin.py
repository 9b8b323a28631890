"""Hook implementation registering the built-in sample-level attacks."""

from __future__ import annotations

from mia_builtin_attacks.learned import LearnedAttack
from mia_builtin_attacks.offline import LiraOfflineAttack, ReferenceAttack, RmiaAttack
from mia_builtin_attacks.simple import PopulationAttack, ThresholdAttack
from mia_platform import AttackSpec, hookimpl


@hookimpl
def mia_sample_attacks() -> list[AttackSpec]:
    return [
        AttackSpec(
            name="threshold",
            factory=ThresholdAttack,
            per_feature=True,
            summary="One feature, threshold tuned on shadow in/out texts",
            capabilities=("needs_shadows",),
        ),
        AttackSpec(
            name="population",
            factory=PopulationAttack,
            per_feature=True,
            summary="One feature, threshold at 5% FPR of the attacker's own texts (no shadows)",
        ),
        AttackSpec(
            name="learned",
            factory=LearnedAttack,
            summary="scikit-learn classifier on all features and top-k probabilities",
            requires=("scikit-learn",),
            capabilities=("needs_shadows",),
        ),
        AttackSpec(
            name="reference",
            factory=ReferenceAttack,
            summary="Difficulty calibration: mean shadow loss minus target loss",
            capabilities=("needs_shadows", "needs_shadow_candidates"),
        ),
        AttackSpec(
            name="lira_offline",
            factory=LiraOfflineAttack,
            summary="Offline LiRA z-score of the scaled logit against shadow OUT models",
            capabilities=("needs_shadows", "needs_shadow_candidates"),
        ),
        AttackSpec(
            name="rmia",
            factory=RmiaAttack,
            summary="Offline RMIA: likelihood ratio against population texts",
            capabilities=("needs_shadows", "needs_shadow_candidates"),
        ),
    ]
