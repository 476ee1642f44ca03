"""The plain-text net: what every stored text column goes through, whatever produced it.

Extractors, meta tags and JSON-LD can all hand over markup (`<img src=x onerror=...>` in an author
meta tag, `<script>` in a description, a tag split to slip past a filter: `<scr<script>ipt>`).
Stored columns are plain text, so tags are removed here, once, where the article's columns are
built (`pipeline.articles.article_row`); script-like elements go with their content. Characters
a Parquet string or a reader cannot take (lone surrogates, NUL and other control characters) are
replaced or dropped. Text without `<` and without control characters is returned as it is.
"""
from __future__ import annotations

import dataclasses
import re

# Elements whose content is code or hidden, never prose: removed with what they hold, up to the
# first closing tag of the same name. Found as an opening tag, then its closing tag searched for on
# its own: one regex with a lazy `.*?` between them rescans the rest of the text for every opening
# tag that is never closed (36,000 `&lt;script&gt;` in a page took minutes).
CODE_ELEMENTS = ("script", "style", "template", "noscript", "iframe", "object", "svg", "math", "xmp")
_CODE_OPEN = re.compile(r"<\s*(" + "|".join(CODE_ELEMENTS) + r")\b[^<>]*>", re.IGNORECASE)
_CODE_CLOSE = {name: re.compile(rf"<\s*/\s*{name}\s*>", re.IGNORECASE) for name in CODE_ELEMENTS}
# Tags, comments, CDATA sections, declarations and processing instructions (opening `<` followed
# by a letter, `/`, `!` or `?`); an unclosed one at the end of the text counts too.
_TAG = re.compile(r"<(?:!--.*?(?:-->|$)|!\[CDATA\[.*?(?:\]\]>|$)|[!?/]?[A-Za-z][^<>]*(?:>|(?=<)|$)|[!?][^<>]*(?:>|$))",
                  re.DOTALL)
# What is left of a markup-like sequence after the passes: its "<" alone is dropped.
# (A "<" before a space or a digit is prose, "x < y", as browsers read it too.)
MARKUP = re.compile(r"<[/!?]?[A-Za-z]|<[!?]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Each pass removes one layer of tags hidden inside tags; real pages need one or two.
MAX_PASSES = 4


def plain_text(text: str) -> str:
    """`text` without markup, lone surrogates or control characters (line breaks and tabs kept)."""
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    if "<" not in text:
        return text
    for _ in range(MAX_PASSES):
        stripped = _TAG.sub("", _without_code_elements(text))
        if stripped == text:
            break
        text = stripped
    if MARKUP.search(text):
        text = MARKUP.sub(lambda m: m.group()[1:], text)
    return text


def _without_code_elements(text: str) -> str:
    """`text` without its code elements (opening tag, content, closing tag), in one pass: each
    name's next closing tag is remembered, so no stretch of text is searched twice for it."""
    pieces, at = [], 0
    next_close: dict[str, tuple[int, re.Match | None]] = {}   # name -> (searched from, first closing tag there)
    for opening in _CODE_OPEN.finditer(text):
        if opening.start() < at:      # inside an element already removed
            continue
        name = opening.group(1).lower()
        searched_from, closing = next_close.get(name, (-1, None))
        if searched_from < 0 or (closing is not None and closing.start() < opening.end()):
            closing = _CODE_CLOSE[name].search(text, opening.end())
            next_close[name] = (opening.end(), closing)
        if closing is None:           # never closed: the tag alone goes, with the other tags
            continue
        pieces.append(text[at:opening.start()])
        at = closing.end()
    if not pieces:
        return text
    pieces.append(text[at:])
    return "".join(pieces)


def plain_texts(values: list[str] | None) -> list[str]:
    """Each value through the net; values left empty are dropped."""
    return [cleaned for cleaned in (plain_text(v).strip() for v in values or []) if cleaned]


def plain_or_none(value: str | None) -> str | None:
    if value is None:
        return None
    return plain_text(value).strip() or None


def plain_value(value):
    """A metadata value through the net: texts and lists of texts; dates and numbers as they are."""
    if isinstance(value, str):
        return plain_or_none(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return plain_texts(value)
    return value


def plain_extracted(extracted):
    """An extractor's result with every text through the net: what stored columns are built from
    (`article_row`) and what `broadsheet extract` prints, decided here for both."""
    return dataclasses.replace(
        extracted, title=plain_or_none(extracted.title), text=plain_text(extracted.text),
        authors=plain_texts(extracted.authors), author_orgs=plain_texts(extracted.author_orgs),
        meta={key: plain_value(value) for key, value in (extracted.meta or {}).items()})
