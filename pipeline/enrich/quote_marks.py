"""Find quoted spans in a text: which quotation marks open and close, paragraph by paragraph.

Handles curly, straight, single, guillemet and low-9 marks and ``doubled'' apostrophes.
A straight mark opens or closes depending on what stands beside it. Single marks count only
outside double quotes and never when a letter follows (that is an apostrophe: "don't", "’90s").
A quote never runs past its paragraph, so an unbalanced mark cannot swallow the article:
an unclosed mark is kept as a quote running to the paragraph end only when it opens the
paragraph (or follows a colon); elsewhere it is ignored as stray. When such a paragraph-long
quote is followed by a paragraph that again opens with a mark, the two are one quotation
spread over paragraphs: `continues` links the pieces.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

MARK = re.compile(r"''|``|[\"“”„«»‘’'‹›]")
OPENERS = {"“", "„", "«", "``", "‘", "‹"}
CLOSERS = {"”", "»", "’", "›"}
SINGLE = {"‘", "’", "'", "‹", "›"}
# Elisions that start with an apostrophe: "'em", "'til", "'cause", "'n'", "'90s".
ELISIONS = re.compile(r"'(?:em|til|cause|n|tis|twas|\d\ds)\b", re.IGNORECASE)
OPEN_CONTEXT = set(" \t\u00a0([{—–-/:") | OPENERS
# Each stray opener costs the paragraph another scan. Past this many stray openers, or in a
# paragraph of more than MAX_PARAGRAPH_MARKS marks, the paragraph is a flood of marks (a scraper's
# debris, not prose): scanning it again once per stray mark would be quadratic in its length.
MAX_STRAY_OPENERS = 8
MAX_PARAGRAPH_MARKS = 400


@dataclass
class QuotedSpan:
    start: int          # the opening mark
    end: int            # after the closing mark, or the paragraph end when unclosed
    closed: bool
    continues: bool = False       # the quotation goes on in the next paragraph
    continuation: bool = False    # this piece carries on a quotation from the previous paragraph


class QuotedSpans(list):
    """Top-level quotations of a text, in order and never overlapping, with the one holding a
    position found by bisection (a scan per token would be quadratic in a text full of quotes)."""

    _starts: list[int] | None = None

    def at(self, pos: int) -> "QuotedSpan | None":
        if self._starts is None:
            self._starts = [q.start for q in self]
        i = bisect.bisect_right(self._starts, pos) - 1
        return self[i] if i >= 0 and self[i].start <= pos < self[i].end else None


def quote_at(quotes: list[QuotedSpan], pos: int) -> QuotedSpan | None:
    """The quotation holding `pos`, or None."""
    if isinstance(quotes, QuotedSpans):
        return quotes.at(pos)
    return next((q for q in quotes if q.start <= pos < q.end), None)


def paragraph_at(paras: list[tuple[int, int]], pos: int) -> tuple[int, int] | None:
    """The paragraph (of `paragraphs`, sorted) holding `pos`, by bisection."""
    i = bisect.bisect_right(paras, (pos, float("inf"))) - 1
    return paras[i] if i >= 0 and paras[i][0] <= pos < paras[i][1] else None


def paragraphs(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text) if m.group().strip()]


def _role(text: str, pos: int, mark: str, para_start: int, para_end: int) -> str | None:
    """"open", "close", "either" or None (an apostrophe, not a quotation mark)."""
    before = text[pos - 1] if pos > para_start else " "
    after = text[pos + len(mark)] if pos + len(mark) < para_end else " "
    if mark in ("'", "’"):
        if after.isalnum() and (before.isalnum() or mark == "’" or ELISIONS.match(text, pos)):
            return None
        if mark == "’" or not (before.isspace() or before in OPEN_CONTEXT):
            return "close" if not before.isspace() else None
        return "open" if not after.isspace() else None
    if mark in OPENERS:
        return "open"
    if mark in CLOSERS:
        return "close"
    if before.isspace() or before in OPEN_CONTEXT:
        return "open"
    if after.isspace() or not after.isalnum():
        return "close"
    return "either"


def _scan(text: str, start: int, end: int, ignored: set[int]) -> tuple[list[QuotedSpan], int | None, int]:
    """Pair marks in text[start:end]; returns top-level quotes, the position of an unclosed opener
    and how many marks the paragraph holds."""
    marks = 0
    quotes: list[QuotedSpan] = []
    stack: list[tuple[int, str]] = []
    doubles_open = 0   # double marks on the stack, counted rather than searched for each mark
    for m in MARK.finditer(text, start, end):
        marks += 1
        pos, mark = m.start(), m.group()
        if pos in ignored:
            continue
        if mark in SINGLE and doubles_open:
            continue  # nested quotes and apostrophes inside a quotation belong to it
        role = _role(text, pos, mark, start, end)
        if role is None:
            continue
        if role == "close" or (role == "either" and stack):
            if not stack or (mark in SINGLE) != (stack[-1][1] in SINGLE):
                continue  # a closer with nothing of its kind open: a stray mark
            open_pos, opener = stack.pop()
            doubles_open -= opener not in SINGLE
            if not stack:
                quotes.append(QuotedSpan(open_pos, m.end(), closed=True))
        else:
            stack.append((pos, mark))
            doubles_open += mark not in SINGLE
    return quotes, (stack[0][0] if stack else None), marks


def _opens_paragraph(text: str, pos: int, para_start: int) -> bool:
    before = text[para_start:pos].rstrip()
    return not before or before.endswith(":")


def find_quoted_spans(text: str) -> list[QuotedSpan]:
    """All top-level quotations of the text, in order."""
    spans: list[QuotedSpan] = []
    for para_start, para_end in paragraphs(text):
        ignored: set[int] = set()
        while True:
            quotes, unclosed, marks = _scan(text, para_start, para_end, ignored)
            if unclosed is None or _opens_paragraph(text, unclosed, para_start):
                break
            if len(ignored) >= MAX_STRAY_OPENERS or marks > MAX_PARAGRAPH_MARKS:
                # a flood of unclosed marks: its quotes cannot be told apart; keep the closed
                # ones found before the flood and stop, rather than rescanning once per mark
                quotes, unclosed = [q for q in quotes if q.end <= unclosed], None
                break
            ignored.add(unclosed)
        if unclosed is not None:
            end = para_start + len(text[para_start:para_end].rstrip())
            quotes = [q for q in quotes if q.end <= unclosed]
            quotes.append(QuotedSpan(unclosed, end, closed=False))
        if spans and spans[-1].continues and quotes and _opens_paragraph(text, quotes[0].start, para_start):
            quotes[0].continuation = True
        if quotes and not quotes[-1].closed:
            quotes[-1].continues = True
        spans.extend(quotes)
    for i, span in enumerate(spans):
        # An unclosed piece continues only when the next piece picks it up.
        if span.continues and not (i + 1 < len(spans) and spans[i + 1].continuation):
            span.continues = False
    return spans
