"""The defense comparison as a table (terminal, Markdown, HTML) and a utility-privacy plot."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from mia_platform.outputs import write_text_atomic


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.1f}%"


def _headline_attacks(rows: list[dict[str, Any]], level: str) -> list[str]:
    return list(rows[0][level]) if rows else []


def table_rows(comparison: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Columns and cells: utility, then AUC / TPR@1%FPR of every sample and user attack."""
    rows = comparison["rows"]
    header = ["defense", "kind", "accuracy", "macro-F1", "train acc.", "eps spent"]
    sample, user = _headline_attacks(rows, "sample"), _headline_attacks(rows, "user")
    header += [f"S {a} AUC / TPR@1%" for a in sample] + [f"U {a} AUC / TPR@1%" for a in user]
    cells = []
    for row in rows:
        eps = [f"{s['epsilon']:.2f}" for s in row["spent"] if "epsilon" in s]
        line = [
            row["defense"],
            row["kind"],
            _pct(row["accuracy"]),
            _pct(row["macro_f1"]),
            _pct(row["train_accuracy"]),
            ", ".join(eps) or "-",
        ]
        for level, names in (("sample", sample), ("user", user)):
            for a in names:
                r = row[level].get(a)
                line.append(f"{r['auc']:.3f} / {_pct(r['tpr_at_1%fpr'])}" if r else "-")
        cells.append(line)
    return header, cells


def format_summary(comparison: dict[str, Any]) -> str:
    """Terminal view: utility and the strongest attack at each level, per defense."""
    head = f"{'defense':<34} {'kind':<9} {'acc.':>6} {'F1':>6} {'best sample attack (AUC)':>38} {'best user attack (AUC)':>38}"
    lines = [head, "-" * len(head)]
    for row in comparison["rows"]:
        s = f"{row['best_sample_attack']} ({row['best_sample_auc']:.3f})"
        u = f"{row['best_user_attack']} ({row['best_user_auc']:.3f})"
        lines.append(
            f"{row['defense']:<34} {row['kind']:<9} {_pct(row['accuracy']):>6} {_pct(row['macro_f1']):>6} {s:>38} {u:>38}"
        )
    return "\n".join(lines)


def _plot(comparison: dict[str, Any]) -> str:
    """Accuracy (x) against the strongest attack's AUC (y), sample and user level; baseline ringed."""
    w, h, pad = 520, 380, 56
    rows = comparison["rows"]
    accs = [r["accuracy"] for r in rows]
    lo_x, hi_x = min(accs) - 0.02, max(accs) + 0.02

    def xy(acc: float, auc: float) -> tuple[float, float]:
        x = pad + (acc - lo_x) / max(hi_x - lo_x, 1e-9) * (w - 2 * pad)
        y = h - pad - (auc - 0.5) / 0.5 * (h - 2 * pad)
        return x, y

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w + 160}" height="{h}" role="img" aria-label="utility-privacy">'
    ]
    parts.append(
        f'<text x="{w / 2}" y="18" text-anchor="middle" font-size="14">Utility vs privacy (higher AUC = more leakage)</text>'
    )
    for k in range(6):
        auc = 0.5 + 0.1 * k
        _, y = xy(lo_x, auc)
        parts.append(
            f'<line x1="{pad}" y1="{y:.1f}" x2="{w - pad}" y2="{y:.1f}" stroke="#eee"/><text x="{pad - 4}" y="{y + 3:.1f}" text-anchor="end" font-size="10">{auc:.1f}</text>'
        )
    for k in range(5):
        acc = lo_x + k * (hi_x - lo_x) / 4
        x, _ = xy(acc, 0.5)
        parts.append(
            f'<text x="{x:.1f}" y="{h - pad + 14}" text-anchor="middle" font-size="10">{100 * acc:.1f}%</text>'
        )
    parts.append(
        f'<text x="{w / 2}" y="{h - 12}" text-anchor="middle" font-size="11">target accuracy on non-members</text>'
    )
    parts.append(
        f'<text x="14" y="{h / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 14 {h / 2})">best attack AUC</text>'
    )
    for level, color in (("sample", "#1f77b4"), ("user", "#d62728")):
        for row in rows:
            x, y = xy(row["accuracy"], row[f"best_{level}_auc"])
            ring = ' stroke="#000" stroke-width="2"' if row["defense"] == "baseline" else ""
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{color}"{ring}><title>{escape(row["defense"])} ({level})</title></circle>'
            )
            parts.append(
                f'<text x="{x + 7:.1f}" y="{y - 6:.1f}" font-size="10">{escape(row["defense"])}</text>'
            )
    parts.append(
        f'<circle cx="{w + 10}" cy="50" r="5" fill="#1f77b4"/><text x="{w + 20}" y="54" font-size="11">sample level</text>'
    )
    parts.append(
        f'<circle cx="{w + 10}" cy="70" r="5" fill="#d62728"/><text x="{w + 20}" y="74" font-size="11">user level</text>'
    )
    parts.append(
        f'<circle cx="{w + 10}" cy="90" r="5" fill="#fff" stroke="#000" stroke-width="2"/><text x="{w + 20}" y="94" font-size="11">baseline</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def write_reports(comparison: dict[str, Any], run_dir: Path) -> list[Path]:
    header, cells = table_rows(comparison)
    mode = (
        "adaptive (shadows trained with the defense)"
        if comparison["adaptive"]
        else "non-adaptive (shadows trained without it)"
    )
    md = [f"# Defense evaluation: {comparison['experiment']['name']}", "", f"Attacker: {mode}.", ""]
    md += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    md += ["| " + " | ".join(c) + " |" for c in cells]
    md_path, html_path = run_dir / "defend.md", run_dir / "defend.html"
    write_text_atomic(md_path, "\n".join(md) + "\n")
    head = "".join(f"<th>{escape(c)}</th>" for c in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in cells
    )
    html = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Defense evaluation</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 6px;font-size:12px}</style></head><body>"
        f"<h1>Defense evaluation: {escape(comparison['experiment']['name'])}</h1><p>Attacker: {escape(mode)}.</p>"
        f"{_plot(comparison)}<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></body></html>\n"
    )
    write_text_atomic(html_path, html)
    return [md_path, html_path]
