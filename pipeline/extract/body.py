"""The article body: several extractors, combined by agreement.

trafilatura in precision mode is the primary candidate (best alone on the dev set);
readability is the second opinion:
  * when readability found much more text, either trafilatura stopped early (a split article
    container) or readability swept in neighbouring material; newspaper4k, too slow to run on
    every page, breaks the tie: if it also finds much more text, readability's body is taken;
  * otherwise trafilatura's paragraphs before and after all that readability confirms are
    dropped, provided the two agree on most of the text (if they do not, readability picked
    another block and its opinion is worthless);
then promotional lines and a repeated headline are removed. newspaper4k is also the last
resort when both came up empty.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.extract.agreement import Reference, word_count
from pipeline.extract.boilerplate import drop_promos
from pipeline.extract.candidates import (
    newspaper_paragraphs,
    readability_paragraphs,
    trafilatura_paragraphs,
)

# "Much longer": more than 1.5 times the words plus a margin, so tiny pages do not flip.
FALLBACK_RATIO = 1.5
FALLBACK_MARGIN_WORDS = 20
# Readability may veto paragraphs only when it confirms at least this share of trafilatura's.
MIN_AGREEMENT_TO_VOTE = 0.7


@dataclass
class Body:
    paragraphs: list[str]
    extractor: str
    notes: list[str] = field(default_factory=list)  # failures of individual extractors

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def _much_longer(longer: list[str], shorter: list[str]) -> bool:
    return word_count(longer) > FALLBACK_RATIO * word_count(shorter) + FALLBACK_MARGIN_WORDS


def _vote(primary: list[str], second: list[str]) -> list[str]:
    """primary without the paragraphs before or after everything second confirms (teasers,
    newsletter boxes, related links sit around an article). Unconfirmed paragraphs between
    confirmed ones stay: they are mostly embeds (posts, quotes) readability skips. primary is
    kept whole when the two disagree overall."""
    reference = Reference(second)
    confirmed = [i for i, paragraph in enumerate(primary) if reference.supports(paragraph)]
    if not confirmed or word_count([primary[i] for i in confirmed]) < MIN_AGREEMENT_TO_VOTE * word_count(primary):
        return primary
    return primary[confirmed[0] : confirmed[-1] + 1]


def combine(primary: list[str], second: list[str], tie_breaker: Callable[[], list[str]]) -> tuple[list[str], str]:
    """The body from trafilatura's and readability's paragraphs, and which of them made it.
    `tie_breaker` (newspaper4k's paragraphs, computed on demand) settles length disputes."""
    if not second:
        return primary, "trafilatura" if primary else ""
    if not primary:
        return second, "readability"
    if _much_longer(second, primary):
        third = tie_breaker()
        if not third:
            return second, "readability"
        if _much_longer(third, primary):
            return second, "vote:readability+newspaper4k"
        return primary, "vote:trafilatura+newspaper4k"
    voted = _vote(primary, second)
    if len(voted) == len(primary):
        return primary, "trafilatura"
    return voted, "vote:trafilatura+readability"


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", text).casefold()


def drop_leading_headline(paragraphs: list[str], headings: list[str]) -> list[str]:
    """The headline is the title, not the body's first paragraph."""
    if len(paragraphs) > 1 and _squash(paragraphs[0]) in {_squash(h) for h in headings}:
        return paragraphs[1:]
    return paragraphs


def extract_body(tree, html: str, url: str | None, headings: list[str]) -> Body:
    """`tree` is consumed (readability prunes it): parse metadata from it before calling."""
    notes: list[str] = []
    newspaper_result: list[list[str]] = []

    def newspaper() -> list[str]:
        if not newspaper_result:
            found, failure = newspaper_paragraphs(html, url)
            newspaper_result.append(found)
            notes.extend([failure] if failure else [])
        return newspaper_result[0]

    primary = trafilatura_paragraphs(tree, url)
    second = readability_paragraphs(tree)
    paragraphs, extractor = combine(primary, second, newspaper)
    paragraphs = drop_leading_headline(drop_promos(paragraphs) or paragraphs, headings)
    if not paragraphs:
        paragraphs, extractor = newspaper(), "newspaper4k"
    return Body(paragraphs, extractor if paragraphs else "", notes)
