"""The extractors whose outputs are combined, each returning a list of paragraphs.

All of them are real libraries run offline: trafilatura and readability over the already
parsed lxml tree, newspaper4k over the HTML string (its own parser) only on demand, as a
tie-breaker and last resort, because it is several times slower than the other two.
"""
from __future__ import annotations

import logging
import warnings

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.utils import load_html
from readability import Document

from pipeline.extract.paragraphs import block_paragraphs, split_paragraphs

log = logging.getLogger(__name__)


def trafilatura_paragraphs(tree, url: str | None) -> list[str]:
    # Precision mode: best of its modes on the dev set, and readability covers what it misses.
    # trafilatura copies a tree it is given, so the caller's tree stays intact.
    text = trafilatura.extract(tree, url=url, include_comments=False, include_tables=True, favor_precision=True)
    return split_paragraphs(text or "")


def trafilatura_recall_paragraphs(html: str, url: str | None) -> list[str]:
    """trafilatura in its default mode, on a fresh parse (the shared tree is pruned by then):
    a second opinion for pages where precision mode kept almost nothing."""
    tree = load_html(html)
    if tree is None:
        return []
    text = trafilatura.extract(tree, url=url, include_comments=False, include_tables=True)
    return split_paragraphs(text or "")


_NON_TEXT_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "link")
# Page furniture that never holds the article; removing it up front shrinks the tree that
# readability scores node by node. Not <form>: some sites wrap whole pages in one.
_FURNITURE_TAGS = ("nav", "footer", "aside", "button", "select", "textarea")
# A paragraph that is mostly link text is navigation or a teaser, not article prose.
MAX_LINK_SHARE = 0.8
_HIDDEN = '//*[@hidden or @aria-hidden="true" or contains(translate(@style, " ", ""), "display:none")]'


class _PrunedDocument(Document):
    """readability over a tree pruned here. Its own preparation (lxml's Cleaner: a deep copy,
    then a rewrite of every link to neutralise javascript) costs as much as the algorithm and
    changes no text, so it is replaced by removing non-text elements and hidden elements."""

    def _parse(self, input):
        etree.strip_elements(
            input, *_NON_TEXT_TAGS, *_FURNITURE_TAGS, etree.Comment, etree.ProcessingInstruction, with_tail=False
        )
        for element in input.xpath(_HIDDEN):
            element.drop_tree()
        return input


def readability_paragraphs(tree) -> list[str]:
    """Readability's main block. It prunes the tree it is given: pass one nobody needs afterwards."""
    try:
        summary = _PrunedDocument(tree).summary(html_partial=True)
    except Exception as error:  # readability raises bare Exceptions on odd pages
        log.debug("readability failed: %s", error)
        return []
    if not summary.strip():
        return []
    return block_paragraphs(lxml.html.fromstring(summary), MAX_LINK_SHARE)


def newspaper_paragraphs(html: str, url: str | None) -> tuple[list[str], str | None]:
    """newspaper4k's body, and the reason when it failed (some languages need tokenizers
    that are not installed, which it reports by raising)."""
    with warnings.catch_warnings():
        # It warns on import and while parsing that optional NLP packages are missing; the body
        # extraction does not need them.
        warnings.simplefilter("ignore")
        import newspaper  # slow import, and only needed when the other extractors came up empty

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            article = newspaper.Article(url or "", fetch_images=False)
            article.download(input_html=html)
            article.parse()
    except Exception as error:
        return [], f"newspaper4k:{type(error).__name__}"
    return [p.strip() for p in (article.text or "").split("\n") if p.strip()], None
