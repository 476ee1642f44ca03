"""`broadsheet status`: the warehouse at a glance, from what it records about itself.

The last nights (from `runs`, with their rejects by reason from `rejects`), each table's size and
Delta version, and what the next night owes: nights left part-way (their staging stays to be
resumed), a publish to roll forward, and pages fetched or discovered that no night has published yet.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

import pyarrow as pa

from pipeline.store.catalog import connect
from pipeline.store.delta import open_table, schema_version_of
from pipeline.store.schemas import TABLES
from pipeline.store.storage import Storage


@dataclass
class Night:
    ingest_date: date
    run_id: str
    status: str
    started_at: datetime
    finished_at: datetime
    counts: dict[str, int]
    message: str | None
    rejects_by_reason: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()


@dataclass
class TableSize:
    table: str
    version: int | None
    files: int
    rows: int
    bytes: int
    schema_version: int | None


@dataclass
class Status:
    nights: list[Night]
    tables: list[TableSize]
    owed: list[str]


COUNT_COLUMNS = ("inputs", "articles", "entities", "quotes", "rejects", "duplicates")


def last_nights(con, limit: int) -> list[Night]:
    """The last `limit` attempts, newest first, each with its date's rejects by stage and reason."""
    rows = con.execute(
        f"SELECT ingest_date, run_id, status, started_at, finished_at, {', '.join(COUNT_COLUMNS)}, message "
        "FROM runs ORDER BY started_at DESC LIMIT ?", [limit]).fetchall()
    nights = [Night(r[0], r[1], r[2], r[3], r[4], dict(zip(COUNT_COLUMNS, r[5:11])), r[11]) for r in rows]
    dates = sorted({n.ingest_date for n in nights})
    if dates:
        by_date: dict[date, list] = {}
        for day, stage, reason, n in con.execute(
                "SELECT ingest_date, stage, reason_class, count(*) n FROM ("
                "  SELECT ingest_date, stage, regexp_extract(reason, '^[^:(]*') reason_class, run_id FROM rejects"
                "  WHERE ingest_date >= ?) GROUP BY ALL ORDER BY n DESC, stage, reason_class",
                [dates[0]]).fetchall():
            by_date.setdefault(day, []).append((stage, reason.strip(), n))
        for night in nights:
            # rejects are replaced with each publish of a date: they belong to its successful run
            if night.status == "success":
                night.rejects_by_reason = by_date.get(night.ingest_date, [])
    return nights


def table_sizes(storage: Storage) -> list[TableSize]:
    sizes = []
    for table in TABLES:
        found = open_table(storage, table)
        if found is None:
            sizes.append(TableSize(table, None, 0, 0, 0, None))
            continue
        actions = pa.table(found.get_add_actions(flatten=True))
        files = actions.num_rows
        rows = sum(v or 0 for v in actions.column("num_records").to_pylist()) if files else 0
        size = sum(actions.column("size_bytes").to_pylist()) if files else 0
        schema_version = schema_version_of(found)
        sizes.append(TableSize(table, found.version(), files, rows, size, schema_version))
    return sizes


def owed(storage: Storage, today: date) -> list[str]:
    """What the next night has to do besides its own new work."""
    from pipeline.store.url_state import owed_pages
    lines = []
    for run_id in storage.list(storage.path("_staging")):
        lines.append(f"resume night {run_id} (left part-way; run its date again)")
    for name in storage.list(storage.path("_journal"), ".json"):
        entry = json.loads(storage.read_text(storage.path("_journal", name)))
        lines.append(f"roll forward the publish of run {entry['run_id']} ({entry['ingest_date']})")
    pages = owed_pages(storage, today)
    if pages.unpublished:
        lines.append(f"{pages.unpublished} page(s) fetched but not yet published (re-extracted from the raw store)")
    if pages.pending:
        lines.append(f"{pages.pending} page(s) discovered, not yet fetched (over a night's budget)")
    if pages.retries:
        shown = ", ".join(f"{reason} {n}" for reason, n in pages.retries)
        lines.append(f"{sum(n for _reason, n in pages.retries)} page(s) due for another try: {shown}")
    return lines


def status(location, nights: int = 7, today: date | None = None) -> Status:
    storage = Storage.of(location)
    with connect(storage, must_exist=True, tables={"runs", "rejects"}) as con:
        found = last_nights(con, nights)
    return Status(found, table_sizes(storage), owed(storage, today or date.today()))


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


def render(found: Status) -> str:
    from pipeline.progress import duration
    lines = ["last nights (newest first):"]
    if not found.nights:
        lines.append("  no nights recorded yet")
    for night in found.nights:
        counts = "  ".join(f"{k} {v}" for k, v in night.counts.items())
        lines.append(f"  {night.ingest_date}  {night.status:<11}  {counts}  took {duration(night.seconds)}"
                     f"  run {night.run_id}")
        if night.message and night.status != "success":
            lines.append(f"      {night.message.splitlines()[0][:200]}")
        for stage, reason, n in night.rejects_by_reason:
            lines.append(f"      rejects  {stage}: {reason}  {n}")
    lines.append("tables:")
    for size in found.tables:
        if size.version is None:
            lines.append(f"  {size.table:<20} (not written yet)")
            continue
        lines.append(f"  {size.table:<20} version {size.version:<5} rows {size.rows:<10} files {size.files:<6} "
                     f"{human_bytes(size.bytes):>10}  schema v{size.schema_version or '?'}")
    lines.append(f"  total {human_bytes(sum(s.bytes for s in found.tables))}")
    lines.append("owed to the next night:")
    lines.extend(f"  {line}" for line in found.owed or ["nothing"])
    return "\n".join(lines) + "\n"
