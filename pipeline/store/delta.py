"""The warehouse's tables: Delta Lake tables (delta-rs), on local disk or S3, partitioned by ingest date.

    WAREHOUSE/<table>/_delta_log/...                 the table's versions
    WAREHOUSE/<table>/ingest_date=YYYY-MM-DD/*.parquet  its data files
    WAREHOUSE/_journal/<run_id>.json                 a night's publish in progress

A night publishes one commit per table, each replacing that date's partition (an overwrite with a
partition predicate; `runs` is appended to instead). The commits carry the run id and the night's
publish id as a Delta app transaction, so a publish that is repeated (after a crash part-way, by
the next run's recovery) commits each table at most once: nothing is lost, nothing doubled.
Readers see a table's previous version or its new one, never part of a commit; between two tables'
commits a reader can see the new articles beside the old entities, for the seconds publishing takes.
"""
from __future__ import annotations

import json
import logging
import time
from datetime import date, datetime
from typing import Any

from typing import TYPE_CHECKING

from pipeline.store.failpoints import failpoint
from pipeline.store.storage import Storage, delta_storage_options, warehouse_errors
from pipeline.store.tables import TABLES

if TYPE_CHECKING:
    import pyarrow as pa

# pyarrow and the Arrow schemas are imported by the functions that write: opening a table to read
# it (`broadsheet sql`) needs only delta-rs, and pyarrow with numpy is half of that command's start-up.

log = logging.getLogger("broadsheet.store")

APPEND_ONLY_TABLES = {"runs", "compactions"}
PARTITION = "ingest_date"
# Versions older than this stay readable (time travel, `--as-of`) until a vacuum removes their files.
DEFAULT_RETENTION_DAYS = 30
STALE_STAGING_SECONDS = 48 * 3600
# runs goes last: a runs row saying "success" must never describe data that is not there.
PUBLISH_ORDER = tuple(t for t in TABLES if t not in APPEND_ONLY_TABLES) + tuple(sorted(APPEND_ONLY_TABLES))


def table_uri(storage: Storage, table: str) -> str:
    storage = Storage.of(storage)
    return storage.uri(storage.path(table))


def table_exists(storage: Storage, table: str) -> bool:
    from deltalake import DeltaTable
    return DeltaTable.is_deltatable(table_uri(storage, table), storage_options=delta_storage_options())


def open_table(storage: Storage, table: str, as_of: int | datetime | None = None):
    """The table at its current version (or at `as_of`: a version number or a time); None before
    its first commit."""
    from deltalake import DeltaTable
    from deltalake.exceptions import TableNotFoundError
    options = delta_storage_options()
    # one read of the log: asking `is_deltatable` first read it twice, for every table a query names
    try:
        found = DeltaTable(table_uri(storage, table), storage_options=options,
                           version=as_of if isinstance(as_of, int) else None)
    except TableNotFoundError:
        if isinstance(as_of, int) and table_exists(storage, table):
            raise   # the table is there, the version is not: the caller says which
        return None
    if isinstance(as_of, int):
        return found
    if as_of is not None:
        found.load_as_version(as_of)
    return found


def schema_version_of(found) -> int | None:
    """The schema version the table's latest commit was written with (None: written before versions
    were recorded, or by a commit that is not a publish, such as a compaction)."""
    for commit in found.history(limit=1):
        value = commit.get("broadsheet.schema_version")
        if value is not None:
            return int(value)
    return None


# Layout for the common questions (a date range, one host, one entity, one speaker): partitions by
# ingest date prune the dates; within a partition rows are sorted by the schema's `sort_by`
# (`sort_columns`) so that each row group's min/max statistics cover a narrow range of the key and
# a filter on it skips the other row groups.
ROW_GROUP_ROWS = 64 * 1024            # several row groups a night, so sorting lets filters skip some
TARGET_FILE_BYTES = 256 * 1024 * 1024  # files neither tiny nor huge: a night of articles is a few
# Long free text and hashes are not dictionary-encoded (every value differs); every other column is,
# which makes low-cardinality columns (host, source, label, kind, cue, stage, reason...) tiny and fast.
NO_DICTIONARY = ("text", "quote", "description", "minhash", "content_hash", "removed", "message", "stage_counts")
# DuckDB sorts a night aside in this much memory, spilling to local disk beyond it.
SORT_MEMORY = "512MB"


def _writer_properties(table: str):
    from deltalake import ColumnProperties, WriterProperties

    from pipeline.store.schemas import column_names
    columns = set(column_names(table))
    return WriterProperties(
        compression="ZSTD", max_row_group_size=ROW_GROUP_ROWS,
        default_column_properties=ColumnProperties(dictionary_enabled=True),
        column_properties={name: ColumnProperties(dictionary_enabled=False) for name in NO_DICTIONARY if name in columns})


def _reader(storage: Storage, staged: str, table: str | None = None) -> pa.RecordBatchReader:
    """The staged file as a stream of record batches, so a big night is never held in memory;
    sorted by the table's sort columns (by DuckDB, which spills to disk past SORT_MEMORY)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipeline.store.schemas import arrow_schema, sort_columns
    handle = storage.open_input(staged)
    parquet = pq.ParquetFile(handle)
    keys = [k for k in (sort_columns(table) if table in TABLES else []) if k in parquet.schema_arrow.names]
    if not keys:
        def batches():
            try:
                yield from parquet.iter_batches(batch_size=10_000)
            finally:
                handle.close()
        return pa.RecordBatchReader.from_batches(parquet.schema_arrow, batches())
    handle.close()
    return _sorted_reader(storage, staged, arrow_schema(table) if table in TABLES else parquet.schema_arrow, keys)


def _sorted_reader(storage: Storage, staged: str, schema: pa.Schema, keys: list[str]) -> pa.RecordBatchReader:
    import tempfile

    import pyarrow as pa
    import pyarrow.dataset as ds

    from pipeline.store.catalog import memory_connection
    spill = tempfile.mkdtemp(prefix="broadsheet-sort-")
    con = memory_connection()
    con.execute(f"SET memory_limit = '{SORT_MEMORY}'")
    con.execute(f"SET temp_directory = '{spill}'")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET TimeZone = 'UTC'")
    order = ", ".join(f'"{k}" NULLS LAST' for k in keys)
    dataset = ds.dataset(staged, filesystem=storage.fs, format="parquet")
    # a night staged before a column was added resumes with that column null
    columns = ", ".join(f'"{name}"' if name in dataset.schema.names else f'NULL AS "{name}"' for name in schema.names)
    con.register("staged", dataset)
    # con.sql streams the result; con.execute would first copy every row of the night
    result = con.sql(f"SELECT {columns} FROM staged ORDER BY {order}").to_arrow_reader(10_000)

    def batches():
        import shutil
        try:
            for batch in result:
                yield batch.cast(schema)
        finally:
            con.close()
            shutil.rmtree(spill, ignore_errors=True)
    return pa.RecordBatchReader.from_batches(schema, batches())


def commit_table(storage: Storage, table: str, ingest_date: date, staged: str, run_id: str,
                 publish_id: str, retention_days: int = DEFAULT_RETENTION_DAYS) -> bool:
    """Make the staged file the table's content for `ingest_date` (for `runs`: add it). One Delta
    commit; False when this publish had already committed this table. Either way the partition's
    manifest then describes what the table holds (a crash between the commit and the manifest is
    mended when the publish is rolled forward)."""
    from pipeline.store.manifests import write_manifests
    existing = open_table(storage, table)
    committed = existing is None or existing.transaction_version(publish_id) is None
    if committed:
        append = table in APPEND_ONLY_TABLES
        retention = f"interval {retention_days} days"
        with warehouse_errors(f"commit to {table_uri(storage, table)}"):
            _write_partition(storage, table, ingest_date, staged, run_id, publish_id, append, retention)
    with warehouse_errors(f"write the manifest of {table_uri(storage, table)}"):
        write_manifests(storage, table, [ingest_date])
    return committed


def _write_partition(storage: Storage, table: str, ingest_date: date, staged: str, run_id: str,
                     publish_id: str, append: bool, retention: str) -> None:
    from deltalake import CommitProperties, Transaction, write_deltalake

    from pipeline.store.schemas import schema_version
    write_deltalake(
        table_uri(storage, table), _reader(storage, staged, table),
        partition_by=[PARTITION], mode="append" if append else "overwrite",
        predicate=None if append else f"{PARTITION} = '{ingest_date.isoformat()}'",
        schema_mode="merge",   # a column added to schemas/ joins the table; none is ever dropped
        storage_options=delta_storage_options(),
        writer_properties=_writer_properties(table), target_file_size=TARGET_FILE_BYTES,
        configuration={"delta.logRetentionDuration": retention, "delta.deletedFileRetentionDuration": retention},
        commit_properties=CommitProperties(
            # delta-rs takes no custom table properties in a write, so the schema version every
            # commit was written with is in its commit info (`schema_version_of` reads it back)
            custom_metadata={"broadsheet.run_id": run_id, "broadsheet.ingest_date": ingest_date.isoformat(),
                             "broadsheet.schema_version": str(schema_version(table))},
            app_transactions=[Transaction(publish_id, 1)]),
    )


def _journal(storage: Storage, run_id: str) -> str:
    return storage.path("_journal", f"{run_id}.json")


def publish_night(storage: Storage, run_id: str, publish_id: str, ingest_date: date,
                  staged: dict[str, str], staging_root: str) -> None:
    """Commit every staged table of a night, journalled so that a crash part-way is rolled forward."""
    entry = {"run_id": run_id, "publish_id": publish_id, "ingest_date": ingest_date.isoformat(),
             "staged": staged, "staging": staging_root}
    storage.write_text(_journal(storage, run_id), json.dumps(entry))
    failpoint("publish:journalled")
    _finish_publish(storage, entry)


def _finish_publish(storage: Storage, entry: dict[str, Any]) -> None:
    ingest_date = date.fromisoformat(entry["ingest_date"])
    for table in PUBLISH_ORDER:
        if table in entry["staged"]:
            commit_table(storage, table, ingest_date, entry["staged"][table], entry["run_id"], entry["publish_id"])
            failpoint(f"publish:{table}:committed")
    storage.delete(_journal(storage, entry["run_id"]))
    storage.delete(entry["staging"])


def recover(storage: Storage, keep: str | None = None) -> list[str]:
    """Repair what a killed run left behind: roll an interrupted publish forward, and remove the
    staging of nights abandoned long ago (never `keep`'s: the run about to resume it). The caller
    holds the warehouse lock, so no live run's publish or staging is touched. Returns a line per
    repair, for the log."""
    storage = Storage.of(storage)
    actions = []
    for name in storage.list(storage.path("_journal"), ".json"):
        path = storage.path("_journal", name)
        entry = json.loads(storage.read_text(path))
        if all(storage.exists(p) for p in entry["staged"].values()):
            _finish_publish(storage, entry)
            actions.append(f"rolled forward the publish of run {entry['run_id']}")
        else:
            storage.delete(path)
            actions.append(f"dropped the journal of run {entry['run_id']}: staged files are gone")
    cutoff = time.time() - STALE_STAGING_SECONDS
    staging_root = storage.path("_staging")
    for run_id in storage.list(staging_root):
        if run_id == keep:
            continue
        newest = storage.newest_mtime(storage.path("_staging", run_id))
        # a run killed before publishing leaves only staging; a live run touches its files often
        if newest is not None and newest < cutoff:
            storage.delete(storage.path("_staging", run_id))
            actions.append(f"removed the staging area of abandoned run {run_id}")
    for action in actions:
        log.warning("recover: %s", action)
    return actions


def maintain(storage: Storage, retention_days: int = DEFAULT_RETENTION_DAYS, vacuum: bool = True) -> dict[str, dict]:
    """Compact every table's small files (rows unchanged, checked and recorded in `compactions`),
    then remove files that no version younger than `retention_days` needs. Returns what was done,
    per table (see pipeline/store/compaction.py)."""
    from pipeline.store.compaction import compact
    from pipeline.store.manifests import write_all_manifests
    done = {row["table"]: {"files_before": row["files_before"], "files_after": row["files_after"],
                           "vacuumed": row["vacuumed_files"], "version": row["version_after"],
                           "rows": row["rows_after"], "checksum_unchanged": row["unchanged"],
                           "operation": row["operation"]}
            for row in compact(storage, retention_days=retention_days, vacuum=vacuum)}
    write_all_manifests(Storage.of(storage))   # compaction replaced files: the manifests follow
    return done
