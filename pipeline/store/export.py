"""`broadsheet export`: a slice of one table as one file an analyst's own tools open.

The rows are streamed from DuckDB a batch at a time into the file, so memory stays the same however
big the slice. The file is written aside and renamed when complete; its row count and SHA-256 are
returned for the download to be checked. Parquet keeps the table's types (nested lists included)
and opens in pandas/pyarrow with no options; CSV and JSON lines write lists and structs as JSON.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.progress import Progress
from pipeline.store.catalog import connect
from pipeline.store.delta import PARTITION
from pipeline.store.parquet import COMPRESSION
from pipeline.store.schemas import TABLES

FORMATS = ("parquet", "csv", "jsonl")
BATCH_ROWS = 10_000
HASH_CHUNK = 1 << 20


class ExportError(ValueError):
    """The export cannot be made as asked (unknown table, a --where DuckDB refuses): one line."""


@dataclass(frozen=True)
class Exported:
    path: Path
    rows: int
    sha256: str
    bytes: int


def slice_sql(table: str, start: date | None, end: date | None, where: str | None) -> tuple[str, list]:
    """The SELECT of the slice: ingest dates from `start` to `end` (both included) and `where`."""
    if table not in TABLES:
        raise ExportError(f"unknown table {table!r}; tables are {', '.join(TABLES)}")
    conditions, params = [], []
    if start is not None:
        conditions.append(f"{PARTITION} >= ?")
        params.append(start)
    if end is not None:
        conditions.append(f"{PARTITION} <= ?")
        params.append(end)
    if where:
        conditions.append(f"({where})")
    return f"SELECT * FROM {table}" + (" WHERE " + " AND ".join(conditions) if conditions else ""), params


def _json_value(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, default=_json_value, ensure_ascii=False)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


class _TextSink:
    """CSV or JSON lines, one batch at a time."""

    def __init__(self, path: Path, form: str, columns: list[str]):
        self.handle = open(path, "w", encoding="utf-8", newline="")
        self.form = form
        self.columns = columns
        if form == "csv":
            self.csv = csv.writer(self.handle)
            self.csv.writerow(columns)

    def write(self, batch: pa.RecordBatch) -> None:
        rows = batch.to_pylist()
        if self.form == "csv":
            self.csv.writerows([_csv_cell(row[c]) for c in self.columns] for row in rows)
        else:
            buffer = io.StringIO()
            for row in rows:
                buffer.write(json.dumps(row, default=_json_value, ensure_ascii=False))
                buffer.write("\n")
            self.handle.write(buffer.getvalue())

    def close(self) -> None:
        self.handle.close()


class _ParquetSink:
    def __init__(self, path: Path, schema: pa.Schema):
        self.writer = pq.ParquetWriter(path, schema, compression=COMPRESSION)

    def write(self, batch: pa.RecordBatch) -> None:
        self.writer.write_batch(batch)

    def close(self) -> None:
        self.writer.close()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def export(warehouse, table: str, out: Path, form: str, start: date | None = None,
           end: date | None = None, where: str | None = None) -> Exported:
    """Write the slice to `out` (replaced only when the new file is complete)."""
    import duckdb
    if form not in FORMATS:
        raise ExportError(f"unknown format {form!r}; formats are {', '.join(FORMATS)}")
    sql, params = slice_sql(table, start, end, where)
    out = Path(out)
    if not out.parent.is_dir():
        raise ExportError(f"no such folder for --out: {out.parent}")
    aside = out.with_name(f".{out.name}.{os.getpid()}.part")
    with connect(warehouse, must_exist=True, tables={table}) as con:
        con.execute("SET TimeZone = 'UTC'")   # timestamps leave as UTC, as they are stored
        try:
            total = con.execute(f"SELECT count(*) FROM ({sql})", params).fetchall()[0][0]
            # a relation streams its rows (con.execute would first copy them all)
            reader = con.sql(sql, params=params).to_arrow_reader(BATCH_ROWS)
        except duckdb.Error as error:
            raise ExportError(f"--where {where!r}: {str(error).splitlines()[0]}" if where
                              else str(error).splitlines()[0]) from None
        progress = Progress(f"export {table}", total, "rows")
        sink = (_ParquetSink(aside, reader.schema) if form == "parquet"
                else _TextSink(aside, form, reader.schema.names))
        rows = 0
        try:
            for batch in reader:
                sink.write(batch)
                rows += batch.num_rows
                progress.advance(batch.num_rows)
            sink.close()
            os.replace(aside, out)
        except BaseException:
            aside.unlink(missing_ok=True)
            raise
    return Exported(out, rows, file_sha256(out), out.stat().st_size)
