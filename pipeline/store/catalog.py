"""The DuckDB side of the warehouse: each table's Delta snapshot as a relation DuckDB can query.

`connect()` gives an in-memory DuckDB connection where every table is its current Delta snapshot
(or the one at `as_of`): on local disk DuckDB reads the snapshot's files itself; on object storage
(DuckDB's httpfs may not be installed) delta-rs hands it an Arrow dataset. Either way filters on
`ingest_date` prune partitions, and the connection never holds a lock on anything in the warehouse.

For analysts who open DuckDB themselves, a local warehouse also gets `broadsheet.duckdb`: one view
per table over the files of its current snapshot, with paths relative to the warehouse (open it
from the warehouse folder). It is written aside and swapped in after every night, so a reader
holding the old one open never stops a night.
"""
from __future__ import annotations

import logging
import os
from datetime import datetime
from pathlib import Path

import duckdb

from pipeline.store.delta import PARTITION, open_table
from pipeline.store.storage import Storage
from pipeline.store.tables import TABLES, table_spec

log = logging.getLogger("broadsheet.store")

CATALOG_NAME = "broadsheet.duckdb"
NO_DOWNLOADS = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


def memory_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection that never fetches an extension from the network (delta-rs
    reads what DuckDB's extensions would): every DuckDB query of the warehouse starts here."""
    return duckdb.connect(":memory:", config=NO_DOWNLOADS)

_DUCKDB_TYPES = {
    "string": "VARCHAR", "int32": "INTEGER", "int64": "BIGINT", "float64": "DOUBLE",
    "bool": "BOOLEAN", "date": "DATE", "timestamp": "TIMESTAMPTZ", "list<string>": "VARCHAR[]",
    "binary": "BLOB", "list<int64>": "BIGINT[]",
}


class NoWarehouse(ValueError):
    """The location holds no warehouse: asked for by name, so say which."""


def _duckdb_type(spec: str) -> str:
    if spec in _DUCKDB_TYPES:
        return _DUCKDB_TYPES[spec]
    if spec.startswith("list<struct<"):
        fields = spec[len("list<struct<"):-2].split(",")
        inner = ", ".join(f"{name} {_duckdb_type(t)}" for name, t in (f.split(":") for f in fields))
        return f"STRUCT({inner})[]"
    raise ValueError(f"no DuckDB type for {spec!r}")


def _empty_view_sql(table: str) -> str:
    columns = ", ".join(f"CAST(NULL AS {_duckdb_type(c['type'])}) AS {c['name']}"
                        for c in table_spec(table)["columns"])
    return f"SELECT {columns} WHERE false"


def is_warehouse(storage: Storage) -> bool:
    """A warehouse once any table, the staging area or the URL state exists there."""
    return any(storage.exists(storage.path(name)) for name in (*TABLES, "_staging", "_state", "_journal"))


def snapshot_sql(found, files: list[str]) -> str:
    """The snapshot's files as one relation, its columns in the table's own order (DuckDB would put
    the partition column last; delta-rs readers keep the table's order, and so does this)."""
    listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    columns = ", ".join('"' + field.name.replace('"', '""') + '"' for field in found.schema().fields)
    return (f"SELECT {columns} FROM read_parquet([{listed}], hive_partitioning = true, "
            f"hive_types = {{'{PARTITION}': DATE}}, union_by_name = true)")


def tables_in(sql: str) -> set[str]:
    """The warehouse tables a query names (all of them when DuckDB cannot parse it here)."""
    try:
        return set(duckdb.get_table_names(sql)) & set(TABLES)
    except duckdb.Error:
        return set(TABLES)


def connect(location, as_of: int | datetime | None = None, must_exist: bool = False,
            tables: set[str] | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with one relation per table (or per table of `tables`, the ones a
    query needs). `must_exist`: a location that holds no warehouse is an error naming it (a typo'd
    path must not answer "0 articles")."""
    storage = Storage.of(location)
    if must_exist and not is_warehouse(storage):
        raise NoWarehouse(f"no warehouse at {storage.uri()} (no tables there yet)")
    con = memory_connection()
    for table in TABLES:
        found = open_table(storage, table, as_of) if tables is None or table in tables else None
        if found is None:
            con.execute(f"CREATE VIEW {table} AS {_empty_view_sql(table)}")
        elif storage.remote:
            con.register(table, found.to_pyarrow_dataset())
        else:
            files = found.file_uris()
            con.execute(f"CREATE VIEW {table} AS {snapshot_sql(found, files) if files else _empty_view_sql(table)}")
    return con


def refresh_catalog(location) -> Path | None:
    """(Re)write WAREHOUSE/broadsheet.duckdb aside and swap it in. Local warehouses only; a failure
    here is logged, never a failed night: the data is published already."""
    storage = Storage.of(location)
    if storage.remote:
        return None
    path = Path(storage.root) / CATALOG_NAME
    aside = path.with_name(f".{CATALOG_NAME}.{os.getpid()}.tmp")
    try:
        aside.unlink(missing_ok=True)
        with duckdb.connect(str(aside), config=NO_DOWNLOADS) as con:
            # relative paths resolve against the search path (a session setting: an analyst opens
            # the catalog from the warehouse folder, or sets it to wherever the warehouse is mounted)
            con.execute("SET file_search_path = ?", [storage.root])
            for table in TABLES:
                found = open_table(storage, table)
                files = [os.path.relpath(uri, storage.root) for uri in found.file_uris()] if found else []
                select = snapshot_sql(found, files) if files else _empty_view_sql(table)
                con.execute(f"CREATE OR REPLACE VIEW {table} AS {select}")
        os.replace(aside, path)
        return path
    except (duckdb.Error, OSError) as error:
        aside.unlink(missing_ok=True)
        log.warning("could not refresh %s (%s); broadsheet sql reads the tables without it",
                    path, str(error).splitlines()[0])
        return None
