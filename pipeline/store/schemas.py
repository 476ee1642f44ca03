"""Table schemas, defined once in `schemas/<table>.json` and turned into Arrow schemas here.

The writer, the validation suites, the docs and the tests all read the same files.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterable

import pyarrow as pa

# the table names and their spec files need no pyarrow: they live in `tables` (re-exported here)
from pipeline.store.tables import NIGHTLY_TABLES, TABLES, schemas_dir, table_spec  # noqa: F401

_SCALARS = {
    "string": pa.string(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
    "binary": pa.binary(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}


def parse_type(spec: str) -> pa.DataType:
    """Turn a schema type string such as `list<struct<rule:string,start_char:int32>>` into Arrow."""
    spec = spec.strip()
    if spec in _SCALARS:
        return _SCALARS[spec]
    inner = re.fullmatch(r"list<(.*)>", spec)
    if inner:
        return pa.list_(parse_type(inner.group(1)))
    inner = re.fullmatch(r"struct<(.*)>", spec)
    if inner:
        fields = []
        for part in _split_top_level(inner.group(1)):
            name, _, type_spec = part.partition(":")
            fields.append(pa.field(name.strip(), parse_type(type_spec)))
        return pa.struct(fields)
    raise ValueError(f"unknown column type {spec!r}")


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, []
    for char in text:
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        depth += char == "<"
        depth -= char == ">"
        current.append(char)
    parts.append("".join(current))
    return parts


@lru_cache(maxsize=None)
def arrow_schema(table: str) -> pa.Schema:
    spec = table_spec(table)
    return pa.schema(
        [pa.field(c["name"], parse_type(c["type"]), nullable=c["nullable"]) for c in spec["columns"]]
    )


def column_names(table: str) -> list[str]:
    return [c["name"] for c in table_spec(table)["columns"]]


def to_arrow(table: str, rows: Iterable[dict[str, Any]]) -> pa.Table:
    """Rows (dicts) to an Arrow table with exactly the table's columns, in schema order.

    A missing nullable column becomes null; a missing required column is an error, so a
    stage that forgets a field fails loudly instead of publishing nulls.
    """
    schema = arrow_schema(table)
    rows = list(rows)
    columns = {}
    for field in schema:
        values = [row.get(field.name) for row in rows]
        if not field.nullable and any(v is None for v in values):
            missing = sum(v is None for v in values)
            raise ValueError(f"{table}.{field.name} is required but {missing} row(s) lack it")
        columns[field.name] = pa.array(values, type=field.type)
    return pa.Table.from_pydict(columns, schema=schema)


def sort_columns(table: str) -> list[str]:
    """The columns a partition's rows are sorted by (`sort_by` in the schema file), chosen for the
    common filters: the writer sorts each night by them and compaction z-orders by them."""
    return list(table_spec(table).get("sort_by") or [])


def schema_version(table: str) -> int:
    """The table's schema version (`version` in its schema file): raised whenever a change would
    break a reader of the earlier version (see `breaking_changes`)."""
    return int(table_spec(table)["version"])


def breaking_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What in `after` would break a reader written against `before`: a column dropped or renamed,
    its type changed, a column that was never null becoming nullable, a new column that is
    required (old partitions lack it), or the partitioning changed. Adding a nullable column breaks
    nobody."""
    old = {c["name"]: c for c in before["columns"]}
    new = {c["name"]: c for c in after["columns"]}
    found = [f"column {name} dropped" for name in old if name not in new]
    for name, column in new.items():
        if name not in old:
            if not column["nullable"]:
                found.append(f"column {name} added as required")
            continue
        if column["type"] != old[name]["type"]:
            found.append(f"column {name}: type {old[name]['type']} -> {column['type']}")
        if column["nullable"] and not old[name]["nullable"]:
            found.append(f"column {name} may now be null")
    if before.get("partition_by") != after.get("partition_by"):
        found.append(f"partitioning {before.get('partition_by')} -> {after.get('partition_by')}")
    return found
