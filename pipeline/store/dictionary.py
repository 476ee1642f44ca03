"""The data dictionary, rendered from `schemas/` so that the documentation cannot drift from the writer."""
from __future__ import annotations

from pipeline.store.schemas import TABLES, table_spec

HEADER = """# Data dictionary

Generated from `schemas/*.json` by `broadsheet schema --format markdown`; do not edit by hand.
Every table is Parquet (zstd) under `WAREHOUSE/<table>/ingest_date=YYYY-MM-DD/`, and a DuckDB view
of the same name in `WAREHOUSE/broadsheet.duckdb`. Types: `string`, `int32`, `int64`, `bool`,
`date`, `timestamp` (microseconds, UTC), `list<...>`, `struct<...>`.
"""


def render_markdown(tables: tuple[str, ...] = TABLES) -> str:
    parts = [HEADER]
    for table in tables:
        spec = table_spec(table)
        parts.append(f"\n## `{table}`\n\n{spec['description']}\n\n"
                     f"Partitioned by: {', '.join(spec['partition_by'])}\n\n"
                     "| column | type | nullable | description |\n|---|---|---|---|")
        for column in spec["columns"]:
            kind = column["type"].replace("<", "&lt;").replace(">", "&gt;")
            description = column["description"].replace("|", "\\|")
            nullable = "yes" if column["nullable"] else "no"
            parts.append(f"| `{column['name']}` | {kind} | {nullable} | {description} |")
    return "\n".join(parts) + "\n"
