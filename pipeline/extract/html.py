"""HTML page -> Extracted: decode, parse once, metadata, body, language."""
from __future__ import annotations

import re

import trafilatura.utils
from lxml.html import HTMLParser
from trafilatura.utils import load_html

from pipeline.extract.body import extract_body
from pipeline.extract.dates import parse_date
from pipeline.extract.decode import decode_html
from pipeline.extract.errors import ExtractionError
from pipeline.extract.hosts import host_name
from pipeline.extract.language import detect_language
from pipeline.extract.metadata import extract_metadata
from pipeline.records import Extracted

_TAG = re.compile(r"<\s*(?:html|head|body|p|div|article|title|meta|!doctype)\b", re.I)
_SENTENCE_END = re.compile(r"[.!?\u2026\u3002]")
# Fewer words than this and not one finished sentence: menu or form residue, not an article.
MIN_WORDS_WITHOUT_SENTENCE = 25
# Bounds on the parsed page. News pages hold a few thousand elements; the extractors' cost grows
# faster than linearly in the element count (a million `<p>a</p>` or `<br>` would run for minutes),
# so a page past MAX_ELEMENTS is refused at once. libxml2 by itself stops building the tree 256
# levels down and silently drops what lies deeper (an article cut in half); its limit is lifted
# below and ours, MAX_NESTING, refuses deeper pages with a reason instead (the extractors recurse).
MAX_ELEMENTS = 50_000
MAX_NESTING = 400
# trafilatura's own parser settings (every page here is parsed by load_html), with huge_tree
trafilatura.utils.HTML_PARSER = HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                                           remove_comments=True, remove_pis=True, huge_tree=True)
_TOO_DEEP = "boolean(/*" + "/*" * MAX_NESTING + ")"


def check_page_size(tree) -> None:
    """ExtractionError("too_large: ...") or ("too_deep: ...") for a page past the bounds above.
    Both are XPath counts, in C: linear in the page."""
    elements = int(tree.xpath("count(//*)"))
    if elements > MAX_ELEMENTS:
        raise ExtractionError(f"too_large: {elements} HTML elements (limit {MAX_ELEMENTS})")
    if tree.xpath(_TOO_DEEP):
        raise ExtractionError(f"too_deep: markup nested more than {MAX_NESTING} levels")


def extract_html(html: bytes | str, url: str | None = None, hints: dict | None = None) -> Extracted:
    """The article of one page; raises ExtractionError(reason) when it has none."""
    hints = hints or {}
    # the fetch stage has already weighed the HTTP header's charset against the bytes
    text = decode_html(html, declared=hints.get("encoding")) if isinstance(html, (bytes, bytearray)) else html
    if not _TAG.search(text[:65536]):
        raise ExtractionError("not_html")
    # every element starts with "<": far more of them than MAX_ELEMENTS allows is refused unparsed
    # (parsing millions of elements alone takes seconds and gigabytes)
    if text.count("<") > 4 * MAX_ELEMENTS:
        raise ExtractionError(f"too_large: over {4 * MAX_ELEMENTS} tags (limit {MAX_ELEMENTS} HTML elements)")
    # trafilatura's loader repairs broken markup and copes with encoding declarations in str input.
    tree = load_html(text)
    if tree is None:
        raise ExtractionError("not_html")
    check_page_size(tree)
    # A page archived in a WARC cannot have been published after its capture; a fetched page
    # not after now (the default).
    captured_at = parse_date(hints.get("warc_date") or hints.get("fetched_at"))
    meta = extract_metadata(tree, url, hints, captured_at)
    body = extract_body(tree, text, meta.url, meta.headings, meta.marked_body)
    if not body.paragraphs or (
        len(body.text.split()) < MIN_WORDS_WITHOUT_SENTENCE and not _SENTENCE_END.search(body.text)
    ):
        found = {"title": meta.title, "published_at": meta.published_at, "date_source": meta.date_source,
                 "url": meta.url, "host": meta.host}
        raise ExtractionError("no_article_body", {key: value for key, value in found.items() if value})
    language = detect_language(body.text) or hints.get("language") or None
    return Extracted(
        title=meta.title,
        text=body.text,
        authors=meta.authors,
        published_at=meta.published_at,
        language=language,
        url=meta.url,
        extractor=body.extractor,
        date_source=meta.date_source,
        host=meta.host,
        author_orgs=meta.author_orgs,
        meta={
            "canonical_url": meta.canonical_url,
            "modified_at": meta.modified_at,
            "section": meta.section,
            "tags": meta.tags,
            "top_image": meta.top_image,
            "site_name": meta.site_name,
            "description": meta.description,
            "extractor_failures": body.notes,
        },
    )
