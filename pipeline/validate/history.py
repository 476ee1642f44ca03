"""What previous nights published, for the comparisons validation makes: row counts per table
(from `runs`) and per-source health (from `source_health`). Only nights before the one being
validated count, and only published ones (a failed night's figures are not a baseline)."""
from __future__ import annotations

from datetime import date
from typing import Any

from pipeline.store.delta import open_table

COUNTED_TABLES = ("articles", "entities", "quotes", "rejects")


def _rows_before(storage, table: str, before: date, columns: list[str] | None = None) -> list[dict[str, Any]]:
    import pyarrow.dataset as ds
    found = open_table(storage, table)
    if found is None:
        return []
    dataset = found.to_pyarrow_dataset()
    return dataset.to_table(columns=columns, filter=ds.field("ingest_date") < before).to_pylist()


def previous_counts(storage, before: date, nights: int = 30) -> dict[str, list[int]]:
    """Rows published per table by the latest `nights` published nights before `before`, oldest first
    (a night published twice counts with its latest run)."""
    runs = [r for r in _rows_before(storage, "runs", before) if r["status"] == "success"]
    latest: dict[date, dict[str, Any]] = {}
    for row in sorted(runs, key=lambda r: r["finished_at"]):
        latest[row["ingest_date"]] = row
    recent = [latest[d] for d in sorted(latest)][-nights:]
    return {table: [int(r[table]) for r in recent] for table in COUNTED_TABLES}


def previous_health(storage, before: date, nights: int) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(source, host) -> its source_health rows of the latest `nights` nights before `before`, oldest first."""
    rows = _rows_before(storage, "source_health", before)
    by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: r["ingest_date"]):
        by_key.setdefault((row["source"], row["host"]), []).append(row)
    return {key: found[-nights:] for key, found in by_key.items()}
