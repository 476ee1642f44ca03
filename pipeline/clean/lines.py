"""Splitting a body into lines that remember where they came from."""
from __future__ import annotations

import re
from dataclasses import dataclass

# Non-breaking, thin and other odd spaces become plain spaces; zero-width marks vanish,
# so that rules and title comparison see what a reader sees.
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")
_ZERO_WIDTH = re.compile("[" + "".join(ZERO_WIDTH) + "]")
_NOT_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Line:
    text: str        # whitespace-normalised
    start_char: int  # span of the stripped line in the original text
    end_char: int

    @property
    def word_count(self) -> int:
        return len(self.text.split())


def normalise_whitespace(text: str, zero_width: bool | None = None) -> str:
    # str.split() splits on every Unicode space (no-break, thin, ideographic...) and drops the ends,
    # in C: a regex over every character costs several times more on a long body
    if zero_width is None:
        zero_width = any(mark in text for mark in ZERO_WIDTH)
    if zero_width:
        text = _ZERO_WIDTH.sub("", text)
    return " ".join(text.split())


def split_lines(text: str) -> list[Line]:
    """Every non-blank line of `text`, normalised, with its offsets in `text`."""
    # zero-width marks looked for once in the whole text, not once per line
    zero_width = any(mark in text for mark in ZERO_WIDTH)
    lines = []
    at = 0
    for raw in text.split("\n"):
        start, at = at, at + len(raw) + 1
        stripped = raw.strip()
        if not stripped:
            continue
        normalised = normalise_whitespace(stripped, zero_width)
        if not normalised:
            continue
        start += len(raw) - len(raw.lstrip())
        lines.append(Line(normalised, start, start + len(stripped)))
    return lines


def comparison_key(text: str) -> str:
    """Case, punctuation and spacing folded away: how headline copies are compared."""
    return _NOT_WORD.sub(" ", text.casefold()).strip()
