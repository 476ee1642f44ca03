"""is_truncated: does a body look cut off by a paywall or a teaser limit?"""
from __future__ import annotations

import re

from pipeline.clean.cleaner import classify_lines

_CUT_OFF_PROMPT = re.compile(r"""(?ix)
    .{0,80}\b(?:to\s+continue\s+reading|continue\s+reading|keep\s+reading|read\s+the\s+full\s+(?:story|article)
        |for\s+(?:paying\s+)?subscribers|subscribe\s+(?:now|today)|subscriber[- ]only|unlock\s+(?:this|the\s+full))\b.{0,80}""")
# A sentence cut in half ends on a lower-case word or on a comma, semicolon or dash. A
# capitalised word, a number, a colon (an embed followed) or a web address ends headings,
# list items and sign-offs far more often than a paywall cut.
_CUT_ENDING = re.compile(r"""(?:\b[a-z][\w'’-]*|[,;–—-])$""")
_ADDRESS = re.compile(r"""(?:://|www\.|@|\.(?:com|org|net|gov|edu)\b)""", re.IGNORECASE)
_ELLIPSIS = re.compile(r"(?:\.\.\.|…)['\"’”]?$")
# How many lines at the end may hold the "subscribe to continue" prompt.
_TAIL_LINES = 3
# A last line shorter than this without final punctuation is more likely a sign-off
# ("Jane Doe, Rome") than a sentence cut in half.
_CUT_SENTENCE_MIN_WORDS = 8


def is_truncated(text: str) -> bool:
    """True when the body ends with a paywall prompt, or its last real paragraph stops
    mid-sentence or trails off with an ellipsis.

    Accepts raw or cleaned text: residue lines after the last paragraph are skipped."""
    verdicts = classify_lines(text)
    if any(_CUT_OFF_PROMPT.fullmatch(line.text) and len(line.text.split()) <= 25
           for line, _ in verdicts[-_TAIL_LINES:]):
        return True
    real = [line.text for line, rule in verdicts if rule is None]
    if not real:
        return False
    last = real[-1]
    words = last.split()
    cut_mid_sentence = (len(words) >= _CUT_SENTENCE_MIN_WORDS and bool(_CUT_ENDING.search(last))
                        and not _ADDRESS.search(words[-1]))
    return bool(_ELLIPSIS.search(last)) or cut_mid_sentence
