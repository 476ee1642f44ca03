"""Articles that arrive as plain text (already scraped): headline line, then the body."""
from __future__ import annotations

import re

from pipeline.extract.errors import ExtractionError
from pipeline.extract.language import detect_language
from pipeline.records import Extracted

_BLANK_LINES = re.compile(r"\n\s*\n")


def extract_text(text: str) -> Extracted:
    """First non-empty line is the title; the rest, split on blank lines, the paragraphs."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n")
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None:
        raise ExtractionError("empty_text")
    title = lines[start].strip()
    rest = "\n".join(lines[start + 1 :])
    # Single line breaks inside a block are kept: they may separate scraper debris (a share
    # counter, a repeated headline) that the cleaning stage removes line by line.
    paragraphs = ["\n".join(l.strip() for l in block.split("\n") if l.strip()) for block in _BLANK_LINES.split(rest)]
    body = "\n\n".join(p for p in paragraphs if p)
    if not body:
        raise ExtractionError("no_article_body")
    return Extracted(title=title, text=body, language=detect_language(body), extractor="text")
