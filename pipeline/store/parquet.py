"""Staged Parquet files: what the stages hand to each other, on local disk or object storage.

Every staged file is written whole or not at all (`Storage.spool`): a stage killed part-way leaves
no half file that a resumed night could take for a finished one.
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.store.schemas import arrow_schema, to_arrow
from pipeline.store.storage import Storage

COMPRESSION = "zstd"


def write_parquet_atomic(storage: Storage, path: str, table: pa.Table) -> str:
    """Write a whole table as one file, appearing only once complete."""
    with storage.spool(path) as local:
        pq.write_table(table, local, compression=COMPRESSION)
    return path


class StagedTableWriter:
    """Streams rows of one table into a staged Parquet file in row groups, so memory stays bounded.

    The file appears under its final name only when `close()` succeeds.
    """

    def __init__(self, storage: Storage, path: str, table: str, rows_per_group: int = 2000):
        self.storage, self.path, self.table = storage, path, table
        self.rows_per_group = rows_per_group
        self.rows_written = 0
        self._buffer: list[dict[str, Any]] = []
        self._spool = storage.spool(path)
        local = self._spool.__enter__()
        self._writer = pq.ParquetWriter(local, arrow_schema(table), compression=COMPRESSION)

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

    def close(self) -> str:
        try:
            self._flush()
            self._writer.close()
        except BaseException as error:
            self._spool.__exit__(type(error), error, error.__traceback__)
            raise
        self._spool.__exit__(None, None, None)
        return self.path

    def abort(self) -> None:
        self._writer.close()
        aborted = RuntimeError("staged write aborted")
        self._spool.__exit__(RuntimeError, aborted, None)   # the spool's cleanup, without the put

    def __enter__(self) -> "StagedTableWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def read_staged(storage: Storage, path: str, batch_rows: int = 1000) -> Iterator[dict[str, Any]]:
    """Rows of a staged file as dicts, one row group at a time."""
    with storage.open_input(path) as handle:
        for batch in pq.ParquetFile(handle).iter_batches(batch_size=batch_rows):
            yield from batch.to_pylist()


def read_articles(storage: Storage, path: str, batch_rows: int = 1000):
    """The `Article` records of a staged articles file, in order."""
    from pipeline.records import Article
    for row in read_staged(storage, path, batch_rows):
        yield Article.from_row(row)


def read_column(storage: Storage, path: str, column: str) -> list:
    with storage.open_input(path) as handle:
        return pq.read_table(handle, columns=[column]).column(0).to_pylist()


def record_batches(storage: Storage, path: str, batch_rows: int) -> Iterator[pa.RecordBatch]:
    with storage.open_input(path) as handle:
        yield from pq.ParquetFile(handle).iter_batches(batch_size=batch_rows)


def count_rows(storage: Storage, path: str) -> int:
    if not storage.exists(path):
        return 0
    with storage.open_input(path) as handle:
        return pq.ParquetFile(handle).metadata.num_rows
