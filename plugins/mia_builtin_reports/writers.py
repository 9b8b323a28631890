"""Markdown and HTML reports from a run's results, each written atomically into the run folder."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from mia_builtin_reports.svg import roc_svg
from mia_platform.outputs import write_text_atomic

COLUMNS = (
    "attack",
    "AUC",
    "95% CI",
    "TPR@0.1%FPR",
    "TPR@1%FPR",
    "TPR@10%FPR",
    "bal. acc.",
    "adv. (eval-tuned)",
)


def _write(path: Path, text: str) -> Path:
    write_text_atomic(path, text)
    return path


def _tpr(entry: dict[str, Any]) -> str:
    return f"{100 * entry['tpr']:.1f}% (at {100 * entry['fpr']:.2f}%, n-={entry['n_negatives']})"


def _cells(row: dict[str, Any]) -> list[str]:
    ci = row.get("auc_ci")
    t = row["tpr_at_fpr"]
    return [
        row["attack"],
        f"{row['auc']:.3f}",
        f"{ci[0]:.3f}–{ci[1]:.3f}" if ci else "-",
        _tpr(t["0.1%"]),
        _tpr(t["1%"]),
        _tpr(t["10%"]),
        f"{100 * row['balanced_accuracy']:.1f}%",
        f"{row['advantage_eval_tuned']:.3f}",
    ]


def _summary_lines(results: dict[str, Any]) -> list[str]:
    exp, util, split = results["experiment"], results["utility"], results.get("split", {})
    lines = [
        f"- dataset: `{exp['dataset']['source']}`; seed {exp['seed']}; target recipe "
        f"`{exp['target']['recipe']}`; {exp['split']['num_shadows']} shadow models; query mode "
        f"`{exp['split']['query_mode']}`",
        f"- target utility on non-members: accuracy {100 * util['accuracy']:.1f}%, macro-F1 "
        f"{100 * util['macro_f1']:.1f}% (members: accuracy {100 * util['members']['accuracy']:.1f}%)",
    ]
    if split:
        lines.append(
            f"- users: {split.get('member_users')} members, {split.get('nonmember_users')} non-members, "
            f"{split.get('attacker_users')} in the attacker pool; evaluation texts: "
            f"{split.get('candidate_members')} member / {split.get('candidate_nonmembers')} non-member"
        )
    defenses = results.get("outputs", {}).get("defenses")
    if defenses:
        lines.append(f"- defenses: {', '.join(defenses)}")
    lines.append(
        "- thresholds (balanced accuracy) are chosen on attacker data only; the advantage column is "
        "tuned on the evaluation labels and is optimistic by construction"
    )
    return lines


def write_markdown(results: dict[str, Any], run_dir: Path) -> Path:
    """``report.md``: summary, then one table per level."""
    out = [f"# Membership-inference audit: {results['experiment']['name']}", ""]
    out += _summary_lines(results)
    for title, key in (
        ("Sample level (texts)", "sample_level"),
        ("User level (users)", "user_level"),
    ):
        out += [
            "",
            f"## {title}",
            "",
            "| " + " | ".join(COLUMNS) + " |",
            "|" + "---|" * len(COLUMNS),
        ]
        out += ["| " + " | ".join(_cells(row)) + " |" for row in results[key]]
    return _write(run_dir / "report.md", "\n".join(out) + "\n")


def _html_table(rows: list[dict[str, Any]]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in _cells(row)) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def write_html(results: dict[str, Any], run_dir: Path) -> Path:
    """``report.html``: self-contained (inline SVG ROC curves on log-log axes)."""
    name = escape(results["experiment"]["name"])
    summary = "".join(
        f"<li>{escape(line[2:]).replace('`', '')}</li>" for line in _summary_lines(results)
    )
    plots = [
        roc_svg(t, results[k])
        for t, k in (("Sample level (texts)", "sample_level"), ("User level (users)", "user_level"))
    ]
    best = []
    for level, key in (("sample", "sample_level"), ("user", "user_level")):
        if results[key]:
            top = max(results[key], key=lambda r: r["auc"])
            best.append(dict(top, attack=f"{level}: {top['attack']}"))
    plots.append(roc_svg("Strongest sample vs user attack", best))
    plots = "".join(plots)
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>MIA audit: {name}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:80em}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:right}}td:first-child{{text-align:left}}</style>
</head><body>
<h1>Membership-inference audit: {name}</h1>
<ul>{summary}</ul>
<h2>ROC curves (log-log)</h2>
<div>{plots}</div>
<h2>Sample level (texts)</h2>
{_html_table(results["sample_level"])}
<h2>User level (users)</h2>
{_html_table(results["user_level"])}
</body></html>
"""
    return _write(run_dir / "report.html", html)
