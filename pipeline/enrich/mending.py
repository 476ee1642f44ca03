"""Recogniser spans mended or dropped before they become entities.

- A title that is how a person is named stays with the name: "Pope Francis", "King Charles"
  (the small model often tags only "Francis").
- Leading lower-case words are not part of a name: "earlier MacBook Pro" -> "MacBook Pro".
- Unbalanced brackets are cut off: "Tester (D" -> "Tester", "Mont.)" -> dropped.
- A one- or two-letter acronym ("HP", "AB") is kept only when the text defines it, as "(HP)"
  after the words it stands for; otherwise it names nothing an analyst can count.
"""
from __future__ import annotations

import re

# Titles that are part of how the person is named, kept in the canonical name.
NAME_TITLES = frozenset({"pope", "king", "queen", "prince", "princess", "emperor", "empress", "sheikh",
                         "sultan", "emir", "saint", "st", "dame", "sir", "lord", "lady"})
_WORD_BEFORE = re.compile(r"([A-Z][a-z]+)\.?\s+$")
_LEADING_LOWER = re.compile(r"(?:[a-z][\w'’-]*\s+)+(?=[A-Z0-9])")


def with_name_title(text: str, start: int) -> int:
    """The start of a person's mention, moved back over a title that belongs to the name."""
    match = _WORD_BEFORE.search(text[max(0, start - 20):start])
    if match and match.group(1).lower() in NAME_TITLES:
        return start - len(match.group(0))
    return start


def _cut_unbalanced(mention: str) -> tuple[int, int]:
    """(start, end) within `mention` without an unmatched bracket and what lies beyond it."""
    start, end, depth = 0, len(mention), 0
    for i, c in enumerate(mention):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                start = i + 1   # an unmatched closer: only what follows it can be the name
            else:
                depth -= 1
    if depth:
        opener = max(mention.rfind(c, start) for c in "([{")
        end = opener
    return start, end


def defined_acronym(text: str, acronym: str) -> bool:
    return f"({acronym})" in text


def mend(text: str, start: int, end: int, label: str) -> tuple[int, int] | None:
    """The mended span of a recogniser mention, or None when nothing of it is a name."""
    s, e = _cut_unbalanced(text[start:end])
    start, end = start + s, start + e
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not (text[end - 1].isalnum() or text[end - 1] in ".’'"):
        end -= 1
    lower = _LEADING_LOWER.match(text, start, end)
    if lower:
        start = lower.end()
    if start >= end:
        return None
    mention = text[start:end]
    letters = re.sub(r"[^A-Za-z]", "", mention)
    if mention.isupper() and len(letters) <= 2 and not defined_acronym(text, mention):
        return None
    if label == "PERSON":
        start = with_name_title(text, start)
    return start, end
