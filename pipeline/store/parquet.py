"""Parquet files: staged writes, atomic partition publishing, crash recovery.

Layout of a warehouse:

    WAREHOUSE/<table>/ingest_date=YYYY-MM-DD/part-<run_id>.parquet   (articles, entities, quotes, rejects)
    WAREHOUSE/runs/ingest_date=YYYY-MM-DD/run-<run_id>.parquet       (appended, one file per run)
    WAREHOUSE/_staging/<run_id>/<table>.parquet                        (a run's output before publishing)
    WAREHOUSE/_journal/<run_id>.json                                   (a publish in progress)

A partition is replaced by swapping directories (rename aside, rename in), so a reader or a crash
sees the old partition or the new one, never half of either. Publishing several tables is
journalled: after a crash, `recover` rolls an interrupted publish forward from the staged files.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import time
from datetime import date
from pathlib import Path
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.store.failpoints import failpoint
from pipeline.store.schemas import TABLES, arrow_schema, to_arrow

log = logging.getLogger("broadsheet.store")

COMPRESSION = "zstd"
STALE_STAGING_SECONDS = 48 * 3600
APPEND_ONLY_TABLES = {"runs"}


def partition_dir(warehouse: Path, table: str, ingest_date: date) -> Path:
    return Path(warehouse) / table / f"ingest_date={ingest_date.isoformat()}"


def staging_dir(warehouse: Path, run_id: str) -> Path:
    return Path(warehouse) / "_staging" / run_id


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def write_parquet_atomic(path: Path, table: pa.Table) -> Path:
    """Write a whole file beside its destination, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, compression=COMPRESSION)
    _fsync_file(tmp)
    os.replace(tmp, path)
    return path


class StagedTableWriter:
    """Streams rows of one table into a staged Parquet file in row groups, so memory stays bounded.

    The file appears under its final name only when `close()` succeeds.
    """

    def __init__(self, path: Path, table: str, rows_per_group: int = 2000):
        self.path = Path(path)
        self.table = table
        self.rows_per_group = rows_per_group
        self.rows_written = 0
        self._buffer: list[dict[str, Any]] = []
        self._tmp = self.path.with_name(f".{self.path.name}.tmp")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = pq.ParquetWriter(self._tmp, arrow_schema(table), compression=COMPRESSION)

    def write(self, row: dict[str, Any] | Any) -> None:
        """One row: a dict of columns, or a record (an `Article`) whose fields are the columns."""
        self._buffer.append(row if isinstance(row, dict) else dict(vars(row)))
        if len(self._buffer) >= self.rows_per_group:
            self._flush()

    def write_many(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            self.write(row)

    def _flush(self) -> None:
        if self._buffer:
            self._writer.write_table(to_arrow(self.table, self._buffer))
            self.rows_written += len(self._buffer)
            self._buffer = []

    def close(self) -> Path:
        self._flush()
        self._writer.close()
        _fsync_file(self._tmp)
        os.replace(self._tmp, self.path)
        return self.path

    def abort(self) -> None:
        self._writer.close()
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> "StagedTableWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def read_staged(path: Path, batch_rows: int = 1000):
    """Rows of a staged file as dicts, one row group at a time."""
    parquet = pq.ParquetFile(path)
    for batch in parquet.iter_batches(batch_size=batch_rows):
        yield from batch.to_pylist()


def read_articles(path: Path, batch_rows: int = 1000):
    """The `Article` records of a staged articles file, in order."""
    from pipeline.records import Article
    for row in read_staged(path, batch_rows):
        yield Article.from_row(row)


def count_rows(path: Path) -> int:
    return pq.ParquetFile(path).metadata.num_rows if Path(path).exists() else 0


def _published_name(table: str, run_id: str) -> str:
    return f"run-{run_id}.parquet" if table in APPEND_ONLY_TABLES else f"part-{run_id}.parquet"


def publish_table(warehouse: Path, table: str, ingest_date: date, staged: Path, run_id: str) -> Path:
    """Make the staged file the table's content for `ingest_date`. Safe to call again after a crash."""
    target_dir = partition_dir(warehouse, table, ingest_date)
    target = target_dir / _published_name(table, run_id)
    if target.exists():
        return target
    if table in APPEND_ONLY_TABLES:
        target_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(staged, tmp)
        _fsync_file(tmp)
        failpoint(f"publish:{table}:staged")
        os.replace(tmp, target)
        return target
    incoming = target_dir.with_name(f".incoming-{run_id}-{target_dir.name}")
    replaced = target_dir.with_name(f".replaced-{run_id}-{target_dir.name}")
    if incoming.exists():
        shutil.rmtree(incoming)
    incoming.mkdir(parents=True)
    shutil.copyfile(staged, incoming / target.name)
    _fsync_file(incoming / target.name)
    failpoint(f"publish:{table}:staged")
    if target_dir.exists():
        if replaced.exists():
            shutil.rmtree(replaced)
        os.replace(target_dir, replaced)
    failpoint(f"publish:{table}:moved_aside")
    os.replace(incoming, target_dir)
    failpoint(f"publish:{table}:swapped")
    if replaced.exists():
        shutil.rmtree(replaced)
    return target


def _journal_path(warehouse: Path, run_id: str) -> Path:
    return Path(warehouse) / "_journal" / f"{run_id}.json"


def publish_run(warehouse: Path, run_id: str, ingest_date: date, staged: dict[str, Path]) -> None:
    """Publish every staged table of a run; journalled so that a crash part-way is rolled forward."""
    journal = _journal_path(warehouse, run_id)
    journal.parent.mkdir(parents=True, exist_ok=True)
    entry = {"run_id": run_id, "ingest_date": ingest_date.isoformat(),
             "staged": {table: str(path) for table, path in staged.items()}}
    tmp = journal.with_name(f".{journal.name}.tmp")
    tmp.write_text(json.dumps(entry), encoding="utf-8")
    os.replace(tmp, journal)
    failpoint("publish:journalled")
    _finish_publish(warehouse, entry)


def _finish_publish(warehouse: Path, entry: dict[str, Any]) -> None:
    run_id = entry["run_id"]
    ingest_date = date.fromisoformat(entry["ingest_date"])
    # runs goes last: a runs row saying "success" must never describe data that is not there.
    ordered = sorted(entry["staged"].items(), key=lambda item: item[0] in APPEND_ONLY_TABLES)
    for table, path in ordered:
        publish_table(warehouse, table, ingest_date, Path(path), run_id)
    _journal_path(warehouse, run_id).unlink(missing_ok=True)
    shutil.rmtree(staging_dir(warehouse, run_id), ignore_errors=True)


def recover(warehouse: Path) -> list[str]:
    """Repair what a killed run left behind. Returns a line per repair, for the log."""
    warehouse = Path(warehouse)
    actions = []
    journal_dir = warehouse / "_journal"
    if journal_dir.is_dir():
        for journal in sorted(journal_dir.glob("*.json")):
            entry = json.loads(journal.read_text(encoding="utf-8"))
            if all(Path(p).exists() or _already_published(warehouse, t, entry, p)
                   for t, p in entry["staged"].items()):
                _finish_publish(warehouse, entry)
                actions.append(f"rolled forward the publish of run {entry['run_id']}")
            else:
                journal.unlink()
                actions.append(f"dropped the journal of run {entry['run_id']}: staged files are gone")
    for table_dir in (warehouse / table for table in TABLES if (warehouse / table).is_dir()):
        for leftover in sorted(table_dir.glob(".replaced-*")):
            partition = table_dir / leftover.name[leftover.name.index("ingest_date="):]
            if partition.exists():
                shutil.rmtree(leftover)
            else:
                os.replace(leftover, partition)
                actions.append(f"restored {partition} that an interrupted publish had moved aside")
        for leftover in sorted(table_dir.glob(".incoming-*")):
            shutil.rmtree(leftover)
            actions.append(f"removed unpublished {leftover}")
        for leftover in table_dir.glob("*/.*.tmp"):
            leftover.unlink()
    staging_root = warehouse / "_staging"
    cutoff = time.time() - STALE_STAGING_SECONDS
    for stale in sorted(staging_root.iterdir()) if staging_root.is_dir() else ():
        # a run killed before publishing leaves only staging; a live run touches its files often
        if stale.is_dir() and _newest_mtime(stale) < cutoff:
            shutil.rmtree(stale, ignore_errors=True)
            actions.append(f"removed the staging area of abandoned run {stale.name}")
    for action in actions:
        log.warning("recover: %s", action)
    return actions


def _newest_mtime(folder: Path) -> float:
    return max((p.stat().st_mtime for p in folder.rglob("*")), default=folder.stat().st_mtime)


def _already_published(warehouse: Path, table: str, entry: dict[str, Any], _path: str) -> bool:
    target = partition_dir(warehouse, table, date.fromisoformat(entry["ingest_date"]))
    return (target / _published_name(table, entry["run_id"])).exists()


def published_files(warehouse: Path, table: str) -> list[Path]:
    return sorted((Path(warehouse) / table).glob("ingest_date=*/*.parquet"))
