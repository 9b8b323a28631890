"""A log-log ROC plot as inline SVG (no plotting library, no fonts, no network)."""

from __future__ import annotations

import math
from html import escape
from typing import Any

PALETTE = [
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]
WIDTH, HEIGHT, PAD = 420, 360, 48
LOW = 1e-4


def _xy(fpr: float, tpr: float) -> tuple[float, float]:
    def scale(v: float) -> float:
        return (math.log10(max(v, LOW)) - math.log10(LOW)) / -math.log10(LOW)

    return PAD + scale(fpr) * (WIDTH - 2 * PAD), HEIGHT - PAD - scale(tpr) * (HEIGHT - 2 * PAD)


def roc_svg(title: str, rows: list[dict[str, Any]], limit: int = 10) -> str:
    """The ROC curves of the ``limit`` highest-AUC attacks in ``rows``, log-log, chance diagonal."""
    best = sorted(rows, key=lambda r: -r["auc"])[:limit]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH + 300}" height="{HEIGHT}" '
        f'role="img" aria-label="{escape(title)}">',
        f'<text x="{WIDTH / 2}" y="18" text-anchor="middle" font-size="14">{escape(title)}</text>',
    ]
    for k in range(5):
        v = 10.0 ** (-4 + k)
        x, _ = _xy(v, LOW)
        _, y = _xy(LOW, v)
        parts.append(
            f'<line x1="{x:.1f}" y1="{PAD}" x2="{x:.1f}" y2="{HEIGHT - PAD}" stroke="#eee"/>'
        )
        parts.append(
            f'<line x1="{PAD}" y1="{y:.1f}" x2="{WIDTH - PAD}" y2="{y:.1f}" stroke="#eee"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - PAD + 14}" text-anchor="middle" font-size="10">{v:g}</text>'
        )
        parts.append(
            f'<text x="{PAD - 4}" y="{y + 3:.1f}" text-anchor="end" font-size="10">{v:g}</text>'
        )
    x0, y0 = _xy(LOW, LOW)
    x1, y1 = _xy(1, 1)
    parts.append(
        f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y1}" stroke="#999" stroke-dasharray="4 3"/>'
    )
    parts.append(
        f'<text x="{WIDTH / 2}" y="{HEIGHT - 10}" text-anchor="middle" font-size="11">false positive rate</text>'
        f'<text x="12" y="{HEIGHT / 2}" text-anchor="middle" font-size="11" '
        f'transform="rotate(-90 12 {HEIGHT / 2})">true positive rate</text>'
    )
    for i, row in enumerate(best):
        color = PALETTE[i % len(PALETTE)]
        points = " ".join(
            f"{x:.1f},{y:.1f}"
            for x, y in (
                _xy(f, t) for f, t in zip(row["roc"]["fpr"], row["roc"]["tpr"], strict=True)
            )
        )
        parts.append(
            f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{points}"/>'
        )
        ly = 40 + 16 * i
        parts.append(
            f'<line x1="{WIDTH}" y1="{ly}" x2="{WIDTH + 18}" y2="{ly}" stroke="{color}" stroke-width="3"/>'
        )
        label = f"{row['attack']} (AUC {row['auc']:.3f})"
        parts.append(f'<text x="{WIDTH + 24}" y="{ly + 4}" font-size="11">{escape(label)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
