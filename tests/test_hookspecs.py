"""The hook contract: documented, versioned, and importable without heavy libraries."""

from __future__ import annotations

import inspect
import subprocess
import sys

from conftest import REPO

from mia_platform import hookspecs


def hook_names() -> list[str]:
    return sorted(n for n in dir(hookspecs.MiaSpecs) if n.startswith("mia_"))


def test_every_hook_has_a_docs_section_with_its_exact_signature():
    docs = (REPO / "docs" / "plugins" / "hooks.md").read_text(encoding="utf-8")
    for name in hook_names():
        sig = inspect.signature(getattr(hookspecs.MiaSpecs, name))
        args = ", ".join(
            f"{p.name}: {p.annotation}" for p in sig.parameters.values() if p.name != "self"
        )
        assert f"## `{name}({args}) -> {sig.return_annotation}`" in docs, name


def test_hooks_doc_is_regenerated():
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "gen_hooks_doc.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_every_hook_has_docstring_with_example():
    for name in hook_names():
        doc = inspect.getdoc(getattr(hookspecs.MiaSpecs, name))
        assert doc and "**Example:**" in doc and "@hookimpl" in doc, name


def test_claim_hooks_are_firstresult():
    for name in hook_names():
        opts = getattr(hookspecs.MiaSpecs, name).mia_platform_spec
        assert opts["firstresult"] == name.startswith("mia_claim_"), name


def test_hook_api_is_versioned():
    major, minor = hookspecs.HOOK_API_VERSION.split(".")
    assert (int(major), int(minor)) >= (1, 0)
