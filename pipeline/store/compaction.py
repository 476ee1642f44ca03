"""Compaction: merge the tables' small files (sorted for pruning where the schema says how), then
vacuum what no recent version needs, proving that no row changed.

Only the nights written since a table's last compaction (and the later ones) are rewritten, so a
weekly run costs the week's data, not the whole history.

Each table's rows are counted and checksummed before and after (DuckDB's hash of every whole row,
summed: independent of file layout and row order, sensitive to any changed, lost or doubled row);
the figures go to the `compactions` table, one row per table. A table whose figures differ fails
the compaction with the table named (its previous version stays readable by time travel).
The compaction holds the warehouse lock, so it never races a night's publish.
"""
from __future__ import annotations

import logging
import time
from datetime import date, datetime, timezone
from typing import Any

from pipeline.store.delta import DEFAULT_RETENTION_DAYS, commit_table, open_table
from pipeline.store.lock import holding
from pipeline.store.parquet import write_parquet_atomic
from pipeline.store.schemas import TABLES, sort_columns, to_arrow
from pipeline.store.storage import Storage

log = logging.getLogger("broadsheet.compact")

LOCK_WAIT_SECONDS = 600
COMPACTIONS = "compactions"


class CompactionChangedRows(RuntimeError):
    """A compaction changed what a table holds; the message names the table."""


def table_checksum(found) -> tuple[int, str]:
    """(rows, checksum) of a Delta table's current version, streamed through DuckDB."""
    from pipeline.store.catalog import memory_connection
    dataset = found.to_pyarrow_dataset()
    with memory_connection() as con:
        con.register("snapshot", dataset)
        rows, total = con.execute("SELECT count(*), coalesce(sum(hash(snapshot)), 0)::HUGEINT::VARCHAR "
                                  "FROM snapshot").fetchone()
    return int(rows), str(total)


def last_compacted(storage: Storage) -> dict[str, datetime]:
    """When each table's last compaction finished (from `compactions`)."""
    found = open_table(storage, COMPACTIONS)
    if found is None:
        return {}
    done = found.to_pyarrow_dataset().to_table(columns=["table", "finished_at"])
    grouped = done.group_by("table").aggregate([("finished_at", "max")])
    return dict(zip(grouped.column("table").to_pylist(), grouped.column("finished_at_max").to_pylist()))


def oldest_changed_night(found, since: datetime | None) -> date | None:
    """The oldest partition holding a file written after `since` (the oldest of all when None):
    a weekly compaction rewrites the nights written since the last one, not the whole history."""
    import pyarrow as pa
    actions = pa.table(found.get_add_actions(flatten=True))
    if actions.num_rows == 0:
        return None
    nights = actions.column("partition.ingest_date").to_pylist()
    written_ms = actions.column("modification_time").to_pylist()     # milliseconds since the epoch
    since_ms = None if since is None else _utc(since).timestamp() * 1000
    changed = [date.fromisoformat(str(n)) for n, w in zip(nights, written_ms) if since_ms is None or w > since_ms]
    return min(changed, default=None)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def compact_table(storage: Storage, table: str, retention_days: int, vacuum: bool,
                  since: datetime | None = None) -> dict[str, Any] | None:
    """Compact (z-order) one table's partitions changed after `since`, vacuum, and prove its rows unchanged."""
    found = open_table(storage, table)
    if found is None:
        return None
    started = datetime.now(timezone.utc)
    version_before, files_before = found.version(), len(found.file_uris())
    rows_before, checksum_before = table_checksum(found)
    sort_by = sort_columns(table)
    first = oldest_changed_night(found, since)
    if first is None:
        operation = "none"          # nothing written since the last compaction
    else:
        nights = [("ingest_date", ">=", first.isoformat())]
        if sort_by:
            found.optimize.z_order(sort_by, partition_filters=nights)
        else:
            found.optimize.compact(partition_filters=nights)
        operation = "z_order" if sort_by else "compact"
    removed = found.vacuum(retention_hours=retention_days * 24, dry_run=False,
                           enforce_retention_duration=False) if vacuum else []
    found = open_table(storage, table)
    rows_after, checksum_after = table_checksum(found)
    return {"table": table, "started_at": started, "finished_at": datetime.now(timezone.utc),
            "operation": operation, "sorted_by": sort_by if operation == "z_order" else [],
            "from_night": first,
            "version_before": version_before, "version_after": found.version(),
            "files_before": files_before, "files_after": len(found.file_uris()),
            "rows_before": rows_before, "rows_after": rows_after,
            "checksum_before": checksum_before, "checksum_after": checksum_after,
            "unchanged": (rows_before, checksum_before) == (rows_after, checksum_after),
            "vacuumed_files": len(removed), "retention_days": retention_days}


def compact(warehouse, retention_days: int = DEFAULT_RETENTION_DAYS, vacuum: bool = True,
            wait_seconds: float = LOCK_WAIT_SECONDS) -> list[dict[str, Any]]:
    """Compact and vacuum every table under the warehouse lock; record and return one row per
    table. Raises CompactionChangedRows when a table's rows or checksum moved."""
    storage = Storage.of(warehouse)
    now = datetime.now(timezone.utc)
    run_id = f"compact_{now:%Y%m%dT%H%M%S%f}"
    rows = []
    with holding(storage, run_id, wait_seconds=wait_seconds):
        previous = last_compacted(storage)
        for table in TABLES:
            clock = time.monotonic()
            done = compact_table(storage, table, retention_days, vacuum, previous.get(table))
            if done is None:
                continue
            log.info("compact %s: files %d -> %d, rows %d -> %d, %s in %.1f s", table, done["files_before"],
                     done["files_after"], done["rows_before"], done["rows_after"],
                     "unchanged" if done["unchanged"] else "CHANGED", time.monotonic() - clock)
            rows.append({"run_id": run_id, "ingest_date": now.date(), **done})
        staged = write_parquet_atomic(storage, storage.path("_staging", f"{run_id}.parquet"),
                                      to_arrow(COMPACTIONS, rows))
        commit_table(storage, COMPACTIONS, now.date(), staged, run_id, run_id)
        storage.delete(staged)
    changed = [r["table"] for r in rows if not r["unchanged"]]
    if changed:
        raise CompactionChangedRows(f"compaction changed the rows of {', '.join(changed)} "
                                    f"(see the compactions table, run {run_id})")
    return rows

