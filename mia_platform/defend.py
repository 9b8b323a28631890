"""Defense evaluation (SPEC section 7): each defense on the baseline's split and seed, every attack.

Data and training defenses retrain the target (and, for the default adaptive attacker, the shadows)
under the defense; output defenses reuse the baseline's models and cached outputs and only change
what a query returns. Models and outputs are cached by recipe, data, seed and defense, so adding
a defense to a comparison trains only what is new.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

from mia_platform.errors import ConfigError
from mia_platform.evaluation import harden
from mia_platform.experiment import Defenses, build_outputs, prepare_run, score_run
from mia_platform.outputs import write_json_atomic
from mia_platform.results import write_results
from mia_platform.yamlio import parse_scalar

if TYPE_CHECKING:
    from mia_platform.config import Experiment
    from mia_platform.manager import MiaPluginManager

_SPEC = re.compile(r"^(?P<name>[\w\-.]+)(?::(?P<params>.*))?$")


@dataclass(frozen=True)
class DefenseRequest:
    """One ``--defense NAME[:key=value,...]`` as given on the command line."""

    label: str
    name: str
    params: dict[str, Any]


def parse_defense(text: str) -> DefenseRequest:
    """Parse ``NAME[:key=value,...]``; values are YAML scalars (``0.1``, ``1e-5``, ``true``)."""
    match = _SPEC.match(text.strip())
    if not match:
        raise ConfigError(f"--defense {text!r}: expected NAME or NAME:key=value,key=value")
    params: dict[str, Any] = {}
    for part in filter(None, (match["params"] or "").split(",")):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--defense {text!r}: {part!r} is not key=value")
        if key.strip() in params:
            raise ConfigError(f"--defense {text!r}: {key.strip()!r} is given twice")
        try:
            params[key.strip()] = parse_scalar(value.strip())
        except yaml.YAMLError as exc:
            raise ConfigError(
                f"--defense {text!r}: cannot read the value of {key!r}: {exc}"
            ) from exc
    return DefenseRequest(text.strip(), match["name"], params)


def _as_logits(defense: Any) -> Any:
    """The defense's ``harden`` mapped back to logits (log-probabilities if it returns probabilities)."""

    def transform(logits: np.ndarray) -> np.ndarray:
        out = np.asarray(defense.harden(logits), dtype=np.float64)
        if getattr(defense, "output_kind", "logits") == "probabilities":
            out = np.log(np.maximum(out, 1e-12))
        return out.astype(np.float32)

    return transform


def _summary(label: str, kind: str, results: dict[str, Any]) -> dict[str, Any]:
    util = results["utility"]
    row: dict[str, Any] = {
        "defense": label,
        "kind": kind,
        "accuracy": util["accuracy"],
        "macro_f1": util["macro_f1"],
        "train_accuracy": util["members"]["accuracy"],
        "spent": list(
            results["outputs"]["training"].get("target", {}).get("defenses", {}).values()
        ),
        "sample": {
            r["attack"]: {"auc": r["auc"], "tpr_at_1%fpr": r["tpr_at_fpr"]["1%"]["tpr"]}
            for r in results["sample_level"]
        },
        "user": {
            r["attack"]: {"auc": r["auc"], "tpr_at_1%fpr": r["tpr_at_fpr"]["1%"]["tpr"]}
            for r in results["user_level"]
        },
    }
    for level in ("sample", "user"):
        best = max(row[level].items(), key=lambda kv: kv[1]["auc"]) if row[level] else (None, None)
        row[f"best_{level}_attack"] = best[0]
        row[f"best_{level}_auc"] = best[1]["auc"] if best[1] else None
    return row


def run_defenses(
    pm: MiaPluginManager,
    exp: Experiment,
    requests: list[DefenseRequest],
    *,
    adaptive: bool = True,
) -> dict[str, Any]:
    """Evaluate the baseline and each requested defense; write the comparison; return it."""
    start = time.perf_counter()
    specs = pm.defenses()
    built = []
    for req in requests:
        if req.name not in specs:
            raise ConfigError(
                f"--defense {req.label!r}: unknown defense {req.name!r}; available: {', '.join(specs)}"
            )
        spec = specs[req.name]
        try:
            built.append((req, spec.defense_kind, spec.factory(**req.params)))
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"--defense {req.label!r}: {exc}") from exc
    dataset, split, run_dir = prepare_run(pm, exp)
    baseline = build_outputs(pm, exp, dataset, split, run_dir)
    rows = []
    jobs = [("baseline", "none", None)] + [(req.label, kind, d) for req, kind, d in built]
    for label, kind, defense in jobs:
        if defense is None:
            outputs = baseline
        elif kind == "output":
            outputs = harden(baseline, _as_logits(defense), adaptive)
            outputs.info = dict(baseline.info, defenses=[label])
        else:
            defenses = Defenses(
                data=[defense] if kind == "data" else [],
                training=[defense] if kind == "training" else [],
                adaptive=adaptive,
                labels=[label],
            )
            outputs = build_outputs(pm, exp, dataset, split, run_dir, defenses)
        sub = run_dir / "defenses" / _slug(label)
        sub.mkdir(parents=True, exist_ok=True)
        results, scored = score_run(
            pm,
            exp.data,
            outputs,
            extra={"defense": {"label": label, "kind": kind, "adaptive": adaptive}},
        )
        write_results(pm, results, scored, outputs, sub, [])
        rows.append(_summary(label, kind, results))
    comparison = {
        "schema_version": 1,
        "experiment": exp.data,
        "adaptive": adaptive,
        "rows": rows,
        "seconds": round(time.perf_counter() - start, 1),
    }
    write_json_atomic(run_dir / "defend.json", comparison)
    return comparison


def _slug(label: str) -> str:
    return re.sub(r"[^\w.=-]+", "_", label)
