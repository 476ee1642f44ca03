"""is_truncated: does a body look cut off by a paywall or a teaser limit?"""
from __future__ import annotations

import re

from pipeline.clean.cleaner import classify_lines

_CUT_OFF_PROMPT = re.compile(r"""(?ix)
    .{0,80}\b(?:to\s+continue\s+reading|continue\s+reading|keep\s+reading|read\s+the\s+full\s+(?:story|article)
        |for\s+(?:paying\s+)?subscribers|subscribe\s+(?:now|today)|subscriber[- ]only|unlock\s+(?:this|the\s+full))\b.{0,80}""")
# A sentence cut in half ends on a lower-case word or on a comma, semicolon or dash. A
# capitalised word, a number, a colon (an embed followed) or a web address ends headings,
# list items and sign-offs far more often than a paywall cut. The last word is its final run of
# word characters, apostrophes and hyphens; it is cut off when it starts, or a part of it after an
# apostrophe or hyphen starts, with a lower-case letter. (One regex searched for from the front,
# `\b[a-z][\w'’-]*$`, runs to the end of the run from every part of it: quadratic in a long
# hyphenated token that is not last.)
_CUT_PUNCTUATION = (",", ";", "–", "—", "-")
_FINAL_RUN_REVERSED = re.compile(r"[\w'’-]*")
_CUT_WORD_START = re.compile(r"(?:^|(?<=['’-]))[a-z]")
_ADDRESS = re.compile(r"""(?:://|www\.|@|\.(?:com|org|net|gov|edu)\b)""", re.IGNORECASE)
_ELLIPSIS = re.compile(r"(?:\.\.\.|…)['\"’”]?$")
# How many lines at the end may hold the "subscribe to continue" prompt.
_TAIL_LINES = 3
# Bodies up to this long are looked at whole; of longer ones, the last lines only (see _tail).
_WHOLE_UP_TO_CHARS = 200_000
_TAIL_WINDOW_LINES = 200
# A last line shorter than this without final punctuation is more likely a sign-off
# ("Jane Doe, Rome") than a sentence cut in half.
_CUT_SENTENCE_MIN_WORDS = 8


def _tail_verdicts(text: str) -> list:
    """The lines that decide whether `text` is cut off, with their verdicts: all of an ordinary
    body's; of a huge one, its last _TAIL_WINDOW_LINES lines' (the verdict is about the last
    paragraph, and classifying the whole of a 20 MB body again only to look at its end took
    seconds). Those lie past the head zone, where a huge body's end always is."""
    if len(text) <= _WHOLE_UP_TO_CHARS:
        return classify_lines(text)
    at = len(text)
    for _ in range(_TAIL_WINDOW_LINES):
        at = text.rfind("\n", 0, at)
        if at < 0:
            return classify_lines(text)
    return classify_lines(text[at:], in_head=False)


def is_truncated(text: str) -> bool:
    """True when the body ends with a paywall prompt, or its last real paragraph stops
    mid-sentence or trails off with an ellipsis.

    Accepts raw or cleaned text: residue lines after the last paragraph are skipped."""
    verdicts = _tail_verdicts(text)
    if any(_CUT_OFF_PROMPT.fullmatch(line.text) and len(line.text.split()) <= 25
           for line, _ in verdicts[-_TAIL_LINES:]):
        return True
    real = [line.text for line, rule in verdicts if rule is None]
    if not real:
        return False
    last = real[-1]
    words = last.split()
    cut_mid_sentence = (len(words) >= _CUT_SENTENCE_MIN_WORDS and ends_cut_off(last)
                        and not _ADDRESS.search(words[-1]))
    return bool(_ELLIPSIS.search(last)) or cut_mid_sentence


def ends_cut_off(line: str) -> bool:
    """Does `line` end on a lower-case word or on a comma, semicolon or dash? In one pass."""
    if line.endswith(_CUT_PUNCTUATION):
        return True
    final_run = _FINAL_RUN_REVERSED.match(line[::-1]).group()[::-1]   # anchored: one attempt
    return bool(_CUT_WORD_START.search(final_run))
