"""Cheap looks at a fetched page: is it HTML, which charset is it really in, what canonical URL does it claim."""
from __future__ import annotations

import codecs
import re
from urllib.parse import urljoin, urlsplit

HTML_MEDIA_TYPES = {"text/html", "application/xhtml+xml"}
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
LINK_TAG = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
ATTRIBUTE = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
HEAD_BYTES = 64 * 1024  # canonical links and charset declarations live in <head>


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def is_html_media_type(content_type: str) -> bool:
    return media_type(content_type) in HTML_MEDIA_TYPES


def looks_like_html(body: bytes) -> bool:
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head or b"<head" in head


def normalised_codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def declared_charset(content_type: str, body: bytes) -> str | None:
    """The charset the page claims: HTTP header first, then a <meta> in the first bytes."""
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", content_type or "", re.IGNORECASE)
    if match and normalised_codec(match.group(1)):
        return normalised_codec(match.group(1))
    meta = META_CHARSET.search(body[:HEAD_BYTES])
    return normalised_codec(meta.group(1).decode("ascii", "ignore")) if meta else None


def detect_encoding(content_type: str, body: bytes) -> str:
    """The encoding the bytes are actually in, for pages whose declaration is wrong.

    Bytes that decode as UTF-8 and contain non-ASCII are UTF-8 whatever the page says: mis-labelled
    UTF-8 is common, while legacy text that happens to be valid UTF-8 is vanishingly rare.
    """
    for bom, name in BOMS:
        if body.startswith(bom):
            return name
    declared = declared_charset(content_type, body)
    try:
        body.decode("utf-8")
        if not body.isascii():
            return "utf-8"
    except UnicodeDecodeError:
        if declared and declared != "utf-8":
            return declared
        return "cp1252"  # the usual truth behind undeclared or falsely-UTF-8 Western pages
    return declared or "utf-8"


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
