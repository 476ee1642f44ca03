"""Splitting a body into lines that remember where they came from."""
from __future__ import annotations

import re
from dataclasses import dataclass

# Non-breaking, thin and other odd spaces become plain spaces; zero-width marks vanish,
# so that rules and title comparison see what a reader sees.
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_NOT_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Line:
    text: str        # whitespace-normalised
    start_char: int  # span of the stripped line in the original text
    end_char: int

    @property
    def word_count(self) -> int:
        return len(self.text.split())


def normalise_whitespace(text: str) -> str:
    return _SPACES.sub(" ", _ZERO_WIDTH.sub("", text)).strip()


def split_lines(text: str) -> list[Line]:
    """Every non-blank line of `text`, normalised, with its offsets in `text`."""
    lines = []
    for match in re.finditer(r"[^\n]+", text):
        raw = match.group()
        stripped = raw.strip()
        if not normalise_whitespace(stripped):
            continue
        start = match.start() + (len(raw) - len(raw.lstrip()))
        lines.append(Line(normalise_whitespace(stripped), start, start + len(stripped)))
    return lines


def comparison_key(text: str) -> str:
    """Case, punctuation and spacing folded away: how headline copies are compared."""
    return _NOT_WORD.sub(" ", text.casefold()).strip()
