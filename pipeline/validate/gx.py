"""Run the Great Expectations suites on a batch and split the verdicts into row and batch failures.

Great Expectations costs seconds to import, so it is imported here, inside the call, never at
module import (the Airflow scheduler parses DAG files constantly).
"""
from __future__ import annotations

import logging
import hashlib
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.store.storage import Storage, WarehouseError, machine_reason
from pipeline.validate.suites import load_suite

log = logging.getLogger("broadsheet.validate")

DATASOURCE = "broadsheet"
BATCH_DEFINITION = "whole_batch"
KEEP_VALIDATION_RESULTS = 60     # per suite; Data Docs show this many recent validations


@dataclass
class TableVerdict:
    table: str
    success: bool
    row_failures: dict[int, list[str]] = field(default_factory=dict)   # row position -> reasons
    batch_failures: list[str] = field(default_factory=list)

    @property
    def batch_ok(self) -> bool:
        return not self.batch_failures


def _describe(config) -> str:
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id", "result_format")}
    columns = kwargs.pop("column", None) or "/".join(
        str(kwargs.pop(k)) for k in ("column_A", "column_B") if k in kwargs)
    detail = ", ".join(f"{k}={v}" for k, v in sorted(kwargs.items()) if k not in ("value_set", "regex"))
    why = (config.meta or {}).get("why")
    text = f"{config.type}({columns}{', ' + detail if detail else ''})"
    return f"{text}: {why}" if why else text


def context_home(storage: Storage) -> Path:
    """Where the Great Expectations file context lives: in a local warehouse, its `gx/` folder; for a
    warehouse on object storage (GX's file context needs a local folder) a local one, named after
    the warehouse, whose Data Docs are copied into the warehouse after each validation."""
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


class Validator:
    """One Great Expectations context for a run; validates batches (or chunks of them) table by table."""

    def __init__(self, warehouse):
        self.storage = Storage.of(warehouse)
        self.gx, self.context = _context(self.storage)
        self._checkpoints: dict[str, object] = {}

    def _checkpoint(self, table: str):
        if table in self._checkpoints:
            return self._checkpoints[table]
        gx, context = self.gx, self.context
        datasource = context.data_sources.add_or_update_pandas(DATASOURCE)
        try:
            asset = datasource.get_asset(table)
        except LookupError:
            asset = datasource.add_dataframe_asset(table)
        try:
            batch_definition = asset.get_batch_definition(BATCH_DEFINITION)
        except KeyError:
            batch_definition = asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)
        suite = context.suites.add_or_update(build_suite(gx, load_suite(table)))
        definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=table, data=batch_definition, suite=suite))
        checkpoint = context.checkpoints.add_or_update(gx.Checkpoint(
            name=table, validation_definitions=[definition],
            actions=[],   # Data Docs are built once per run in finish(), not once per chunk
            result_format={"result_format": "COMPLETE"}))
        self._checkpoints[table] = checkpoint
        return checkpoint

    def validate(self, table: str, frame: pd.DataFrame, run_name: str) -> TableVerdict:
        """Row failures are keyed by position in `frame`."""
        from great_expectations.core.run_identifier import RunIdentifier

        frame = frame.reset_index(drop=True)
        result = self._checkpoint(table).run(batch_parameters={"dataframe": frame},
                                             run_id=RunIdentifier(run_name=run_name))
        verdict = TableVerdict(table=table, success=result.success)
        for validation in result.run_results.values():
            for outcome in validation.results:
                if outcome.success:
                    continue
                config = outcome.expectation_config
                reason = _describe(config)
                if outcome.exception_info and outcome.exception_info.get("raised_exception"):
                    verdict.batch_failures.append(f"{reason} raised {outcome.exception_info.get('exception_message')}")
                elif config.meta.get("level") == "row":
                    for index in outcome.result.get("unexpected_index_list") or []:
                        position = index if isinstance(index, int) else index.get("index")
                        verdict.row_failures.setdefault(int(position), []).append(reason)
                else:
                    verdict.batch_failures.append(reason)
        log.info("validate %s: %d rows, %d failing rows, batch %s", table, len(frame),
                 len(verdict.row_failures), "ok" if verdict.batch_ok else "FAILED")
        return verdict


    def finish(self, keep_results: int = KEEP_VALIDATION_RESULTS) -> str:
        """Forget all but the newest validation results, then render Data Docs once; returns where
        their index is (in the warehouse: copied there when the context lives outside it).

        Rendering cost grows with the number of stored results, so they are bounded.
        """
        store = Path(self.context.root_directory) / "uncommitted" / "validations"
        for suite_dir in (p for p in store.iterdir() if p.is_dir()) if store.is_dir() else ():
            runs = sorted((p for p in suite_dir.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
            for stale in runs[:-keep_results] if len(runs) > keep_results else []:
                shutil.rmtree(stale, ignore_errors=True)
        site = Path(self.context.root_directory) / DATA_DOCS_SITE
        with _machine_failures_of_data_docs() as failures:
            self.context.build_data_docs()
        if failures:   # GX logs a full disk with its traceback and goes on; the night must not
            raise WarehouseError(f"cannot write {site}: {failures[0]}")
        if self.storage.remote:
            for local in sorted(p for p in site.rglob("*") if p.is_file()):
                self.storage.put_copy(local, self.storage.path("gx", DATA_DOCS_SITE, str(local.relative_to(site))))
        return data_docs_index(self.storage)


def validate_frames(frames: dict[str, pd.DataFrame], warehouse, run_id: str) -> dict[str, TableVerdict]:
    """Validate whole frames, one per table; Data Docs are rebuilt under the warehouse."""
    validator = Validator(warehouse)
    verdicts = {table: validator.validate(table, frame, f"{run_id}-{table}") for table, frame in frames.items()}
    validator.finish()
    return verdicts


DATA_DOCS_SITE = "uncommitted/data_docs/local_site"
SITE_BUILDER_LOG = "great_expectations.render.renderer.site_builder"


@contextmanager
def _machine_failures_of_data_docs():
    """Collect the machine failures (a full disk, a read-only folder) that GX's site builder logs
    with a whole traceback instead of raising; other records pass as they are."""
    failures: list[str] = []

    def keep(record: logging.LogRecord) -> bool:
        text = record.getMessage() + (str(record.exc_info[1]) if record.exc_info else "")
        reason = machine_reason(OSError(text))
        if reason is None:
            return True
        failures.append(reason)
        return False

    builder = logging.getLogger(SITE_BUILDER_LOG)
    builder.addFilter(keep)
    try:
        yield failures
    finally:
        builder.removeFilter(keep)


def data_docs_index(warehouse) -> str:
    """The Data Docs' entry page, inside the warehouse (a path, or an s3:// URI)."""
    storage = Storage.of(warehouse)
    return storage.uri(storage.path("gx", DATA_DOCS_SITE, "index.html"))
