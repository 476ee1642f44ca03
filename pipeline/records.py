"""The plain records that flow between stages.

Every stage is a function over these; none of them knows whether it runs from the CLI,
an Airflow task or a distributed worker.
"""
from __future__ import annotations

from dataclasses import dataclass, field, asdict, fields
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class WarcRef:
    """Where a page's bytes can be read again: one record of a WARC file (raw store or source archive)."""

    path: str
    offset: int


@dataclass(frozen=True)
class Shard:
    """A slice of one source's inputs: the unit of work, retry and progress of a night.

    `reads` says what its inputs file lists: "files" (paths of local files) or "warc" (records of
    WARC files: a source archive's, or the raw store's pages fetched by the plan stage).
    """

    id: str
    source: str
    reads: str
    documents: int


@dataclass
class RawDocument:
    """One input before extraction: bytes as read from a file, a WARC record or an HTTP response."""

    source: str                 # the configured source name
    location: str               # file path or URL it was read from
    content: bytes
    kind: str                   # "html" or "text"
    url: str | None = None
    hints: dict[str, Any] = field(default_factory=dict)  # feed/sitemap metadata: title, published, authors
    origin: WarcRef | None = None  # set for fetched pages and WARC records, so a shard can name them


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
    speaker_key: str | None = None      # joins entities.entity_key
    speaker_type: str | None = None     # person, organisation, role, document, unknown


@dataclass
class Reject:
    source: str
    location: str
    stage: str                  # read, extract, clean, validate, dedup, fetch, ...
    reason: str


@dataclass
class Article:
    """One article from extraction to the writer: exactly the columns of `schemas/articles.json`."""

    article_id: str
    url: str | None
    source: str
    location: str
    title: str | None
    authors: list[str]
    author_orgs: list[str]
    published_at: datetime | None
    date_source: str | None
    modified_at: datetime | None
    language: str | None
    text: str
    word_count: int
    content_hash: str
    cluster_id: str             # its own article_id until dedup finds an earlier copy
    extractor: str
    site_name: str | None
    host: str | None
    description: str | None
    section: str | None
    tags: list[str]
    is_truncated: bool
    removed: list[dict[str, Any]]   # {rule, text, start_char, end_char}: what the cleaner took out
    nlp_skipped: str | None
    run_id: str
    ingest_date: date

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Article":
        return cls(**{name: row[name] for name in ARTICLE_FIELDS})


ARTICLE_FIELDS = tuple(f.name for f in fields(Article))


def as_dict(record) -> dict[str, Any]:
    return asdict(record)
