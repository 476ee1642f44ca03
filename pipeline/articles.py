"""Turning one input document into an Article: read, extract, clean, identify.

Plain functions over records; the extract stage (`pipeline.stages.extract`) applies them to a shard.
"""
from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Any

from pipeline.records import Article, Extracted, RawDocument, Reject

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


class InputError(ValueError):
    """A document that cannot become an article; `reason` is a short code for `rejects`."""

    def __init__(self, reason: str, stage: str = "extract"):
        super().__init__(reason)
        self.reason = reason
        self.stage = stage


def sniff(content: bytes) -> None:
    """Reject inputs that are not text at all, before any parser sees them."""
    from pipeline.extract.decode import unicode_encoding

    if not content.strip():
        raise InputError("empty_file", stage="read")
    head = content[:4096]
    if b"\x00" in head and not unicode_encoding(content):
        raise InputError("binary_content: NUL bytes in the first 4 KiB", stage="read")


def decode_text_file(content: bytes) -> str:
    """Scraped `.txt` inputs are UTF-8, or UTF-16/32 that a byte-order mark or UTF-16's NUL bytes
    give away; anything else is reported rather than guessed into mojibake."""
    from pipeline.extract.decode import unicode_encoding

    encoding = unicode_encoding(content) or "utf-8-sig"
    try:
        return content.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(f"undecodable: not {encoding.upper().replace('-SIG', '')} (byte 0x{content[exc.start]:02x} at offset {exc.start})",
                         stage="read") from None


def extract_document(doc: RawDocument) -> Extracted:
    """HTML through the extractor chain, text files through the headline/body split."""
    from pipeline.extract import ExtractionError, extract_html, extract_text

    sniff(doc.content)
    try:
        if doc.kind == "html":
            return extract_html(doc.content, url=doc.url, hints=doc.hints)
        return extract_text(decode_text_file(doc.content))
    except ExtractionError as exc:
        raise InputError(str(exc) or "extraction_failed") from None


def normalise_for_hash(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def content_hash(text: str) -> str:
    return hashlib.sha256(normalise_for_hash(text).encode("utf-8")).hexdigest()


def article_id(url: str | None, text_hash: str) -> str:
    """One stored text, one id, stable across runs: from the article's URL and its content, so a
    rerun gives the same id and a changed article at the same URL is a new version with its own."""
    basis = f"url:{url}\ncontent:{text_hash}" if url else f"content:{text_hash}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def article_row(doc: RawDocument, extracted: Extracted, run_id: str, ingest_date: date) -> Article:
    """The article for a document, body cleaned of boilerplate."""
    from pipeline.clean import clean_body, is_truncated
    from pipeline.clean.plain import plain_extracted

    # every stored text column through the plain-text net, here and nowhere else
    extracted = plain_extracted(extracted)
    title = extracted.title
    body = extracted.text
    cleaned = clean_body(body, title=title)
    url = extracted.url or doc.url
    digest = content_hash(cleaned.text)
    meta = extracted.meta or {}
    identifier = article_id(url, digest)
    return Article(
        article_id=identifier,
        url=url,
        source=doc.source,
        location=doc.location,
        title=title,
        authors=extracted.authors,
        author_orgs=extracted.author_orgs,
        published_at=extracted.published_at,
        date_source=extracted.date_source,
        modified_at=meta.get("modified_at"),
        language=extracted.language,
        text=cleaned.text,
        word_count=word_count(cleaned.text),
        content_hash=digest,
        cluster_id=identifier,
        extractor=extracted.extractor or "unknown",
        site_name=meta.get("site_name"),
        host=extracted.host,
        description=meta.get("description"),
        section=meta.get("section"),
        tags=meta.get("tags") or [],
        is_truncated=bool(cleaned.text) and is_truncated(body),
        removed=[{"rule": r.rule, "text": r.text, "start_char": r.start_char, "end_char": r.end_char}
                 for r in cleaned.removed],
        nlp_skipped=None,
        run_id=run_id,
        ingest_date=ingest_date,
    )


def reject_row(reject: Reject, run_id: str, ingest_date: date, article_id: str | None = None) -> dict[str, Any]:
    return {"run_id": run_id, "ingest_date": ingest_date, "source": reject.source,
            "location": reject.location, "stage": reject.stage, "reason": reject.reason,
            "article_id": article_id}
