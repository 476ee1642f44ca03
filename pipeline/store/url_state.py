"""The persistent URL state table: what was seen, fetched, failed and when to try again.

Stored as WAREHOUSE/_state/url_state.parquet, one row per canonical URL (pages, feeds and sitemaps).
Each run loads it, changes rows, and merges its changes back under a file lock so that sources
collected in parallel do not overwrite each other; the file is replaced atomically.
"""
from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

PENDING, OK, FAILED, DEAD, REJECTED = "pending", "ok", "failed", "dead", "rejected"

SCHEMA = pa.schema([
    ("canonical_url", pa.string()), ("source", pa.string()), ("kind", pa.string()),
    ("first_seen", pa.date32()), ("last_attempt", pa.date32()), ("status", pa.string()),
    ("reason", pa.string()), ("stage", pa.string()), ("http_status", pa.int32()),
    ("etag", pa.string()), ("last_modified", pa.string()), ("attempts", pa.int32()),
    ("next_retry_at", pa.date32()), ("ingest_date", pa.date32()), ("published_on", pa.date32()), ("page_canonical", pa.string()),
    ("hints", pa.string()),
])


@dataclass
class UrlState:
    canonical_url: str
    source: str
    kind: str                           # page, feed, sitemap, or alias (another spelling of a page URL)
    first_seen: date
    status: str = PENDING
    last_attempt: date | None = None
    reason: str | None = None           # the Reject reason of the last failure
    stage: str | None = None
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    attempts: int = 0
    next_retry_at: date | None = None
    ingest_date: date | None = None     # the date it was fetched OK
    published_on: date | None = None    # the ingest date whose successful publish included it
    page_canonical: str | None = None   # what the page's <link rel=canonical> said
    hints: dict[str, Any] = field(default_factory=dict)

    def due(self, today: date) -> bool:
        if self.status == PENDING:
            return True
        return self.status == FAILED and (self.next_retry_at is None or self.next_retry_at <= today)

    def to_row(self) -> dict[str, Any]:
        row = asdict(self)
        row["hints"] = json.dumps(self.hints, default=str, sort_keys=True)
        return row

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "UrlState":
        values = {f.name: row.get(f.name) for f in fields(cls)}
        values["hints"] = json.loads(row["hints"]) if row.get("hints") else {}
        values["attempts"] = values["attempts"] or 0
        return cls(**values)


def retry_date(today: date, attempts: int, first_gap_days: int) -> date:
    """Nights between tries double with each failure, capped at a week."""
    return today + timedelta(days=min(7, first_gap_days * 2 ** max(0, attempts - 1)))


def state_path(warehouse: Path) -> Path:
    return Path(warehouse) / "_state" / "url_state.parquet"


def load_state(warehouse: Path) -> dict[str, UrlState]:
    path = state_path(warehouse)
    if not path.exists():
        return {}
    return {row["canonical_url"]: UrlState.from_row(row) for row in pq.read_table(path).to_pylist()}


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def awaiting_publish(row: UrlState, ingest_date: date) -> bool:
    """A fetched page that the night of `ingest_date` must (re)process: fetched that night, published
    by an earlier run of that night, or fetched on an earlier night whose run never published."""
    return row.kind == "page" and row.status == OK and row.ingest_date is not None and (
        row.ingest_date == ingest_date or row.published_on == ingest_date
        or (row.published_on is None and row.ingest_date < ingest_date))


def mark_published(warehouse: Path, ingest_date: date) -> int:
    """After the night of `ingest_date` published: its pages are not owed to a later night any more."""
    path = state_path(warehouse)
    if not path.exists():
        return 0
    with _locked(path):
        rows = load_state(warehouse)
        marked = [r for r in rows.values() if awaiting_publish(r, ingest_date) and r.published_on is None]
        for row in marked:
            row.published_on = ingest_date
        if marked:
            _write(path, rows)
    return len(marked)


def _write(path: Path, rows: dict[str, UrlState]) -> None:
    table = pa.Table.from_pylist([rows[k].to_row() for k in sorted(rows)], schema=SCHEMA)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, temporary)
    os.replace(temporary, path)


def save_changes(warehouse: Path, changed: dict[str, UrlState]) -> None:
    """Merge this run's changed rows into the table on disk and replace it atomically."""
    if not changed:
        return
    path = state_path(warehouse)
    with _locked(path):
        rows = load_state(warehouse)
        rows.update(changed)
        _write(path, rows)
