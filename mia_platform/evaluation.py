"""Fit every attack on attacker-side data, score the target's candidates, compute the metrics.

Attacks see an :class:`~mia_platform.interfaces.AttackContext`, built from cached outputs without
the evaluation labels; the labels are joined only here, after scoring.

Instance names: a ``per_feature`` attack runs once per registered feature as ``name[feature]``,
a ``per_attack`` aggregator once per multi-feature sample attack of the run as ``name[attack]``
(lifting each single-feature threshold attack would only repeat ``mean_threshold``; name one
explicitly, e.g. ``sample_to_user[threshold[loss]]``); a config may ask for ``threshold`` (every
feature) or ``threshold[loss]`` (one).
"""

from __future__ import annotations

import dataclasses
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from mia_platform import metrics
from mia_platform.errors import ConfigError, UnknownComponentError
from mia_platform.interfaces import AttackContext, Outputs, ShadowOutputs

if TYPE_CHECKING:
    from mia_platform.manager import MiaPluginManager
    from mia_platform.outputs import AuditOutputs

_INSTANCE = re.compile(r"^(?P<name>[\w\-.]+)(?:\[(?P<arg>.+)\])?$")


@dataclass(frozen=True)
class Instance:
    """One attack or aggregator to run: its display name, its spec name and its parameters."""

    label: str
    spec: str
    params: dict[str, Any]


def expand(
    kind: str,
    specs: dict[str, Any],
    requested: Sequence[str] | None,
    features: Sequence[str],
    sample_attacks: Sequence[str] = (),
) -> list[Instance]:
    """Turn config names (or None = all) into the concrete instances to run."""
    names = list(requested) if requested is not None else list(specs)
    out: list[Instance] = []
    for item in names:
        match = _INSTANCE.match(item)
        if not match or match["name"] not in specs:
            raise UnknownComponentError(
                f"unknown {kind} {item!r}; available: {', '.join(specs)} "
                f"(a per-feature one may be written name[feature])"
            )
        spec = specs[match["name"]]
        arg = match["arg"]
        if getattr(spec, "per_feature", False):
            chosen = [arg] if arg else list(features)
            for feature in chosen:
                if feature not in features:
                    raise UnknownComponentError(
                        f"{kind} {item!r}: unknown feature {feature!r}; available: {', '.join(features)}"
                    )
                out.append(Instance(f"{spec.name}[{feature}]", spec.name, {"feature": feature}))
        elif getattr(spec, "per_attack", False):
            chosen = [arg] if arg else [a for a in sample_attacks if "[" not in a]
            for attack in chosen:
                if attack not in sample_attacks:
                    raise ConfigError(
                        f"{kind} {item!r}: {attack!r} is not a sample attack of this run "
                        f"({', '.join(sample_attacks)})"
                    )
                out.append(Instance(f"{spec.name}[{attack}]", spec.name, {"attack": attack}))
        elif arg:
            raise ConfigError(f"{kind} {item!r}: {spec.name!r} takes no [argument]")
        else:
            out.append(Instance(spec.name, spec.name, {}))
    return out


def harden(
    outputs: AuditOutputs, transform: Callable[[np.ndarray], np.ndarray], adaptive: bool
) -> AuditOutputs:
    """Apply an output defense to what the target returns (and, if adaptive, to the shadows)."""

    def h(o: Outputs | None) -> Outputs | None:
        return None if o is None else Outputs(transform(o.logits), o.labels, o.users)

    shadows = outputs.shadows
    if adaptive:
        shadows = [ShadowOutputs(h(s.aux), s.in_mask, h(s.candidates)) for s in shadows]
    return dataclasses.replace(
        outputs, candidates=h(outputs.candidates), population=h(outputs.population), shadows=shadows
    )


def attack_context(
    pm: MiaPluginManager, outputs: AuditOutputs, seed: int, instances: dict
) -> AttackContext:
    return AttackContext(
        candidates=outputs.candidates,
        population=outputs.population,
        shadows=outputs.shadows,
        features=pm.features(),
        seed=seed,
        info={"attacks": instances, "label_names": outputs.label_names},
    )


def _user_labels(outputs: AuditOutputs, users: np.ndarray) -> np.ndarray:
    member_users = np.unique(outputs.candidates.users[outputs.candidate_is_member == 1])
    return np.isin(users, member_users).astype(np.int64)


def run_attacks(
    pm: MiaPluginManager,
    outputs: AuditOutputs,
    *,
    attacks: Sequence[str] | None,
    aggregators: Sequence[str] | None,
    seed: int,
    n_bootstrap: int,
    log: Callable[[str], None] = lambda m: print(m, file=sys.stderr),
) -> dict[str, Any]:
    """Run every requested attack and aggregator; return results and per-unit scores."""
    feature_names = list(pm.features())
    sample = expand("attack", pm.attacks(), attacks, feature_names)
    sample_specs = pm.attacks()
    factories = {
        inst.label: (lambda inst=inst: sample_specs[inst.spec].factory(**inst.params))
        for inst in sample
    }
    users = expand(
        "aggregator", pm.aggregators(), aggregators, feature_names, [i.label for i in sample]
    )
    ctx = attack_context(pm, outputs, seed, factories)
    y = outputs.candidate_is_member
    results: dict[str, Any] = {"sample": [], "user": []}
    text_scores: dict[str, np.ndarray] = {}
    user_scores: dict[str, np.ndarray] = {}
    user_ids: np.ndarray | None = None
    for inst in sample:
        start = time.perf_counter()
        attack = factories[inst.label]().fit(ctx)
        scores = np.asarray(attack.score(ctx), dtype=np.float64)
        row = {"attack": inst.label, "spec": inst.spec, "params": inst.params}
        row.update(
            metrics.evaluate(y, scores, attack.threshold, seed=seed, n_bootstrap=n_bootstrap)
        )
        row["seconds"] = round(time.perf_counter() - start, 3)
        results["sample"].append(row)
        text_scores[inst.label] = scores
        log(f"  sample {inst.label:<28} AUC {row['auc']:.3f}")
    agg_specs = pm.aggregators()
    for inst in users:
        start = time.perf_counter()
        aggregator = agg_specs[inst.spec].factory(**inst.params).fit(ctx)
        scored = aggregator.score_users(ctx)
        order = np.argsort(scored.users, kind="stable")
        ids, scores = (
            np.asarray(scored.users)[order],
            np.asarray(scored.scores, dtype=np.float64)[order],
        )
        if user_ids is None:
            user_ids = ids
        elif not np.array_equal(ids, user_ids):
            raise UnknownComponentError(
                f"aggregator {inst.label!r} scored a different set of users than the others"
            )
        row = {"attack": inst.label, "spec": inst.spec, "params": inst.params}
        row.update(
            metrics.evaluate(
                _user_labels(outputs, ids),
                scores,
                aggregator.threshold,
                seed=seed,
                n_bootstrap=n_bootstrap,
            )
        )
        row["seconds"] = round(time.perf_counter() - start, 3)
        results["user"].append(row)
        user_scores[inst.label] = scores
        log(f"  user   {inst.label:<28} AUC {row['auc']:.3f}")
    return {
        "results": results,
        "text_scores": text_scores,
        "user_scores": user_scores,
        "user_ids": user_ids if user_ids is not None else np.zeros(0, dtype=np.int64),
    }


def utility(outputs: AuditOutputs) -> dict[str, Any]:
    """Target accuracy and macro-F1 on the non-members' texts (never trained on), and on members'."""
    from sklearn.metrics import f1_score

    out: dict[str, Any] = {}
    for name, mask in (
        ("nonmembers", outputs.candidate_is_member == 0),
        ("members", outputs.candidate_is_member == 1),
    ):
        logits, labels = outputs.candidates.logits[mask], outputs.candidates.labels[mask]
        pred = logits.argmax(axis=1)
        out[name] = {
            "n_texts": int(mask.sum()),
            "accuracy": float((pred == labels).mean()) if mask.any() else None,
            "macro_f1": float(
                f1_score(labels, pred, average="macro", labels=np.unique(labels), zero_division=0)
            )
            if mask.any()
            else None,
        }
    out["accuracy"] = out["nonmembers"]["accuracy"]
    out["macro_f1"] = out["nonmembers"]["macro_f1"]
    out["generalization_gap"] = (
        out["members"]["accuracy"] - out["nonmembers"]["accuracy"]
        if out["members"]["accuracy"] is not None and out["nonmembers"]["accuracy"] is not None
        else None
    )
    return out
