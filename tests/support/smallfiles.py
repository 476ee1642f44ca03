"""A warehouse of many small files, quickly: schema-shaped rows committed night after night, the way
many small nights (or many reruns) leave a table, without running the pipeline."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from pipeline.store.delta import commit_table
from pipeline.store.parquet import write_parquet_atomic
from pipeline.store.schemas import arrow_schema, to_arrow
from pipeline.store.storage import Storage

TABLES = ("articles", "entities", "quotes", "rejects", "runs")


def _value(field, n: int, day: date):
    kind = str(field.type)
    if field.name == "ingest_date":
        return day
    if kind == "string":
        return f"{field.name}-{day.isoformat()}-{n}"
    if kind in ("int32", "int64"):
        return n
    if kind == "double":
        return n / 7
    if kind == "bool":
        return n % 2 == 0
    if kind == "date32[day]":
        return day
    if kind.startswith("timestamp"):
        return datetime(day.year, day.month, day.day, tzinfo=timezone.utc) + timedelta(seconds=n)
    if kind.startswith("list"):
        return []
    return None


def rows(table: str, day: date, count: int) -> list[dict]:
    schema = arrow_schema(table)
    return [{field.name: _value(field, n, day) for field in schema} for n in range(count)]


def build(warehouse, nights: int, rows_per_night: int = 20, first: date = date(2026, 1, 1),
          reruns: int = 1) -> int:
    """Commit `nights` nights to each table (each night `reruns` times: a rerun replaces the
    partition and leaves the old file for vacuum); returns the data files written."""
    storage = Storage.of(warehouse)
    written = 0
    for night in range(nights):
        day = first + timedelta(days=night)
        for attempt in range(reruns):
            for table in TABLES:
                staged = write_parquet_atomic(storage, storage.path("_gen", f"{table}.parquet"),
                                              to_arrow(table, rows(table, day, rows_per_night)))
                commit_table(storage, table, day, staged, f"gen-{night}-{attempt}", f"gen-{table}-{night}-{attempt}")
                written += 1
    storage.delete(storage.path("_gen"))
    return written
