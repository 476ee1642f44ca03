"""Fetch settings: the `fetch:` mapping of config/sources.yaml as one typed object with defaults."""
from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FetchSettings:
    user_agent: str = "BroadsheetBot/0.1 (news research crawler; contact: broadsheet-crawler@example.org)"
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    # The deadline of one request: connecting, the response headers and the body together. A server
    # dripping one byte per read never trips the read timeout; this stops it (pipeline/fetch/deadline.py).
    total_timeout: float = 60.0
    global_concurrency: int = 8
    per_host_concurrency: int = 2
    per_host_delay: float = 1.0          # seconds between requests to one host; robots crawl-delay may raise it
    max_crawl_delay: float = 30.0        # a robots.txt asking for more is capped, not obeyed blindly
    max_bytes: int = 5 * 1024 * 1024     # article body, as transferred and after decompression
    max_discovery_bytes: int = 50 * 1024 * 1024  # feeds and sitemaps (the sitemap protocol's own limit)
    max_warc_bytes: int = 5 * 1024 ** 3  # a WARC downloaded by URL, spooled to disk
    max_redirects: int = 5
    retries: int = 2                     # extra tries within one run for 429/5xx/timeouts
    backoff_base: float = 0.5
    max_retry_wait: float = 30.0         # cap on backoff and on a server's Retry-After
    max_attempts: int = 5                # nights a failing URL is tried before it is declared dead
    retry_after_days: int = 1            # first retry a night later, then doubling, capped at a week
    respect_robots: bool = True
    allow_private: tuple[str, ...] = ()  # hosts, IPs or CIDR blocks exempt from the SSRF guard
    max_sitemap_depth: int = 3
    # Discovery is bounded: pages fetched per source per night, and new entries taken from one
    # sitemap; what is over either is owed to later nights (pending rows, or the sitemap read again).
    max_urls_per_night: int = 10_000
    max_urls_per_sitemap: int = 50_000   # the sitemap protocol's own maximum
    # A night saves its URL state and rolls its raw WARC every so many pages or seconds, so a night
    # killed part-way keeps what it fetched up to the last checkpoint.
    checkpoint_pages: int = 100
    checkpoint_seconds: float = 60.0
    progress_every: int = 100            # log progress every N URLs ...
    progress_seconds: float = 30.0       # ... or every so many seconds, whichever comes first
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def problems(cls, raw: dict[str, Any]) -> list[str]:
        """What is wrong with the values of known settings (the config check names file and key)."""
        found = []
        for f in dataclasses.fields(cls):
            if f.name not in raw or f.name == "extra":
                continue
            value, default = raw[f.name], f.default
            if isinstance(default, bool):
                ok = isinstance(value, bool)
            elif isinstance(default, int):
                ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
            elif isinstance(default, float):
                ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
            elif isinstance(default, str):
                ok = isinstance(value, str)
            else:  # allow_private: a list, or nothing (an empty yaml key)
                ok = value is None or isinstance(value, (list, tuple))
            if not ok:
                found.append(f"{f.name} must be {type(default).__name__ if not isinstance(default, tuple) else 'a list'}"
                             f"{' >= 0' if type(default) in (int, float) else ''}, not {value!r}")
        for name in ("max_urls_per_night", "max_urls_per_sitemap", "checkpoint_pages"):
            if isinstance(raw.get(name), int) and raw[name] == 0:
                found.append(f"{name} must be at least 1")
        return found

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> "FetchSettings":
        """Build from the yaml mapping; unknown keys are kept in `extra` rather than failing a nightly run."""
        raw = dict(raw or {})
        known = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        values = {k: v for k, v in raw.items() if k in known}
        if "allow_private" in values:
            values["allow_private"] = tuple(str(v) for v in values["allow_private"] or ())
        # A single `timeout` is a convenient shorthand for both connect and read.
        if "timeout" in raw:
            values.setdefault("connect_timeout", float(raw["timeout"]))
            values.setdefault("read_timeout", float(raw["timeout"]))
        extra = {k: v for k, v in raw.items() if k not in known and k != "timeout"}
        if extra:
            logging.getLogger("broadsheet.fetch").warning("fetch settings not understood, ignored: %s", sorted(extra))
        return cls(**values, extra=extra)
