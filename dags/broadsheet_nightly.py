"""Broadsheet's nightly ingestion: wiring only; every task calls into the `pipeline` package.

Nothing heavy is imported at module level: the scheduler parses this file constantly. Tasks pass
the run context (a small dict of strings) between them, never data; the data lives in the
warehouse's staging area, so tasks can run on different workers that share the warehouse.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from airflow.sdk import dag, task

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _location(variable: str, default: str) -> str:
    """Same defaults as the CLI; a relative path is taken from the project root, not the worker's cwd."""
    path = Path(os.environ.get(variable) or default)
    return str(path if path.is_absolute() else PROJECT_ROOT / path)


def _ingest_date(context) -> str:
    logical = context.get("logical_date") or context["dag_run"].run_after
    return logical.date().isoformat()


@dag(
    dag_id="broadsheet_nightly",
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5), "retry_exponential_backoff": True},
    tags=["broadsheet"],
    doc_md=__doc__,
)
def broadsheet_nightly():
    @task
    def begin(**context) -> dict:
        from datetime import date
        from pipeline.run import begin_run
        ctx = begin_run(_location("BROADSHEET_WAREHOUSE", "warehouse"),
                        date.fromisoformat(_ingest_date(context)), run_id=context["run_id"])
        return ctx.to_dict()

    @task
    def list_sources() -> list[str]:
        from pipeline.config import load_config
        return [s["name"] for s in load_config(_location("BROADSHEET_CONFIG", "config/sources.yaml")).sources]

    @task(map_index_template="{{ source_name }}")
    def extract(ctx: dict, source_name: str) -> dict:
        from pipeline.config import load_config
        from pipeline.run import RunContext, extract_source
        config = load_config(_location("BROADSHEET_CONFIG", "config/sources.yaml"))
        return extract_source(RunContext(**ctx), config, source_name)

    @task
    def deduplicate(ctx: dict, extracted: list[dict]) -> dict:
        from pipeline.run import RunContext, deduplicate
        return deduplicate(RunContext(**ctx))

    @task
    def enrich(ctx: dict, deduped: dict) -> dict:
        from pipeline.run import RunContext, enrich
        return enrich(RunContext(**ctx))

    @task
    def validate(ctx: dict, enriched: dict) -> dict:
        from airflow.sdk.exceptions import AirflowFailException
        from pipeline.run import RunContext, RunFailed, validate
        try:
            return validate(RunContext(**ctx))
        except RunFailed as failure:  # the data, not the machine: a retry would fail the same way
            raise AirflowFailException(str(failure)) from failure

    @task
    def publish(ctx: dict, validated: dict) -> dict:
        from pipeline.run import RunContext, publish
        return publish(RunContext(**ctx))

    @task(trigger_rule="one_failed", retries=0)
    def record_failure(ctx: dict) -> None:
        """Write the failed night into `runs`, then fail, so the DAG run itself shows the failure."""
        from airflow.sdk.exceptions import AirflowFailException
        from pipeline.run import RunContext, record_failure
        message = record_failure(RunContext(**ctx))
        raise AirflowFailException(f"the night failed and published nothing: {message}")

    ctx = begin()
    extracted = extract.partial(ctx=ctx).expand(source_name=list_sources())
    published = publish(ctx, validate(ctx, enrich(ctx, deduplicate(ctx, extracted))))
    failure = record_failure(ctx)
    published >> failure


broadsheet_nightly()
