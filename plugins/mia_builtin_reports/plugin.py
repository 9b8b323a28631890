"""Registers the ``markdown`` and ``html`` report writers."""

from __future__ import annotations

from mia_builtin_reports.writers import write_html, write_markdown
from mia_platform import ReportSpec, hookimpl


@hookimpl
def mia_report_writers() -> list[ReportSpec]:
    return [
        ReportSpec(
            name="markdown", write=write_markdown, summary="report.md: tables of every attack"
        ),
        ReportSpec(
            name="html",
            write=write_html,
            summary="report.html: tables and log-log ROC curves, sample vs user level",
        ),
    ]
