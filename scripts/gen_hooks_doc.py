#!/usr/bin/env python3
"""Regenerate docs/plugins/hooks.md from the hook specifications (``--check`` fails if stale)."""

from __future__ import annotations

import inspect
import sys
import textwrap
from pathlib import Path

from mia_platform import hookspecs

OUT = Path(__file__).resolve().parents[1] / "docs" / "plugins" / "hooks.md"

INTRO = """# Hook reference

Generated from `mia_platform/hookspecs.py` by `scripts/gen_hooks_doc.py`; do not edit by hand.
Hook API version: {version}. Implement a hook with `@hookimpl` from `mia_platform`; the function
name is the hook name and may take any subset of the listed arguments. Registration hooks return
lists of the records in `mia_platform.specs`; the host calls each plugin's implementation on its
own, stamps every record with the plugin name and reports duplicate names with both plugins named.
"""


def signature(name: str) -> str:
    sig = inspect.signature(getattr(hookspecs.MiaSpecs, name))
    params = [p for p in sig.parameters.values() if p.name != "self"]
    args = ", ".join(f"{p.name}: {p.annotation}" for p in params)
    return f"{name}({args}) -> {sig.return_annotation}"


def render() -> str:
    parts = [INTRO.format(version=hookspecs.HOOK_API_VERSION)]
    for name in sorted(n for n in dir(hookspecs.MiaSpecs) if n.startswith("mia_")):
        func = getattr(hookspecs.MiaSpecs, name)
        opts = getattr(func, f"{hookspecs.PROJECT}_spec")
        doc = inspect.getdoc(func) or ""
        doc = doc.replace(".. code-block:: python\n\n", "```python\n")
        lines, in_code = [], False
        for line in doc.splitlines():
            if line.startswith("```python"):
                in_code = True
                lines.append(line)
                continue
            if in_code and line and not line.startswith("    "):
                lines.append("```")
                in_code = False
            lines.append(line[4:] if in_code else line)
        if in_code:
            lines.append("```")
        body = "\n".join(lines).replace("**Example:**", "Example:")
        flag = "\n\nFirst result wins (`firstresult`)." if opts.get("firstresult") else ""
        parts.append(f"## `{signature(name)}`\n\n{textwrap.dedent(body).strip()}{flag}\n")
    return "\n".join(parts)


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        if not OUT.is_file() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is stale: run python scripts/gen_hooks_doc.py", file=sys.stderr)
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
