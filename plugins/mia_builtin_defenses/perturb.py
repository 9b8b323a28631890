"""Text perturbation (a ``data`` defense): word deletion, adjacent swap, substitution, char noise.

Each text gets its own random stream, seeded from ``(seed, text)`` through BLAKE2b, so the result
depends only on the text and the seed: not on the list order, the process or ``PYTHONHASHSEED``.
Words are whitespace-separated tokens. The selected operations run in a fixed order
(substitute, char, swap, delete), each touching every word independently with probability ``p``;
every pass is one linear sweep, so any input terminates (a 10k-word text takes milliseconds). A
text no operation changed is returned verbatim; a changed one is re-joined with single spaces.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterable, Sequence

from mia_builtin_defenses._params import fail, real
from mia_builtin_defenses.lexicon import Lexicon, load_lexicon

#: The operations, in the order they are applied.
OPS: tuple[str, ...] = ("substitute", "char", "swap", "delete")

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_AFFIXES = re.compile(r"^(\W*)(.*?)(\W*)$", re.DOTALL)


def text_rng(text: str, seed: int) -> random.Random:
    """A random stream determined by ``seed`` and ``text`` alone."""
    digest = hashlib.blake2b(f"{seed}\x00{text}".encode("utf-8", "surrogatepass"), digest_size=16)
    return random.Random(int.from_bytes(digest.digest(), "big"))


def _match_case(word: str, like: str) -> str:
    if len(like) > 1 and like.isupper():
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def substitute_word(word: str, lexicon: Lexicon, rng: random.Random) -> str:
    """Replace the word's core (punctuation kept) by a lexicon neighbour, keeping its case."""
    head, core, tail = _AFFIXES.match(word).groups()  # type: ignore[union-attr]
    neighbours = lexicon.get(core.lower())
    if not neighbours:
        return word
    return head + _match_case(rng.choice(neighbours), core) + tail


def char_noise(word: str, rng: random.Random) -> str:
    """One random character edit: delete, insert, replace or swap two adjacent characters.

    A one-character word is never deleted or swapped (only replaced or extended).
    """
    edits = ("delete", "insert", "replace", "swap") if len(word) > 1 else ("insert", "replace")
    edit = rng.choice(edits)
    if edit == "insert":
        at = rng.randrange(len(word) + 1)
        return word[:at] + rng.choice(_LETTERS) + word[at:]
    if edit == "swap":
        at = rng.randrange(len(word) - 1)
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    at = rng.randrange(len(word))
    middle = "" if edit == "delete" else rng.choice(_LETTERS)
    return word[:at] + middle + word[at + 1 :]


def perturb_words(
    words: list[str], rng: random.Random, p: float, ops: frozenset[str], lexicon: Lexicon
) -> list[str]:
    """Apply the selected ``ops`` to ``words`` (see the module doc); never returns no words."""
    if "substitute" in ops:
        words = [substitute_word(w, lexicon, rng) if rng.random() < p else w for w in words]
    if "char" in ops:
        words = [char_noise(w, rng) if rng.random() < p else w for w in words]
    if "swap" in ops:
        words = list(words)
        i = 0
        while i < len(words) - 1:
            if rng.random() < p:
                words[i], words[i + 1] = words[i + 1], words[i]
                i += 2  # a swapped word does not move again
            else:
                i += 1
    if "delete" in ops:
        kept = [w for w in words if rng.random() >= p]
        words = kept or [words[rng.randrange(len(words))]]
    return words


def parse_ops(name: str, ops: str | Iterable[str]) -> frozenset[str]:
    """``ops`` as a comma-separated string or a list, checked against :data:`OPS`."""
    items = ops.split(",") if isinstance(ops, str) else list(ops)
    chosen = [str(o).strip() for o in items if str(o).strip()]
    allowed = f"a non-empty subset of {', '.join(OPS)}"
    if not chosen or any(o not in OPS for o in chosen):
        raise fail(name, "ops", ops, allowed)
    return frozenset(chosen)


class TextPerturbation:
    """The ``data`` defense: rewrite every training text with the chosen operations at rate ``p``.

    :param p: per-word probability of each operation, in [0, 1].
    :param ops: which operations (a subset of :data:`OPS`).
    :param lexicon: ``"builtin"`` (MiniLM embedding neighbours) or a path to a lexicon file, used
        by ``substitute``.
    """

    def __init__(
        self,
        *,
        p: float = 0.1,
        ops: str | Iterable[str] = OPS,
        lexicon: str = "builtin",
        name: str = "perturb",
    ) -> None:
        self.name = name
        self.p = real(name, "p", p, low=0.0, high=1.0, high_open=False)
        self.ops = parse_ops(name, ops)
        if not isinstance(lexicon, str) or not lexicon:
            raise fail(name, "lexicon", lexicon, "'builtin' or the path of a lexicon file")
        self.lexicon_source = lexicon
        self.lexicon: Lexicon = load_lexicon(lexicon) if "substitute" in self.ops else {}

    def __repr__(self) -> str:
        ops = ",".join(o for o in OPS if o in self.ops)
        return f"TextPerturbation(name={self.name!r}, p={self.p}, ops={ops!r})"

    def perturb_one(self, text: str, seed: int) -> str:
        """Perturb one text; deterministic in ``(text, seed)``."""
        words = text.split()
        if not words or self.p == 0.0:
            return text
        out = perturb_words(words, text_rng(text, seed), self.p, self.ops, self.lexicon)
        return text if out == words else " ".join(out)

    def perturb(self, texts: Sequence[str], seed: int) -> list[str]:
        """Perturb each text (see :meth:`perturb_one`)."""
        return [self.perturb_one(t, seed) for t in texts]
