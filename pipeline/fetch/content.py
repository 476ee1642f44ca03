"""Cheap looks at a fetched page: is it HTML, which charset is it really in, what canonical URL does it claim."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from pipeline.extract.decode import detect_charset

HTML_MEDIA_TYPES = {"text/html", "application/xhtml+xml"}
LINK_TAG = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
ATTRIBUTE = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
HEAD_BYTES = 64 * 1024  # canonical links live in <head>


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def is_html_media_type(content_type: str) -> bool:
    return media_type(content_type) in HTML_MEDIA_TYPES


def looks_like_html(body: bytes) -> bool:
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head or b"<head" in head


def detect_encoding(content_type: str, body: bytes) -> str:
    """The encoding the bytes are actually in, for pages whose declaration is wrong: the
    extractor's detector, told what the HTTP header claimed (one detector for the whole pipeline)."""
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", content_type or "", re.IGNORECASE)
    return detect_charset(body, declared=match.group(1) if match else None)


def find_rel_canonical(body: bytes, base_url: str) -> str | None:
    """The absolute URL of the page's <link rel=canonical>, if any (a regex look at <head>)."""
    head = body[:HEAD_BYTES].decode("latin-1")
    for tag in LINK_TAG.findall(head):
        attributes = {m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None)
                      for m in ATTRIBUTE.finditer(tag)}
        if "canonical" in attributes.get("rel", "").lower().split() and attributes.get("href", "").strip():
            href = urljoin(base_url, attributes["href"].strip())
            return href if urlsplit(href).scheme in ("http", "https") else None
    return None
