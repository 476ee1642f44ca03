"""The persistent URL state table: what was seen, fetched, failed and when to try again.

A Delta table at WAREHOUSE/_state/url_state, one row per canonical URL (pages, feeds and
sitemaps), on local disk or object storage like the rest of the warehouse. A run loads it, changes
rows, and merges its changed rows back in one transaction (a Delta MERGE on the URL), so sources
collected at the same time, even on different machines, never overwrite each other's rows.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field, fields
from datetime import date, timedelta
from typing import Any

import pyarrow as pa

from pipeline.store.storage import Storage, delta_storage_options

log = logging.getLogger("broadsheet.fetch")

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
        # `owed_pages` counts the due retries in SQL by the same rule: keep the two alike.
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


def state_uri(warehouse) -> str:
    storage = Storage.of(warehouse)
    return storage.uri(storage.path("_state", "url_state"))


def _table(warehouse):
    from deltalake import DeltaTable
    uri, options = state_uri(warehouse), delta_storage_options()
    return DeltaTable(uri, storage_options=options) if DeltaTable.is_deltatable(uri, storage_options=options) else None


def load_state(warehouse) -> dict[str, UrlState]:
    table = _table(warehouse)
    if table is None:
        return {}
    return {row["canonical_url"]: UrlState.from_row(row) for row in table.to_pyarrow_table().to_pylist()}


MERGE_ATTEMPTS = 5


def _merge(warehouse, rows: list[UrlState]) -> None:
    """Upsert rows by URL in one commit; a commit that lost a race with another writer is retried."""
    from deltalake import write_deltalake
    from deltalake.exceptions import CommitFailedError

    source = pa.Table.from_pylist([r.to_row() for r in sorted(rows, key=lambda r: r.canonical_url)], schema=SCHEMA)
    for attempt in range(1, MERGE_ATTEMPTS + 1):
        table = _table(warehouse)
        try:
            if table is None:
                write_deltalake(state_uri(warehouse), source, mode="append", storage_options=delta_storage_options())
            else:
                (table.merge(source, predicate="t.canonical_url = s.canonical_url", source_alias="s", target_alias="t")
                 .when_matched_update_all().when_not_matched_insert_all().execute())
            return
        except CommitFailedError:
            if attempt == MERGE_ATTEMPTS:
                raise
            log.info("URL state: another writer committed first; merging again (%d)", attempt)
            time.sleep(0.2 * attempt)


def awaiting_publish(row: UrlState, ingest_date: date) -> bool:
    """A fetched page that the night of `ingest_date` must (re)process: fetched that night, published
    by an earlier run of that night, or fetched on an earlier night whose run never published."""
    return row.kind == "page" and row.status == OK and row.ingest_date is not None and (
        row.ingest_date == ingest_date or row.published_on == ingest_date
        or (row.published_on is None and row.ingest_date < ingest_date))


def mark_published(warehouse, ingest_date: date) -> int:
    """After the night of `ingest_date` published: its pages are not owed to a later night any more.

    One Delta UPDATE whose predicate is `awaiting_publish` for rows not yet published, written in
    SQL: the rows are never loaded into Python (that grew with every URL ever seen), and the files
    holding none of them (by their min/max and null-count statistics) are neither read nor rewritten."""
    from deltalake.exceptions import CommitFailedError
    day = ingest_date.isoformat()
    predicate = (f"kind = 'page' AND status = '{OK}' AND published_on IS NULL "
                 f"AND ingest_date IS NOT NULL AND ingest_date <= '{day}'")
    for attempt in range(1, MERGE_ATTEMPTS + 1):
        table = _table(warehouse)
        if table is None:
            return 0
        try:
            done = table.update(updates={"published_on": f"CAST('{day}' AS DATE)"}, predicate=predicate)
            return int(done.get("num_updated_rows", 0))
        except CommitFailedError:
            if attempt == MERGE_ATTEMPTS:
                raise
            log.info("URL state: another writer committed first; marking again (%d)", attempt)
            time.sleep(0.2 * attempt)
    return 0


@dataclass
class OwedPages:
    """What the URL state owes later nights, counted for `broadsheet status`."""
    unpublished: int = 0                 # fetched, not yet in a published night
    pending: int = 0                     # discovered, not yet fetched
    retries: list[tuple[str, int]] = field(default_factory=list)   # (reason, pages) due now, most first


def owed_pages(warehouse, today: date) -> OwedPages:
    """Counted by DuckDB over a stream of the table's few needed columns: not loaded row by row
    into Python, which grew with every URL ever seen. A retry is due as `UrlState.due` says.
    (Streamed, not registered as a dataset: DuckDB would push its string filters into pyarrow,
    which has no kernel comparing the table's string_view columns with a string.)"""
    from pipeline.store.catalog import memory_connection
    table = _table(warehouse)
    if table is None:
        return OwedPages()
    columns = ["kind", "status", "published_on", "reason", "next_retry_at"]
    with memory_connection() as con:
        con.register("url_state", table.to_pyarrow_dataset().scanner(columns=columns).to_reader())
        counted = con.execute(
            f"SELECT CASE WHEN status = '{OK}' AND published_on IS NULL THEN 'unpublished' "
            f"WHEN status = '{PENDING}' THEN 'pending' "
            f"WHEN status = '{FAILED}' AND (next_retry_at IS NULL OR next_retry_at <= ?) THEN 'retry' END AS owed, "
            f"CASE WHEN status = '{FAILED}' THEN coalesce(reason, 'failed') END AS why, count(*) AS pages "
            "FROM url_state WHERE kind = 'page' GROUP BY owed, why HAVING owed IS NOT NULL", [today]).fetchall()
    found = OwedPages()
    for owed, why, pages in counted:
        if owed == "retry":
            found.retries.append((why, int(pages)))
        else:
            setattr(found, owed, int(pages))
    found.retries.sort(key=lambda retry: (-retry[1], retry[0]))
    return found


def save_changes(warehouse, changed: dict[str, UrlState]) -> None:
    """Merge this run's changed rows into the stored table."""
    if changed:
        _merge(warehouse, list(changed.values()))
