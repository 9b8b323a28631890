"""Train on the first ``max_words`` words of each text only (a mia-platform ``data`` defense)."""

from __future__ import annotations

from collections.abc import Sequence

from mia_platform import DefenseSpec, hookimpl


class Truncate:
    """Keep the first ``max_words`` whitespace-separated words of each text.

    Deterministic (the seed is accepted for the defense interface and unused) and linear in the
    text length, so it terminates on any input; an empty text stays empty.
    """

    def __init__(self, max_words: int = 32) -> None:
        if not isinstance(max_words, int) or isinstance(max_words, bool) or max_words < 1:
            raise ValueError(f"truncate: max_words must be a positive integer, got {max_words!r}")
        self.max_words = max_words

    def perturb(self, texts: Sequence[str], seed: int) -> list[str]:
        return [" ".join(text.split()[: self.max_words]) for text in texts]


@hookimpl
def mia_defenses() -> list[DefenseSpec]:
    return [
        DefenseSpec(
            name="truncate",
            factory=Truncate,
            defense_kind="data",
            summary="Train on the first max_words words of each text (default 32)",
        )
    ]
