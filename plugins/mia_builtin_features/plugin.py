"""Hook implementation registering the built-in features."""

from __future__ import annotations

from mia_builtin_features import features as f
from mia_platform import FeatureSpec, hookimpl

#: name -> (function, higher_is_member, summary), orientation as in SPEC section 3.
_FEATURES = {
    "loss": (f.loss, False, "Cross-entropy of the true label"),
    "confidence": (f.confidence, True, "Probability of the true label"),
    "rank": (f.rank, False, "Rank of the true label among the logits (1 = top)"),
    "entropy": (f.entropy, False, "Entropy of the output distribution"),
    "mentr": (f.mentr, False, "Modified entropy (Song & Mittal 2021)"),
    "margin": (f.margin, True, "True-label logit minus the largest other logit"),
    "scaled_logit": (f.scaled_logit, True, "LiRA log-odds of the true label"),
    "correct": (f.correct, True, "1 if the prediction is the true label"),
}


@hookimpl
def mia_feature_extractors() -> list[FeatureSpec]:
    return [
        FeatureSpec(name=name, compute=fn, higher_is_member=hi, summary=summary)
        for name, (fn, hi, summary) in _FEATURES.items()
    ]
