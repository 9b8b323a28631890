"""The files a run leaves: ``results.json`` (versioned schema), score CSVs, reports, the table.

Schema (version 1; documented in docs/results.md): ``experiment`` (the merged config), ``data``,
``split`` (counts), ``utility``, ``outputs`` (model info, defenses), ``sample_level`` and
``user_level`` (one entry per attack, the fields of :func:`mia_platform.metrics.evaluate` plus
``attack``, ``spec``, ``params``, ``seconds``), ``seconds``, ``reports`` (files written).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mia_platform.outputs import write_json_atomic, write_text_atomic

if TYPE_CHECKING:
    from mia_platform.manager import MiaPluginManager
    from mia_platform.outputs import AuditOutputs

RESULTS_SCHEMA_VERSION = 1


def _csv(header: list[str], rows: Any) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_scores(scored: dict[str, Any], outputs: AuditOutputs, run_dir: Path) -> None:
    """Per-text and per-user scores of every attack, with the truth beside them."""
    names = list(scored["text_scores"])
    cand = outputs.candidates
    rows = (
        [
            int(outputs.candidate_index[i]),
            outputs.user_names[int(cand.users[i])],
            outputs.label_names[int(cand.labels[i])],
            int(outputs.candidate_is_member[i]),
            *(f"{scored['text_scores'][n][i]:.6g}" for n in names),
        ]
        for i in range(len(cand.labels))
    )
    write_text_atomic(
        run_dir / "scores_texts.csv",
        _csv(["text_index", "user", "label", "is_member", *names], rows),
    )
    user_names = list(scored["user_scores"])
    ids = scored["user_ids"]
    member_users = set(np.unique(cand.users[outputs.candidate_is_member == 1]).tolist())
    counts = np.bincount(cand.users, minlength=len(outputs.user_names))
    rows = (
        [
            outputs.user_names[int(u)],
            int(int(u) in member_users),
            int(counts[int(u)]),
            *(f"{scored['user_scores'][n][j]:.6g}" for n in user_names),
        ]
        for j, u in enumerate(ids)
    )
    write_text_atomic(
        run_dir / "scores_users.csv", _csv(["user", "is_member", "n_texts", *user_names], rows)
    )


def write_results(
    pm: MiaPluginManager,
    results: dict[str, Any],
    scored: dict[str, Any],
    outputs: AuditOutputs,
    run_dir: Path,
    reports: list[str],
) -> None:
    """Write the score CSVs, every requested report and, last, ``results.json``."""
    write_scores(scored, outputs, run_dir)
    written = []
    for name in reports:
        written.append(str(pm.component("report", name).write(results, run_dir)))
    results["reports"] = written
    write_json_atomic(run_dir / "results.json", results)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:5.1f}%"


def _flag(entry: dict[str, Any]) -> str:
    return "" if entry["reliable"] else "*"


def format_table(results: dict[str, Any]) -> str:
    """The terminal summary: one line per attack, sample level then user level, and utility."""
    header = (
        f"{'level':<6} {'attack':<34} {'AUC':>6} {'95% CI':>13} {'TPR@1%FPR':>10} "
        f"{'(FPR)':>7} {'TPR@0.1%':>9} {'bal.acc':>8}"
    )
    lines = [header, "-" * len(header)]
    unreliable = False
    for level, key in (("sample", "sample_level"), ("user", "user_level")):
        for row in results[key]:
            ci = row.get("auc_ci")
            ci_text = f"{ci[0]:.3f}-{ci[1]:.3f}" if ci else "-"
            t1, t01 = row["tpr_at_fpr"]["1%"], row["tpr_at_fpr"]["0.1%"]
            lines.append(
                f"{level:<6} {row['attack']:<34} {row['auc']:6.3f} {ci_text:>13} "
                f"{_pct(t1['tpr']) + _flag(t1):>10} {_pct(t1['fpr']):>7} "
                f"{_pct(t01['tpr']) + _flag(t01):>9} {_pct(row['balanced_accuracy']):>8}"
            )
            unreliable |= not (t1["reliable"] and t01["reliable"])
    util = results["utility"]
    if unreliable:
        lines.append(
            "* fewer than 1/FPR non-members: that FPR cannot be resolved, the TPR shown is at the "
            "lowest FPR reached"
        )
    lines.append("")
    lines.append(
        f"target utility on non-members: accuracy {_pct(util['accuracy'])}, macro-F1 "
        f"{_pct(util['macro_f1'])}; on members (training texts) accuracy "
        f"{_pct(util['members']['accuracy'])}"
    )
    if results["sample_level"]:
        first = results["sample_level"][0]
        lines.append(
            f"evaluation: {first['n_members']} member / {first['n_nonmembers']} non-member texts"
        )
    if results["user_level"]:
        first = results["user_level"][0]
        lines.append(
            f"            {first['n_members']} member / {first['n_nonmembers']} non-member users"
        )
    return "\n".join(lines)
