"""What one collect() call shares between discovery, fetching and replay: settings, state, counters, logging."""
from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pipeline.fetch.client import Fetcher
from pipeline.fetch.settings import FetchSettings
from pipeline.store.url_state import UrlState
from pipeline.urls import host_matches, redact_credentials
from pipeline.records import Reject

log = logging.getLogger("broadsheet.fetch")


@dataclass
class Link:
    """A URL as found by discovery, before canonicalisation and state checks."""

    url: str
    hints: dict[str, Any] = field(default_factory=dict)
    out_of_window: bool = False


@dataclass
class Candidate:
    key: str                      # canonical URL: the state key
    hints: dict[str, Any] = field(default_factory=dict)


@dataclass
class SourceRun:
    source: dict[str, Any]
    settings: FetchSettings
    warehouse: Any                      # the warehouse location (a folder or s3://...), or its Storage
    ingest_date: date
    run_id: str
    fetcher: Fetcher
    state: dict[str, UrlState]
    changed: dict[str, UrlState] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    download_to: tuple[Any, str] | None = None   # (Storage, folder): where WARCs named by URL are kept for the shards
    _last_progress: float = field(default_factory=time.monotonic)

    @property
    def name(self) -> str:
        return self.source["name"]

    @property
    def since(self) -> date | None:
        """Oldest publication/lastmod date wanted, from `since_days` or an explicit `since` date."""
        if self.source.get("since"):
            return date.fromisoformat(str(self.source["since"]))
        days = self.source.get("since_days")
        return self.ingest_date - timedelta(days=int(days)) if days is not None else None

    def host_allowed(self, url: str) -> bool:
        hosts = self.source.get("hosts")
        if not hosts:
            return True
        return host_matches(url, [hosts] if isinstance(hosts, str) else list(hosts))

    def touch(self, row: UrlState) -> UrlState:
        """Mark a state row as changed by this run, so it is saved at the end."""
        self.state[row.canonical_url] = row
        self.changed[row.canonical_url] = row
        return row

    def reject(self, location: str, stage: str, reason: str) -> Reject:
        self.counts["rejected"] += 1
        self.counts[f"reject:{reason}"] += 1
        self.progress()
        # Every reject of a source passes here: a password in a location stops here too.
        return Reject(self.name, redact_credentials(location), stage, reason)

    def progress(self, force: bool = False) -> None:
        handled = self.counts["documents"] + self.counts["rejected"]
        due = handled and handled % self.settings.progress_every == 0
        if force or due or time.monotonic() - self._last_progress >= self.settings.progress_seconds:
            self._last_progress = time.monotonic()
            log.info("source %s: discovered %d, to fetch %d, fetched %d, replayed %d, rejected %d",
                     self.name, self.counts["discovered"], self.counts["to_fetch"], self.counts["fetched"],
                     self.counts["replayed"], self.counts["rejected"])

    def summary(self) -> None:
        details = ", ".join(f"{k}={v}" for k, v in sorted(self.counts.items()))
        log.info("source %s done (%s): %s", self.name, self.ingest_date.isoformat(), details or "nothing to do")
