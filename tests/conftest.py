"""Shared fixtures: fake installed distributions, a CLI runner, and where the shared data lives."""

from __future__ import annotations

import importlib
import os
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path | None:
    """The shared datasets folder (``../shared`` beside the checkout, or ``MIA_SHARED_DATA``)."""
    env = os.environ.get("MIA_SHARED_DATA")
    for candidate in ([Path(env)] if env else []) + [REPO.parent / "shared"]:
        if (candidate / "data").is_dir():
            return candidate
    return None


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def fake_dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """Write an installed-looking distribution (``*.dist-info`` + module) onto ``sys.path``.

    ``fake_dist("mia-x", {"x": "mia_x_mod"}, {"mia_x_mod": "source"})`` makes distribution
    ``mia-x`` 1.0 with entry point ``x = mia_x_mod`` in group ``mia_platform``.
    """
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    created: list[str] = []

    def make(
        dist: str,
        entry_points: dict[str, str],
        modules: dict[str, str],
        version: str = "1.0",
    ) -> Path:
        info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8"
        )
        eps = "\n".join(f"{k} = {v}" for k, v in entry_points.items())
        (info / "entry_points.txt").write_text(f"[mia_platform]\n{eps}\n", encoding="utf-8")
        for module, source in modules.items():
            (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
            created.append(module)
        importlib.invalidate_caches()
        return info

    yield make
    for module in created:
        sys.modules.pop(module, None)
