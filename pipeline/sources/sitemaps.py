"""XML sitemaps, sitemap indexes and Google News sitemaps, parsed incrementally and without entity expansion."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from lxml import etree

from pipeline.fetch.safety import gunzip_bounded


class BadSitemap(Exception):
    pass


@dataclass
class SitemapEntry:
    loc: str
    when: datetime | None = None           # news publication date, else lastmod
    hints: dict[str, Any] = field(default_factory=dict)


def local_name(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def parse_w3c_datetime(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def maybe_gunzip(body: bytes, limit: int) -> bytes:
    return gunzip_bounded(body, limit) if body[:2] == b"\x1f\x8b" else body


def parse_sitemap(body: bytes, limit: int) -> tuple[str, list[SitemapEntry]]:
    """("urlset" | "sitemapindex", entries). Gzipped sitemaps are recognised by their magic bytes."""
    data = maybe_gunzip(body, limit)
    root_kind = None
    entries: list[SitemapEntry] = []
    events = etree.iterparse(io.BytesIO(data), events=("start", "end"), resolve_entities=False,
                             no_network=True, huge_tree=False, load_dtd=False)
    try:
        for event, element in events:
            name = local_name(element.tag)
            if event == "start":
                if root_kind is None:
                    root_kind = name
                continue
            if name in ("url", "sitemap"):
                entry = entry_from_element(element)
                if entry:
                    entries.append(entry)
                element.clear()  # keep memory flat on 50,000-URL sitemaps
    except etree.XMLSyntaxError as exc:
        raise BadSitemap(str(exc)) from exc
    if root_kind not in ("urlset", "sitemapindex"):
        raise BadSitemap(f"root element is {root_kind!r}")
    return root_kind, entries


def entry_from_element(element) -> SitemapEntry | None:
    fields = {}
    for child in element.iter():
        name = local_name(child.tag)
        if name in ("loc", "lastmod", "publication_date", "title", "language") and child.text:
            fields.setdefault(name, child.text.strip())
    if not fields.get("loc"):
        return None
    published = parse_w3c_datetime(fields.get("publication_date"))
    lastmod = parse_w3c_datetime(fields.get("lastmod"))
    hints = {"title": fields.get("title"), "language": fields.get("language"),
             "published": published.isoformat() if published else None,
             "lastmod": lastmod.isoformat() if lastmod else None}
    return SitemapEntry(fields["loc"], published or lastmod, {k: v for k, v in hints.items() if v})


def in_window(when: datetime | date | None, since: date | None) -> bool:
    """Entries without a date are kept: dropping them would silently lose undated sitemaps."""
    if since is None or when is None:
        return True
    day = when.astimezone(timezone.utc).date() if isinstance(when, datetime) else when
    return day >= since
