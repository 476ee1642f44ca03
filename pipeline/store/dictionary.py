"""The data dictionary, rendered from `schemas/` so that the documentation cannot drift from the writer:
Markdown for the repository (docs/data_dictionary.md), HTML for the warehouse (report/data_dictionary.html)."""
from __future__ import annotations

from html import escape

from pipeline.store.schemas import TABLES, table_spec

HEADER = """# Data dictionary

Generated from `schemas/*.json` by `broadsheet schema --format markdown`; do not edit by hand.
Every table is a Delta Lake table of Parquet (zstd) files under `WAREHOUSE/<table>/ingest_date=YYYY-MM-DD/`,
and a DuckDB view of the same name in `WAREHOUSE/broadsheet.duckdb`. Types: `string`, `int32`, `int64`,
`bool`, `date`, `timestamp` (microseconds, UTC), `list<...>`, `struct<...>`. Each table has a schema
version, raised whenever a change would break its readers; every commit records the version it was
written with (`broadsheet.schema_version` in the commit info) and so does each partition's manifest.
"""


def render_markdown(tables: tuple[str, ...] = TABLES) -> str:
    parts = [HEADER]
    for table in tables:
        spec = table_spec(table)
        parts.append(f"\n## `{table}` (schema version {spec['version']})\n\n{spec['description']}\n\n"
                     f"Partitioned by: {', '.join(spec['partition_by'])}\n\n"
                     "| column | type | nullable | description | example |\n|---|---|---|---|---|")
        for column in spec["columns"]:
            kind = column["type"].replace("<", "&lt;").replace(">", "&gt;")
            description = column["description"].replace("|", "\\|")
            example = column["example"].replace("|", "\\|").replace("`", "'")
            nullable = "yes" if column["nullable"] else "no"
            parts.append(f"| `{column['name']}` | {kind} | {nullable} | {description} | `{example}` |")
    return "\n".join(parts) + "\n"


def render_html_body(tables: tuple[str, ...] = TABLES) -> str:
    """The dictionary as HTML (a fragment: the report's page frame goes around it)."""
    parts = ['<p>Generated from <code>schemas/</code> with every night. Each table is a Delta Lake table '
             'partitioned by <code>ingest_date</code>; each has a schema version, raised whenever a change '
             'would break its readers.</p>', '<nav><ul>']
    parts.extend(f'<li><a href="#{escape(t)}">{escape(t)}</a></li>' for t in tables)
    parts.append("</ul></nav>")
    for table in tables:
        spec = table_spec(table)
        parts.append(f'<section id="{escape(table)}"><h2>{escape(table)} '
                     f'<small>schema version {int(spec["version"])}</small></h2>'
                     f'<p>{escape(spec["description"])}</p>'
                     '<table><thead><tr><th>column</th><th>type</th><th>nullable</th><th>meaning</th>'
                     '<th>example</th></tr></thead><tbody>')
        for column in spec["columns"]:
            parts.append(f'<tr><td><code>{escape(column["name"])}</code></td><td><code>{escape(column["type"])}</code></td>'
                         f'<td>{"yes" if column["nullable"] else "no"}</td><td>{escape(column["description"])}</td>'
                         f'<td><code>{escape(column["example"])}</code></td></tr>')
        parts.append("</tbody></table></section>")
    return "\n".join(parts)
