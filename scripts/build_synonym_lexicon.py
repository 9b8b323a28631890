"""Rebuild the word-substitution defense's built-in lexicon from the bundled MiniLM model.

Usage: ``python scripts/build_synonym_lexicon.py [--k 3] [--min-similarity 0.45]``. Writes
``plugins/mia_builtin_defenses/synonyms.tsv.gz`` atomically; the gzip header carries no timestamp,
so rebuilding from the same model gives the same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

from mia_builtin_defenses.lexicon import (  # noqa: E402
    BUILTIN_LEXICON,
    build_embedding_lexicon,
    format_lexicon,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=3, help="neighbours kept per word")
    parser.add_argument("--min-similarity", type=float, default=0.45, help="cosine cut-off")
    args = parser.parse_args()
    lexicon = build_embedding_lexicon(k=args.k, min_similarity=args.min_similarity)
    header = (
        f"# MiniLM input-embedding neighbours: k={args.k}, min cosine {args.min_similarity}; "
        "built by scripts/build_synonym_lexicon.py\n"
    )
    data = gzip.compress((header + format_lexicon(lexicon)).encode("utf-8"), 9, mtime=0)
    tmp = BUILTIN_LEXICON.with_suffix(".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, BUILTIN_LEXICON)
    print(f"wrote {len(lexicon)} words to {BUILTIN_LEXICON} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
