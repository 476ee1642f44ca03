"""The article body: several extractors, combined by agreement.

trafilatura in precision mode is the primary candidate (best alone on the dev set);
readability is the second opinion:
  * when readability found much more text, either trafilatura stopped early (a split article
    container) or readability swept in neighbouring material; newspaper4k, too slow to run on
    every page, breaks the tie: if it also finds much more text, readability's body is taken;
  * otherwise trafilatura's paragraphs before and after all that readability confirms are
    dropped, provided the two agree on most of the text (if they do not, readability picked
    another block and its opinion is worthless);
then promotional lines and a repeated headline are removed.

A guard against catastrophic choices: when the body holds no prose (a date line, a "skip to
content"), or shares almost nothing with the body the page marks as its own (JSON-LD
articleBody, itemprop="articleBody"), both trafilatura and readability picked the wrong block
or none. Then more candidates are asked (trafilatura without precision mode, newspaper4k, the
marked body) and the evidence decides: agreement with the marked body when the page has one,
else the most prose (words in paragraphs that read as sentences, which menus, link lists and
date lines do not).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.extract.agreement import Reference, word_count, words
from pipeline.extract.boilerplate import drop_promos
from pipeline.extract.candidates import (
    newspaper_paragraphs,
    readability_paragraphs,
    trafilatura_paragraphs,
    trafilatura_recall_paragraphs,
)

# "Much longer": more than 1.5 times the words plus a margin, so tiny pages do not flip.
FALLBACK_RATIO = 1.5
FALLBACK_MARGIN_WORDS = 20
# Readability may veto paragraphs only when it confirms at least this share of trafilatura's.
MIN_AGREEMENT_TO_VOTE = 0.7
# A body of fewer words than this without one sentence is suspect; a marked body shorter than
# this is too short to judge another body by.
SUSPECT_WORDS = 50
# ... and so is one shorter than this share of the body it would judge (a summary).
MARKED_MIN_SHARE = 0.5
# Two bodies that confirm less than this share of each other picked different blocks.
WHOLESALE_DISAGREEMENT = 0.3
# A candidate that confirms this share of the marked body holds the article.
MARKED_AGREEMENT = 0.5
# A paragraph "reads as prose" with this many words and a sentence end.
PROSE_MIN_WORDS = 8
_SENTENCE_END = re.compile(r"[.!?\u2026\u3002\uff01\uff1f\u061f\u0964][\"'\u201d\u2019)\]]*(?:\s|$)")


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


def agreement(paragraphs: list[str], reference: list[str]) -> float:
    """Share of the words of `paragraphs` in paragraphs that `reference` confirms."""
    total = word_count(paragraphs)
    if not total or not reference:
        return 0.0
    confirmed = Reference(reference)
    return word_count([p for p in paragraphs if confirmed.supports(p)]) / total


def prose_words(paragraphs: list[str]) -> int:
    return sum(len(words(p)) for p in paragraphs if len(words(p)) >= PROSE_MIN_WORDS and _SENTENCE_END.search(p))


def is_suspect(paragraphs: list[str], marked: list[str]) -> bool:
    """A few words and no paragraph that reads as prose (a date line, "Skip to content"); or a
    body that shares almost nothing with a marked body of comparable length. A short body of a
    few real sentences (the text around a video) is not suspect, nor is a longer list without
    sentences (a calendar, a results table), nor a body that a much shorter marked body (a
    summary, a teaser) fails to cover."""
    if word_count(paragraphs) < SUSPECT_WORDS and prose_words(paragraphs) == 0:
        return True
    if word_count(marked) < max(SUSPECT_WORDS, MARKED_MIN_SHARE * word_count(paragraphs)):
        return False
    return (agreement(paragraphs, marked) < WHOLESALE_DISAGREEMENT
            and agreement(marked, paragraphs) < WHOLESALE_DISAGREEMENT)


def rescue(current: tuple[list[str], str], others: list[tuple[list[str], str]], marked: list[str]) -> tuple[list[str], str]:
    """The best of the current body and the other candidates, by the page's evidence."""
    candidates = [current, *[(p, f"rescue:{name}") for p, name in others if p]]
    if word_count(marked) >= SUSPECT_WORDS:
        best = max(candidates, key=lambda c: agreement(marked, c[0]))
        if agreement(marked, best[0]) >= MARKED_AGREEMENT:
            return best
        return marked, "rescue:marked"
    return max(candidates, key=lambda c: prose_words(c[0]))


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", text).casefold()


def drop_headlines(paragraphs: list[str], headings: list[str]) -> list[str]:
    """The headline is the title, not a paragraph of the body, wherever an extractor put it
    (first, or after a live blog's first entry)."""
    squashed = {_squash(h) for h in headings} - {""}
    kept = [p for p in paragraphs if _squash(p) not in squashed]
    return kept or paragraphs


def extract_body(tree, html: str, url: str | None, headings: list[str], marked: list[str] | None = None) -> Body:
    """`tree` is consumed (readability prunes it): parse metadata from it before calling.
    `marked`: the body as the page marks it, when it does (evidence for the guard)."""
    marked = marked or []
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
    if is_suspect(paragraphs, marked):
        others = [(trafilatura_recall_paragraphs(html, url), "trafilatura"), (newspaper(), "newspaper4k")]
        paragraphs, extractor = rescue((paragraphs, extractor), others, marked)
    paragraphs = drop_headlines(drop_promos(paragraphs) or paragraphs, headings)
    return Body(paragraphs, extractor if paragraphs else "", notes)
