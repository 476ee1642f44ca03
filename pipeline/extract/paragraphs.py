"""Block-aware text of an lxml element: one string per paragraph, whitespace collapsed."""
from __future__ import annotations

import re

_BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd blockquote pre table tr td th caption section "
    "article header footer aside nav main figure figcaption form hr br address details summary".split()
)
_SPACES = re.compile(r"\s+")
# A short linked line (a web address, an e-mail contact) is often part of the article;
# link share only condemns longer runs of links.
_MIN_WORDS_FOR_LINK_SHARE = 4


def block_paragraphs(root, max_link_share: float = 1.0) -> list[str]:
    """Paragraphs of `root`, leaving out those of a few words or more whose text is more than
    `max_link_share` link text (menus, lists of related stories)."""
    paragraphs: list[str] = []
    pieces: list[tuple[str, bool]] = []  # text, and whether it sits inside a link

    def close_paragraph() -> None:
        text = _SPACES.sub(" ", "".join(piece for piece, _ in pieces)).strip()
        if text:
            total = sum(len(piece.strip()) for piece, _ in pieces)
            linked = sum(len(piece.strip()) for piece, in_link in pieces if in_link)
            if linked <= max_link_share * total or len(text.split()) < _MIN_WORDS_FOR_LINK_SHARE:
                paragraphs.append(text)
        pieces.clear()

    def walk(element, in_link: bool) -> None:
        is_tag = isinstance(element.tag, str)  # comments and processing instructions are not
        is_block = is_tag and element.tag in _BLOCK_TAGS
        in_link = in_link or (is_tag and element.tag == "a")
        if is_block:
            close_paragraph()
        if is_tag and element.text:
            pieces.append((element.text, in_link))
        for child in element:
            walk(child, in_link)
            if child.tail:
                pieces.append((child.tail, in_link))
        if is_block:
            close_paragraph()

    walk(root, False)
    close_paragraph()
    return paragraphs


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of a plain text where every line is a paragraph (trafilatura's txt output)."""
    return [line for line in (_SPACES.sub(" ", raw).strip() for raw in text.splitlines()) if line]
