"""RSS 0.9x/1.0/2.0 and Atom feeds: entry links with their metadata as hints."""
from __future__ import annotations

import calendar
from datetime import datetime, timezone
from typing import Any

import feedparser


class BadFeed(Exception):
    pass


def struct_to_iso(value) -> str | None:
    if not value:
        return None
    return datetime.fromtimestamp(calendar.timegm(value), tz=timezone.utc).isoformat()


def entry_link(entry) -> str | None:
    if entry.get("link"):
        return entry["link"]
    for link in entry.get("links", []):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link["href"]
    return None


def entry_authors(entry) -> list[str]:
    names = [a.get("name") for a in entry.get("authors", []) if a.get("name")]
    if not names and entry.get("author"):
        names = [entry["author"]]
    return names


def parse_feed(body: bytes) -> list[tuple[str, dict[str, Any]]]:
    """(link, hints) for every entry of the feed; raises BadFeed when nothing feed-like is found.

    Always given bytes: feedparser given a string that looks like a URL would fetch it itself,
    bypassing every guard of our client.
    """
    parsed = feedparser.parse(body)
    if not parsed.entries and (parsed.bozo or not parsed.version):
        raise BadFeed(str(parsed.get("bozo_exception", "no entries")))
    language = parsed.feed.get("language")
    entries = []
    for entry in parsed.entries:
        link = entry_link(entry)
        if not link:
            continue
        hints = {
            "title": entry.get("title"),
            "published": struct_to_iso(entry.get("published_parsed") or entry.get("updated_parsed")),
            "authors": entry_authors(entry),
            "language": language,
        }
        entries.append((link, {k: v for k, v in hints.items() if v}))
    return entries
