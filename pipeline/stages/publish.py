"""Publish, once per night: swap the validated tables into the warehouse for the date, atomically;
or, when the night failed, record why in `runs` and publish nothing else."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any

from pipeline.report.page import refresh_report
from pipeline.stages.context import RunContext, run_meta
from pipeline.store.catalog import refresh_catalog
from pipeline.store.delta import commit_table, publish_night
from pipeline.store.failpoints import failpoint
from pipeline.store.parquet import count_rows, write_parquet_atomic
from pipeline.store.schemas import NIGHTLY_TABLES, to_arrow
from pipeline.store.url_state import mark_published

log = logging.getLogger("broadsheet.publish")

# A failed night publishes none of its data, but its validation results and source health (the why).
REPORTED_WHEN_FAILED = ("validations", "source_health")
SUMMARY_KEYS = ("run_id", "ingest_date", "status", "inputs", "articles", "entities", "quotes", "rejects",
                "duplicates")


def run_row(ctx: RunContext, status: str, message: str | None, validation_success: bool) -> dict[str, Any]:
    """The night's `runs` row: what it read, what it stored, and what each step counted."""
    staging = ctx.staging
    counts = staging.step_counts()
    published = status == "success"
    inputs = sum(v for k, v in counts.get("plan", {}).items() if k.startswith("rejected_")) \
        + counts.get("extract", {}).get("inputs", 0)
    return {
        "run_id": ctx.run_id, "ingest_date": ctx.date,
        "started_at": datetime.fromisoformat(run_meta(ctx)["started_at"]),
        "finished_at": datetime.now(timezone.utc), "status": status,
        "inputs": inputs,
        **{table: count_rows(staging.storage, staging.final(table)) if published else 0
           for table in ("articles", "entities", "quotes", "rejects")},
        "duplicates": counts.get("dedup", {}).get("duplicates", 0),
        "validation_success": validation_success, "message": message,
        "stage_counts": json.dumps({**counts, "reconcile": _reconciliation(ctx)}, sort_keys=True),
    }


def _reconciliation(ctx: RunContext) -> dict[str, Any]:
    """Inputs against fates per source, as validation reconciled them (empty before it did)."""
    storage, path = ctx.staging.storage, ctx.staging.reconciliation_file
    return json.loads(storage.read_text(path)) if storage.exists(path) else {}


def run(ctx: RunContext, shard: str | None = None) -> dict[str, Any]:
    """Publish the night; returns its summary (the `runs` row's counts)."""
    staging, storage = ctx.staging, ctx.storage
    row = run_row(ctx, "success", None, True)
    write_parquet_atomic(storage, staging.final("runs"), to_arrow("runs", [row]))
    failpoint("publish:begin")
    publish_night(storage, ctx.run_id, run_meta(ctx)["publish_id"], ctx.date,
                  {name: staging.final(name) for name in NIGHTLY_TABLES}, staging.root)
    mark_published(storage, ctx.date)
    refresh_catalog(storage)
    refresh_report(storage, ctx.date)
    summary = {key: row[key] for key in SUMMARY_KEYS}
    summary["ingest_date"] = ctx.ingest_date
    checked = json.loads(row["stage_counts"]).get("validate", {})
    summary["warnings"] = checked.get("warnings", 0)
    summary["drift_flags"] = checked.get("drift_flags", 0)
    summary["data_docs"] = checked.get("data_docs")
    summary["drifting_sources"] = checked.get("drifting_sources")
    log.info("published %s", summary)
    return summary


def record_interruption(ctx: RunContext, stage: str, why: str) -> None:
    """A night stopped part-way (a signal, a lost worker): `runs` shows it, with the stage it had
    reached; its staging stays for the rerun that resumes it. Recording is best effort: the stop
    must not turn into a failure."""
    staging, storage = ctx.staging, ctx.storage
    try:
        if not staging.exists():
            return
        row = run_row(ctx, "interrupted", f"{why} during {stage}; run the night again to resume", True)
        attempt = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        staged = write_parquet_atomic(storage, staging.interrupted_run(attempt), to_arrow("runs", [row]))
        commit_table(storage, "runs", ctx.date, staged, ctx.run_id, f"{run_meta(ctx)['publish_id']}:interrupted:{attempt}")
        storage.delete(staged)
    except Exception as error:
        log.warning("could not record the interruption of %s in runs: %s", ctx.run_id, error)


def record_failure(ctx: RunContext, message: str | None = None) -> str:
    """A failed night publishes no data, but `runs` says that it failed and why (returned)."""
    staging, storage = ctx.staging, ctx.storage
    if not staging.exists():
        return message or "the run failed before it began"
    if message is None:
        message = (storage.read_text(staging.failure_file) if storage.exists(staging.failure_file)
                   else "a task failed; see the task logs")
    validation_success = not message.startswith("batch validation failed")
    row = run_row(ctx, "failed", message[:2000], validation_success)
    publish_id = run_meta(ctx)["publish_id"]
    # what validation found is the operator's first question about a failed night
    for table in REPORTED_WHEN_FAILED:
        if storage.exists(staging.final(table)):
            commit_table(storage, table, ctx.date, staging.final(table), ctx.run_id, f"{publish_id}:failed")
    staged = write_parquet_atomic(storage, staging.failed_run, to_arrow("runs", [row]))
    commit_table(storage, "runs", ctx.date, staged, ctx.run_id, publish_id + ":failed")
    refresh_catalog(storage)
    refresh_report(storage, ctx.date)   # the failed night shows in the report too
    staging.remove()
    return message

