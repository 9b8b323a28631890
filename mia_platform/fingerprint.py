"""Content hashes of model files, computed once per file version per process.

Backends fingerprint a model by the bytes of its config and weights; hashing a few hundred MB
takes a while, so results are memoised by (path, size, mtime).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

_FILE_HASHES: dict[tuple[str, int, int], str] = {}
_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    """SHA-256 hex digest of one file's contents (memoised by path, size and mtime)."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    cached = _FILE_HASHES.get(key)
    if cached is None:
        h = hashlib.sha256()
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                h.update(chunk)
        cached = _FILE_HASHES[key] = h.hexdigest()
    return cached


def fingerprint_files(paths: Iterable[Path], *, extra: str = "") -> str:
    """One hash over several files, keyed by their names and contents, plus an ``extra`` string."""
    h = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        h.update(path.name.encode())
        h.update(b"\0")
        h.update(file_sha256(path).encode())
        h.update(b"\0")
    h.update(extra.encode())
    return h.hexdigest()[:32]
