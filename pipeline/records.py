"""The plain records that flow between stages.

Every stage is a function over these; none of them knows whether it runs from the CLI,
an Airflow task or a distributed worker.
"""
from __future__ import annotations

from dataclasses import dataclass, field, asdict
from datetime import datetime
from typing import Any


@dataclass
class RawDocument:
    """One input before extraction: bytes as read from a file, a WARC record or an HTTP response."""

    source: str                 # the configured source name
    location: str               # file path or URL it was read from
    content: bytes
    kind: str                   # "html" or "text"
    url: str | None = None
    hints: dict[str, Any] = field(default_factory=dict)  # feed/sitemap metadata: title, published, authors


@dataclass
class Extracted:
    """What an extractor recovered from one document (before text cleaning)."""

    title: str | None
    text: str
    authors: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    language: str | None = None
    url: str | None = None
    extractor: str = ""
    date_source: str | None = None  # the evidence that gave published_at: jsonld, meta, time, url, htmldate, feed
    host: str | None = None         # host name of the page's final URL (or, without one, of its canonical URL)
    author_orgs: list[str] = field(default_factory=list)  # organisations credited beside or instead of people
    meta: dict[str, Any] = field(default_factory=dict)  # extra metadata: site_name, description, section...


@dataclass
class Removal:
    """One piece of text removed by the cleaner, and the rule that removed it."""

    rule: str
    text: str
    start_char: int             # offset in the text before cleaning
    end_char: int


@dataclass
class Cleaned:
    text: str
    removed: list[Removal] = field(default_factory=list)


@dataclass
class Entity:
    mention: str
    label: str
    start_char: int
    end_char: int
    canonical: str
    entity_key: str = ""


@dataclass
class Quote:
    quote: str
    kind: str                   # "direct" or "partial"
    start_char: int
    end_char: int
    speaker: str | None
    speaker_mention: str | None
    speaker_start: int | None
    speaker_end: int | None
    cue: str | None


@dataclass
class Reject:
    source: str
    location: str
    stage: str                  # read, extract, clean, validate, dedup, fetch, ...
    reason: str


def as_dict(record) -> dict[str, Any]:
    return asdict(record)
