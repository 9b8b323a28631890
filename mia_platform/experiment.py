"""One audit, end to end: data, split, target and shadows, cached queries, attacks, results.

Every expensive step is cached in the run directory (models by recipe, data and seed; logits by
model, texts and query options), so an interrupted run resumes where it stopped and a re-run
re-scores without training or querying anything.
"""

from __future__ import annotations

import copy
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mia_platform import __version__
from mia_platform.cache import cached_predict, cached_train
from mia_platform.evaluation import expand, run_attacks, utility
from mia_platform.interfaces import TRAINING_RECORD, Outputs, ShadowOutputs
from mia_platform.outputs import AuditOutputs, write_json_atomic
from mia_platform.results import RESULTS_SCHEMA_VERSION, write_results
from mia_platform.split import AuditSplit, make_split

if TYPE_CHECKING:
    from mia_platform.config import Experiment
    from mia_platform.data import Dataset
    from mia_platform.manager import MiaPluginManager


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Defenses:
    """Data and training defenses applied while training (see ``mia defend``; output defenses
    act on cached outputs instead); all empty for a plain audit."""

    data: list[Any] = field(default_factory=list)
    training: list[Any] = field(default_factory=list)
    adaptive: bool = True
    labels: list[str] = field(default_factory=list)


def load_data(pm: MiaPluginManager, exp: Experiment) -> Dataset:
    """Open the configured dataset and apply the optional text/user caps (seeded, and counted
    in the dataset's drop report like every other drop)."""
    cfg = exp["dataset"]
    dataset = pm.open_dataset(
        cfg["source"], min_texts_per_user=cfg["min_texts_per_user"], **cfg["options"]
    )
    rng = np.random.default_rng(exp["seed"])
    n = len(dataset)
    keep = np.ones(n, dtype=bool)
    drops = copy.deepcopy(dataset.drops)
    if cfg["max_texts_per_user"] is not None:
        # each user's texts in a seeded random order; keep the first max_texts_per_user
        order = rng.permutation(n)
        grouped = order[np.argsort(dataset.users[order], kind="stable")]
        users = dataset.users[grouped]
        starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]])
        rank = np.empty(n, dtype=np.int64)
        rank[grouped] = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
        capped = rank >= cfg["max_texts_per_user"]
        keep &= ~capped
        if capped.any():
            drops.dropped_texts["max_texts_per_user"] = int(capped.sum())
    if cfg["max_users"] is not None:
        users = np.unique(dataset.users)
        if len(users) > cfg["max_users"]:
            chosen = rng.choice(users, size=cfg["max_users"], replace=False)
            outside = ~np.isin(dataset.users, chosen)
            drops.dropped_users["max_users"] = len(users) - cfg["max_users"]
            drops.dropped_texts["max_users"] = int((outside & keep).sum())
            keep &= ~outside
    if keep.all():
        return dataset
    subset = dataset.subset(np.flatnonzero(keep))
    subset.drops = drops
    return subset


def draw_split(dataset: Dataset, exp: Experiment) -> AuditSplit:
    cfg = exp["split"]
    return make_split(
        dataset,
        seed=exp["seed"],
        num_shadows=cfg["num_shadows"],
        target_fraction=cfg["target_fraction"],
        member_fraction=cfg["member_fraction"],
        query_mode=cfg["query_mode"],
        unseen_fraction=cfg["unseen_fraction"],
    )


def _train_texts(dataset: Dataset, index: np.ndarray, defenses: Defenses, seed: int) -> list[str]:
    texts = [dataset.texts[i] for i in index]
    for defense in defenses.data:
        texts = defense.perturb(texts, seed)
    return texts


def _outputs(logits: np.ndarray, dataset: Dataset, index: np.ndarray) -> Outputs:
    return Outputs(logits, dataset.labels[index], dataset.users[index])


def build_outputs(
    pm: MiaPluginManager,
    exp: Experiment,
    dataset: Dataset,
    split: AuditSplit,
    run_dir: Path,
    defenses: Defenses | None = None,
) -> AuditOutputs:
    """Train (or open) the target and the shadows, and query them, all through the caches."""
    defenses = defenses or Defenses()
    tcfg = exp["target"]
    seed = exp["seed"]
    cache = run_dir / "cache"
    recipe = pm.component("recipe", tcfg["recipe"]).factory(**tcfg["params"])
    query_options = {
        k: tcfg["params"][k] for k in ("max_length", "batch_size") if k in tcfg["params"]
    }
    info: dict[str, Any] = {"defenses": defenses.labels, "training": {}}

    def query(target: Any, index: np.ndarray, what: str) -> np.ndarray:
        texts = [dataset.texts[i] for i in index]
        _log(f"querying {what} on {len(texts)} texts")
        out = cached_predict(cache, target, texts, key_extra=query_options)
        if target.output_kind == "probabilities":  # features need logits: log p is one
            out = np.log(np.maximum(out, 1e-12)).astype(np.float32)
        return out

    if tcfg["model"] is not None:
        target_path = Path(tcfg["model"])
    else:
        what = f"the target ({tcfg['recipe']}) on {len(split.target_train_idx)} texts"
        target_path = cached_train(
            cache,
            recipe,
            _train_texts(dataset, split.target_train_idx, defenses, seed),
            dataset.labels[split.target_train_idx],
            dataset.label_names,
            seed,
            defenses.training,
            on_train=lambda: _log(f"training {what}"),
        )
        info["training"]["target"] = training_record(target_path)
    target = pm.open_target(str(target_path), tcfg["backend"], **query_options)
    candidates = _outputs(
        query(target, split.candidate_idx, "the target (evaluation texts)"),
        dataset,
        split.candidate_idx,
    )
    population = _outputs(
        query(target, split.attacker_idx, "the target (attacker's texts)"),
        dataset,
        split.attacker_idx,
    )
    shadow_defenses = defenses if defenses.adaptive else Defenses()
    shadows = []
    for s in range(split.num_shadows):
        index = split.shadow_train_idx(s)
        what = f"shadow {s + 1}/{split.num_shadows} on {len(index)} texts"
        path = cached_train(
            cache,
            recipe,
            _train_texts(dataset, index, shadow_defenses, seed + 1 + s),
            dataset.labels[index],
            dataset.label_names,
            seed + 1 + s,
            shadow_defenses.training,
            on_train=lambda what=what: _log(f"training {what}"),
        )
        shadow = pm.open_target(str(path), tcfg["backend"], **query_options)
        shadows.append(
            ShadowOutputs(
                aux=_outputs(
                    query(shadow, split.attacker_idx, f"shadow {s + 1} (attacker's texts)"),
                    dataset,
                    split.attacker_idx,
                ),
                in_mask=split.shadow_in_mask(s),
                candidates=_outputs(
                    query(shadow, split.candidate_idx, f"shadow {s + 1} (evaluation texts)"),
                    dataset,
                    split.candidate_idx,
                ),
            )
        )
    info["target_model"] = str(target_path)
    info["output_kind"] = target.output_kind
    return AuditOutputs(
        label_names=list(dataset.label_names),
        user_names=list(dataset.user_names),
        candidates=candidates,
        candidate_is_member=split.candidate_is_member.astype(np.int64),
        candidate_index=split.candidate_idx,
        population=population,
        shadows=shadows,
        info=info,
    )


def training_record(model_dir: Path) -> dict[str, Any]:
    """What training this model measured and cost (``TRAINING_RECORD`` of a recipe), or {}."""
    path = model_dir / TRAINING_RECORD
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def score_run(
    pm: MiaPluginManager,
    exp_data: dict[str, Any],
    outputs: AuditOutputs,
    *,
    extra: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Attack cached outputs; return the results and the per-text and per-user scores."""
    seed = exp_data["seed"]
    _log("running the attacks")
    scored = run_attacks(
        pm,
        outputs,
        attacks=exp_data["attacks"],
        aggregators=exp_data["aggregators"],
        seed=seed,
        n_bootstrap=exp_data["evaluation"]["bootstrap"],
        log=_log,
    )
    results = {
        "schema_version": RESULTS_SCHEMA_VERSION,
        "mia_platform_version": __version__,
        "experiment": exp_data,
        "utility": utility(outputs),
        "outputs": outputs.info,
        "sample_level": scored["results"]["sample"],
        "user_level": scored["results"]["user"],
    }
    results.update(extra or {})
    return results, scored


def preflight(pm: MiaPluginManager, exp: Experiment) -> None:
    """Check every component name and recipe parameter before anything is trained or written,
    so a typo costs seconds, not a training run."""
    from mia_platform.errors import ConfigError, MiaError

    def where(key: str) -> str:
        line = exp.lines.get(key)
        return f"{exp.source}: " + (f"line {line}: " if line else "") + f"key {key!r}: "

    tcfg = exp["target"]
    try:
        recipe_spec = pm.component("recipe", tcfg["recipe"])
    except MiaError as exc:
        raise ConfigError(where("target.recipe") + str(exc)) from exc
    try:
        recipe_spec.factory(**tcfg["params"])
    except (MiaError, TypeError, ValueError) as exc:
        raise ConfigError(where("target.params") + str(exc)) from exc
    if tcfg["backend"] is not None:
        try:
            pm.component("backend", tcfg["backend"])
        except MiaError as exc:
            raise ConfigError(where("target.backend") + str(exc)) from exc
    features = list(pm.features())
    try:
        sample = expand("attack", pm.attacks(), exp["attacks"], features)
    except MiaError as exc:
        raise ConfigError(where("attacks") + str(exc)) from exc
    try:
        expand(
            "aggregator", pm.aggregators(), exp["aggregators"], features, [i.label for i in sample]
        )
    except MiaError as exc:
        raise ConfigError(where("aggregators") + str(exc)) from exc
    for name in exp["reports"]:
        try:
            pm.component("report", name)
        except MiaError as exc:
            raise ConfigError(where("reports") + str(exc)) from exc


def check_data(dataset: Dataset, exp: Experiment) -> None:
    """Refuse data no classifier audit can run on, before training."""
    from mia_platform.errors import DataError

    present = len(np.unique(dataset.labels))
    if present < 2:
        raise DataError(
            f"{exp['dataset']['source']}: the texts left after validation carry {present} label; "
            "a classifier audit needs at least 2"
        )


def prepare_run(pm: MiaPluginManager, exp: Experiment) -> tuple[Dataset, AuditSplit, Path]:
    """Check the experiment, load the data, draw the split, and only then create the run
    directory with its ``config.json`` and ``split.json``."""
    preflight(pm, exp)
    dataset = load_data(pm, exp)
    check_data(dataset, exp)
    split = draw_split(dataset, exp)
    run_dir = exp.output
    run_dir.mkdir(parents=True, exist_ok=True)
    write_json_atomic(run_dir / "config.json", exp.data)
    split.save(run_dir / "split.json")
    return dataset, split, run_dir


def run_experiment(pm: MiaPluginManager, exp: Experiment) -> dict[str, Any]:
    """The whole audit of ``exp``; returns the results dict also written to ``results.json``."""
    start = time.perf_counter()
    dataset, split, run_dir = prepare_run(pm, exp)
    outputs = build_outputs(pm, exp, dataset, split, run_dir)
    outputs.save(run_dir / "outputs")
    extra = {
        "data": {
            "name": dataset.name,
            "texts": len(dataset),
            "users": int(len(np.unique(dataset.users))),
            "classes": dataset.num_classes,
            "drops": dataset.drops.as_dict(),
            "info": dataset.info,
        },
        "split": split.counts(),
        "seconds": None,
    }
    results, scored = score_run(pm, exp.data, outputs, extra=extra)
    results["seconds"] = round(time.perf_counter() - start, 1)
    write_results(pm, results, scored, outputs, run_dir, exp.data["reports"])
    return results
