"""Great Expectations suites as data: `expectations/<table>.json`, versioned with the code.

Each expectation's meta says three things, decided here and nowhere else:
- `level`: `row` sends the failing rows to `rejects` (the rest of the night publishes); `batch`
  judges the night's data as a whole.
- `severity`: `critical` (a failure blocks publishing and fails the night) or `warning` (the night
  publishes; the failure is in `validations`, the run summary and the Data Docs). Defaults: a
  row expectation is a warning (its rows are already set aside), a batch one critical.
- scope (not written, it follows from the type): expectations about single values run chunk by
  chunk over the rows and their counts are summed over the night; aggregate ones (uniqueness,
  means, quantiles, row counts) run once over the night's narrow columns. An aggregate
  expectation cannot be row-level: its rows are the whole night.

`meta.history` ({"nights": N, "min_ratio": a, "max_ratio": b}) on `expect_table_row_count_to_be_between`
takes its bounds from the median row count of the previous N published nights (runs table).
"""
from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

LEVELS = ("row", "batch")
SEVERITIES = ("critical", "warning")
# Aggregate expectations: their verdict over the night is not a sum of verdicts over chunks.
NIGHT_TYPES = {
    "expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique",
    "expect_select_column_values_to_be_unique_within_record", "expect_column_proportion_of_unique_values_to_be_between",
    "expect_column_unique_value_count_to_be_between", "expect_column_mean_to_be_between",
    "expect_column_median_to_be_between", "expect_column_quantile_values_to_be_between",
    "expect_column_stdev_to_be_between", "expect_column_sum_to_be_between", "expect_column_min_to_be_between",
    "expect_column_max_to_be_between", "expect_column_distinct_values_to_be_in_set",
    "expect_column_distinct_values_to_contain_set", "expect_table_row_count_to_be_between",
    "expect_table_row_count_to_equal",
}


def expectations_dir() -> Path:
    """The package's own copy of `expectations/` (package data), unless BROADSHEET_EXPECTATIONS names another."""
    override = os.environ.get("BROADSHEET_EXPECTATIONS")
    return Path(override) if override else Path(str(resources.files("pipeline") / "expectations"))


def level(expectation: dict[str, Any]) -> str:
    return expectation["meta"]["level"]


def severity(expectation: dict[str, Any]) -> str:
    meta = expectation.get("meta", {})
    return meta.get("severity") or ("warning" if meta.get("level") == "row" else "critical")


def scope(expectation: dict[str, Any]) -> str:
    return "night" if expectation["type"] in NIGHT_TYPES else "rows"


def columns_of(expectation: dict[str, Any]) -> list[str]:
    """The columns an expectation reads, in its own order."""
    kwargs = expectation.get("kwargs", {})
    named = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    return named + list(kwargs.get("column_list") or [])


def column_label(expectation: dict[str, Any]) -> str | None:
    return "/".join(columns_of(expectation)) or None


def _check(expectation: dict[str, Any], path: Path) -> None:
    meta = expectation.get("meta", {})
    where = f"{path}: expectation {expectation['type']}({column_label(expectation) or ''})"
    if meta.get("level") not in LEVELS:
        raise ValueError(f"{where} needs meta.level 'row' or 'batch'")
    if severity(expectation) not in SEVERITIES:
        raise ValueError(f"{where}: meta.severity must be 'critical' or 'warning', not {meta.get('severity')!r}")
    if scope(expectation) == "night" and meta["level"] == "row":
        raise ValueError(f"{where}: an aggregate expectation judges the whole night; it cannot be level 'row'")
    if "history" in meta and expectation["type"] != "expect_table_row_count_to_be_between":
        raise ValueError(f"{where}: meta.history is for expect_table_row_count_to_be_between only")


def load_suite(table: str) -> dict[str, Any]:
    path = expectations_dir() / f"{table}.json"
    suite = json.loads(path.read_text(encoding="utf-8"))
    for expectation in suite["expectations"]:
        _check(expectation, path)
    return suite


def suite_tables() -> list[str]:
    return sorted(p.stem for p in expectations_dir().glob("*.json"))
