"""How much two extractions agree, measured on runs of four words (shingles)."""
from __future__ import annotations

import re

_WORD = re.compile(r"\w+")
SHINGLE = 4
# A paragraph counts as confirmed by another text when half of its shingles occur there.
_SUPPORT_SHARE = 0.5


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def shingles(tokens: list[str]) -> set[tuple[str, ...]]:
    if len(tokens) < SHINGLE:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)}


class Reference:
    """One extraction prepared for repeated 'does it contain this paragraph?' questions."""

    def __init__(self, paragraphs: list[str]):
        tokens = words(" ".join(paragraphs))
        self.shingles = shingles(tokens)
        self.joined = f" {' '.join(tokens)} "
        self.word_count = len(tokens)

    def supports(self, paragraph: str) -> bool:
        tokens = words(paragraph)
        if not tokens:
            return False
        # A paragraph shorter than a shingle has none to compare: ask for the exact words instead.
        if len(tokens) < SHINGLE:
            return f" {' '.join(tokens)} " in self.joined
        own = shingles(tokens)
        return len(own & self.shingles) >= _SUPPORT_SHARE * len(own)


def word_count(paragraphs: list[str]) -> int:
    return sum(len(words(p)) for p in paragraphs)
