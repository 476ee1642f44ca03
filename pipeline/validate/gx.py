"""Run the Great Expectations suites over a night, chunk by chunk, and report each suite once.

Expectations about single values (scope `rows`, see suites.py) run on every chunk of rows; their
counts (rows checked, missing, unexpected) are summed and the verdict is taken over the night, so
`mostly` means the share of the night. Aggregate expectations (scope `night`) run once, at the
end, on the night's columns they read: narrow columns (ids, lengths, flags), never the bodies, so
memory stays bounded by the keys of the night. Results are not stored per chunk in GX's stores;
the night's outcomes become rows of the `validations` table and a Data Docs page (docs.py).

Great Expectations costs seconds to import, so it is imported here, inside the call, never at
module import (the Airflow scheduler parses DAG files constantly).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from pipeline.store.storage import Storage
from pipeline.validate import suites

log = logging.getLogger("broadsheet.validate")

DATASOURCE = "broadsheet"
BATCH_DEFINITION = "whole_batch"
SAMPLE_SIZE = 10


@dataclass
class TableVerdict:
    """One chunk's verdict: the rows that failed row-level expectations (by position)."""
    table: str
    row_failures: dict[int, list[str]] = field(default_factory=dict)


@dataclass
class Outcome:
    """One expectation over the whole night: a row of `validations`."""
    suite: str
    expectation: str
    column: str | None
    kwargs: dict[str, Any]
    severity: str
    level: str
    scope: str
    why: str | None
    success: bool = True
    observed_value: Any = None
    element_count: int = 0
    unexpected_count: int = 0
    missing_count: int = 0
    sample: list[Any] = field(default_factory=list)
    error: str | None = None
    ran: bool = False

    @property
    def description(self) -> str:
        return describe(self.expectation, self.column, self.kwargs, self.why)

    def row(self, run_id: str, ingest_date) -> dict[str, Any]:
        observed = self.error or _short(self.observed_value)
        return {"run_id": run_id, "ingest_date": ingest_date, "suite": self.suite,
                "expectation": self.expectation, "column": self.column,
                "kwargs": json.dumps(self.kwargs, sort_keys=True, default=str),
                "severity": self.severity, "level": self.level, "scope": self.scope,
                "success": self.success, "observed_value": observed,
                "element_count": self.element_count, "unexpected_count": self.unexpected_count,
                "unexpected_sample": json.dumps(self.sample, default=str) if self.sample else None,
                "why": self.why}


def _short(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text[:500]


def describe(expectation: str, column: str | None, kwargs: dict[str, Any], why: str | None) -> str:
    shown = {k: v for k, v in kwargs.items()
             if k not in ("column", "column_A", "column_B", "column_list", "value_set", "regex", "quantile_ranges")}
    detail = ", ".join(f"{k}={v}" for k, v in sorted(shown.items()))
    text = f"{expectation}({column or ''}{', ' + detail if detail and column else detail})"
    return f"{text}: {why}" if why else text


def context_home(storage: Storage) -> Path:
    """Where the Great Expectations file context lives: in a local warehouse, its `gx/` folder; for a
    warehouse on object storage (GX's file context needs a local folder) a local one, named after
    the warehouse."""
    if not storage.remote:
        return Path(storage.root)
    base = Path(os.environ.get("BROADSHEET_GX_HOME") or Path.home() / ".cache" / "broadsheet" / "gx")
    return base / hashlib.sha256(storage.uri().encode()).hexdigest()[:16]


def _context(storage: Storage):
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    home = context_home(storage)
    home.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(home))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return gx, context


def build_suite(gx, spec: dict):
    """The suite object for a JSON spec; an expectation GX does not know is an error, not a skip."""
    suite = gx.ExpectationSuite(name=spec["name"], expectations=spec["expectations"], meta=spec.get("meta"))
    if len(suite.expectations) != len(spec["expectations"]):
        known = {e.expectation_type for e in suite.expectations}
        unknown = [e["type"] for e in spec["expectations"] if e["type"] not in known]
        raise ValueError(f"suite {spec['name']!r}: Great Expectations rejected {unknown}")
    return suite


def resolve_history(expectation: dict[str, Any], previous: list[int]) -> dict[str, Any] | None:
    """A row-count expectation's bounds from the previous nights' counts (None: no history yet)."""
    history = expectation["meta"]["history"]
    recent = previous[-int(history.get("nights", 7)):]
    if not recent:
        return None
    median = statistics.median(recent)
    kwargs = dict(expectation["kwargs"])
    kwargs["min_value"] = int(median * float(history.get("min_ratio", 0.5)))
    if history.get("max_ratio") is not None:
        kwargs["max_value"] = int(median * float(history["max_ratio"])) + 1
    return kwargs


class Validator:
    """One Great Expectations context for a night: `validate` each chunk of each table, then
    `finish` once for the night's outcomes."""

    def __init__(self, warehouse, history: dict[str, list[int]] | None = None):
        self.storage = Storage.of(warehouse)
        self.gx, self.context = _context(self.storage)
        self.history = history or {}
        self._specs: dict[str, list[dict[str, Any]]] = {}
        self._suites: dict[tuple[str, str], Any] = {}
        self._outcomes: dict[str, list[Outcome]] = {}
        self._night_columns: dict[str, list[pa.Table]] = {}
        self._definitions: dict[str, object] = {}
        self._datasource = None

    def _table(self, table: str) -> list[dict[str, Any]]:
        if table not in self._specs:
            spec = suites.load_suite(table)
            expectations = []
            for index, expectation in enumerate(spec["expectations"]):
                expectation = json.loads(json.dumps(expectation))
                expectation["meta"] = {**expectation.get("meta", {}), "broadsheet_index": index}
                expectations.append(expectation)
            self._specs[table] = expectations
            self._outcomes[table] = [
                Outcome(suite=spec["name"], expectation=e["type"], column=suites.column_label(e),
                        kwargs=e.get("kwargs", {}), severity=suites.severity(e), level=suites.level(e),
                        scope=suites.scope(e), why=e["meta"].get("why")) for e in expectations]
        return self._specs[table]

    def _suite(self, table: str, part: str, expectations: list[dict[str, Any]]):
        key = (table, part)
        if key not in self._suites:
            self._suites[key] = build_suite(self.gx, {"name": f"{table}.{part}", "expectations": expectations})
        return self._suites[key]

    def _batch_definition(self, table: str):
        """The table's dataframe asset, set up once per night (each change rewrites GX's config file)."""
        if table not in self._definitions:
            if self._datasource is None:
                self._datasource = self.context.data_sources.add_or_update_pandas(DATASOURCE)
            datasource = self._datasource
            try:
                asset = datasource.get_asset(table)
            except LookupError:
                asset = datasource.add_dataframe_asset(table)
            try:
                self._definitions[table] = asset.get_batch_definition(BATCH_DEFINITION)
            except KeyError:
                self._definitions[table] = asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)
        return self._definitions[table]

    def _run(self, table: str, suite, frame: pd.DataFrame):
        batch = self._batch_definition(table).get_batch(batch_parameters={"dataframe": frame})
        return batch.validate(suite, result_format={"result_format": "COMPLETE",
                                                     "partial_unexpected_count": SAMPLE_SIZE})

    def validate(self, table: str, chunk: pa.Table) -> TableVerdict:
        """Run the row-scope expectations on one chunk (row failures keyed by position in the
        chunk) and keep its narrow columns for the night-scope ones."""
        expectations = self._table(table)
        per_rows = [e for e in expectations if suites.scope(e) == "rows"]
        night = [e for e in expectations if suites.scope(e) == "night"]
        wanted = sorted({c for e in night for c in suites.columns_of(e)} | {chunk.column_names[0]})
        self._night_columns.setdefault(table, []).append(chunk.select([c for c in wanted if c in chunk.column_names]))
        verdict = TableVerdict(table)
        if not per_rows:
            return verdict
        result = self._run(table, self._suite(table, "rows", per_rows), chunk.to_pandas())
        for outcome in result.results:
            index = outcome.expectation_config.meta["broadsheet_index"]
            record = self._outcomes[table][index]
            if self._failed_to_run(record, outcome):
                continue
            found = outcome.result or {}
            record.ran = True
            record.element_count += int(found.get("element_count") or 0)
            record.missing_count += int(found.get("missing_count") or 0)
            record.unexpected_count += int(found.get("unexpected_count") or 0)
            room = SAMPLE_SIZE - len(record.sample)
            if room > 0:
                record.sample.extend((found.get("partial_unexpected_list") or [])[:room])
            if record.level == "row" and not outcome.success:
                for position in found.get("unexpected_index_list") or []:
                    position = position if isinstance(position, int) else position.get("index")
                    verdict.row_failures.setdefault(int(position), []).append(record.description)
        return verdict

    @staticmethod
    def _failed_to_run(record: Outcome, outcome) -> bool:
        info = outcome.exception_info or {}
        if info.get("raised_exception"):
            record.ran, record.success = True, False
            record.error = f"raised {info.get('exception_message')}"
            return True
        return False

    def finish(self) -> list[Outcome]:
        """The night's outcomes, every suite once: summed row-scope verdicts, then the night-scope
        expectations run on the night's columns."""
        for table, expectations in self._specs.items():
            records = self._outcomes[table]
            for record, expectation in zip(records, expectations):
                if record.scope == "rows" and record.ran and not record.error:
                    self._settle(record, expectation)
            night = [e for e in expectations if suites.scope(e) == "night"]
            if night:
                self._run_night(table, night, records)
        return [record for table in self._specs for record in self._outcomes[table]]

    @staticmethod
    def _settle(record: Outcome, expectation: dict[str, Any]) -> None:
        checked = record.element_count - record.missing_count
        share = record.unexpected_count / checked if checked else 0.0
        mostly = expectation.get("kwargs", {}).get("mostly")
        record.success = share <= 1 - mostly + 1e-12 if mostly is not None else record.unexpected_count == 0
        record.observed_value = f"{record.unexpected_count} of {checked} unexpected ({share:.2%})"

    def _run_night(self, table: str, night: list[dict[str, Any]], records: list[Outcome]) -> None:
        parts = self._night_columns.pop(table, [])
        frame = pa.concat_tables(parts, promote_options="default").to_pandas() if parts else pd.DataFrame()
        runnable = []
        for expectation in night:
            record = records[expectation["meta"]["broadsheet_index"]]
            if "history" in expectation["meta"]:
                kwargs = resolve_history(expectation, self.history.get(table, []))
                if kwargs is None:
                    record.ran, record.observed_value = True, f"{len(frame)} rows; no previous nights to compare with"
                    record.element_count = len(frame)
                    continue
                expectation = {**expectation, "kwargs": kwargs}
                record.kwargs = kwargs
            runnable.append(expectation)
        if not runnable:
            return
        result = self._run(table, build_suite(self.gx, {"name": f"{table}.night", "expectations": runnable}), frame)
        for outcome in result.results:
            record = records[outcome.expectation_config.meta["broadsheet_index"]]
            if self._failed_to_run(record, outcome):
                continue
            found = outcome.result or {}
            record.ran, record.success = True, bool(outcome.success)
            record.element_count = int(found.get("element_count") or len(frame))
            record.unexpected_count = int(found.get("unexpected_count") or 0)
            record.sample = list((found.get("partial_unexpected_list") or [])[:SAMPLE_SIZE])
            record.observed_value = found.get("observed_value")
            if record.observed_value is None and "unexpected_count" in found:
                record.observed_value = f"{record.unexpected_count} of {record.element_count} unexpected"


def critical_failures(outcomes: list[Outcome]) -> list[str]:
    """What blocks the night: failed critical expectations."""
    return [f"{o.suite}: {o.description}" + (f" ({o.observed_value})" if o.observed_value is not None else "")
            for o in outcomes if o.severity == "critical" and not o.success]


def warnings(outcomes: list[Outcome]) -> list[str]:
    return [f"{o.suite}: {o.description}" for o in outcomes if o.severity == "warning" and not o.success]


def validate_frames(frames: dict[str, pd.DataFrame], warehouse,
                    history: dict[str, list[int]] | None = None) -> tuple[dict[str, TableVerdict], list[Outcome]]:
    """Validate whole frames, one per table, as one chunk each: the row verdicts and the outcomes."""
    validator = Validator(warehouse, history)
    verdicts = {table: validator.validate(table, pa.Table.from_pandas(frame, preserve_index=False))
                for table, frame in frames.items()}
    return verdicts, validator.finish()
