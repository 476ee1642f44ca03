"""The warehouse's table names and their specs (`schemas/<table>.json`), importable without pyarrow
(the DAG files name the tables as Airflow Assets; `broadsheet sql` reads the specs)."""
from __future__ import annotations

import json
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

# What a night publishes (one commit each), then what maintenance writes.
NIGHTLY_TABLES = ("articles", "entities", "quotes", "rejects", "runs", "article_signatures", "validations",
                  "source_health")
TABLES = NIGHTLY_TABLES + ("compactions",)


def asset_uri(table: str) -> str:
    """The Airflow Asset of a table: one per table, whatever warehouse a deployment points at."""
    return f"broadsheet://warehouse/{table}"


def schemas_dir() -> Path:
    """The package's own copy of `schemas/` (package data), unless BROADSHEET_SCHEMAS names another."""
    override = os.environ.get("BROADSHEET_SCHEMAS")
    return Path(override) if override else Path(str(resources.files("pipeline") / "schemas"))


@lru_cache(maxsize=None)
def table_spec(table: str) -> dict[str, Any]:
    path = schemas_dir() / f"{table}.json"
    if not path.is_file():
        raise KeyError(f"no schema for table {table!r} (looked for {path})")
    return json.loads(path.read_text(encoding="utf-8"))
