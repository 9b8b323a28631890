#!/usr/bin/env python3
"""Set up the project's virtual environment and run its main job or its checks.

    python3 tasks.py run [ARGS...]   # set up .venv, then `mia run ARGS...` (the default audit)
    python3 tasks.py test [ARGS...]  # set up .venv, then ruff and the whole test suite
    python3 tasks.py setup           # only set up .venv

Needs only Python >= 3.11 with pip and venv. Installs are pinned through constraints.txt (the CPU
build of PyTorch) and skipped when nothing they depend on changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("MIA_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
EXAMPLE_PLUGINS = [ROOT / "examples" / "plugins" / "mia-defense-truncate"]
STAMP_INPUTS = [ROOT / "pyproject.toml", ROOT / "constraints.txt"] + [
    p / "pyproject.toml" for p in EXAMPLE_PLUGINS
]


def sh(*args: str | Path) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT)


def setup() -> None:
    if not (BIN / "python").exists():
        venv.create(VENV, with_pip=True)
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in STAMP_INPUTS)).hexdigest()
    stamp = VENV / ".mia-setup"
    if stamp.exists() and stamp.read_text() == digest:
        return
    pip = [BIN / "python", "-m", "pip", "install", "-c", ROOT / "constraints.txt"]
    sh(BIN / "python", "-m", "pip", "install", "-q", "--upgrade", "pip")
    sh(*pip, "-e", f"{ROOT}[dev]")
    for plugin in EXAMPLE_PLUGINS:
        sh(*pip, "--no-deps", "-e", plugin)
    stamp.write_text(digest)


def main(argv: list[str]) -> int:
    task, rest = (argv[0], argv[1:]) if argv else ("", [])
    if task not in {"setup", "run", "test"}:
        print(__doc__, file=sys.stderr)
        return 2
    setup()
    try:
        if task == "run":
            sh(BIN / "mia", "run", *rest)
        elif task == "test":
            sh(BIN / "ruff", "check", ".")
            sh(BIN / "ruff", "format", "--check", ".")
            sh(BIN / "python", "-m", "pytest", *rest)
    except subprocess.CalledProcessError as exc:
        return exc.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
