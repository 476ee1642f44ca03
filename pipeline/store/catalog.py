"""The DuckDB side of the warehouse: one view per table over its Parquet files."""
from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.store.parquet import published_files
from pipeline.store.schemas import TABLES, table_spec

CATALOG_NAME = "broadsheet.duckdb"

_DUCKDB_TYPES = {
    "string": "VARCHAR", "int32": "INTEGER", "int64": "BIGINT", "float64": "DOUBLE",
    "bool": "BOOLEAN", "date": "DATE", "timestamp": "TIMESTAMPTZ", "list<string>": "VARCHAR[]",
    "binary": "BLOB", "list<int64>": "BIGINT[]",
}


def _duckdb_type(spec: str) -> str:
    if spec in _DUCKDB_TYPES:
        return _DUCKDB_TYPES[spec]
    if spec.startswith("list<struct<"):
        fields = spec[len("list<struct<"):-2].split(",")
        inner = ", ".join(f"{name} {_duckdb_type(t)}" for name, t in (f.split(":") for f in fields))
        return f"STRUCT({inner})[]"
    raise ValueError(f"no DuckDB type for {spec!r}")


def view_sql(warehouse: Path, table: str) -> str:
    """The SELECT behind a table's view: its Parquet files, or an empty typed relation before any exist."""
    if published_files(warehouse, table):
        pattern = str(Path(warehouse).resolve() / table / "ingest_date=*" / "*.parquet").replace("'", "''")
        return (f"SELECT * FROM read_parquet('{pattern}', hive_partitioning = true, "
                f"union_by_name = true)")
    columns = ", ".join(f"CAST(NULL AS {_duckdb_type(c['type'])}) AS {c['name']}"
                        for c in table_spec(table)["columns"])
    return f"SELECT {columns} WHERE false"


def create_views(con: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
    for table in TABLES:
        con.execute(f"CREATE OR REPLACE VIEW {table} AS {view_sql(warehouse, table)}")


def refresh_catalog(warehouse: Path) -> Path:
    """(Re)create the views in WAREHOUSE/broadsheet.duckdb, for analysts who open the file directly."""
    path = Path(warehouse) / CATALOG_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        create_views(con, warehouse)
    return path


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the views, which never contends for the catalog file's lock."""
    con = duckdb.connect(":memory:")
    create_views(con, warehouse)
    return con
