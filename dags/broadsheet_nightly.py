"""Broadsheet's nightly ingestion: wiring only; every task calls a stage of `pipeline.stages`.

    plan -> extract (one task per shard) -> dedup -> enrich (one task per shard) -> validate -> publish
                                                                    any failure -> record_failure

Nothing heavy is imported at module level: the scheduler parses this file constantly. `plan`
returns the night's shard ids and the shard tasks are mapped over them; every task finds its run
(warehouse, run id, ingest date) from the Airflow context, and the data lives in the warehouse's
staging area, never in XCom, so the shard tasks spread over whatever workers the executor has.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from airflow.sdk import dag, task

# How many shard tasks of one night may run at once (each takes a core and about 1 GB).
SHARD_TASKS = int(os.environ.get("BROADSHEET_SHARD_TASKS", "16"))
LOCK_WAIT_SECONDS = 300    # how long a night waits for another run to leave the warehouse


def _setting(name: str) -> str:
    """Where the warehouse (BROADSHEET_WAREHOUSE) or the sources file (BROADSHEET_CONFIG) is: the
    environment variable, else the Airflow Variable of the same name in lower case. Never a path
    relative to this file, which a DAG bundle puts somewhere else on every worker."""
    from airflow.sdk import Variable
    from airflow.sdk.exceptions import AirflowFailException
    value = os.environ.get(name) or Variable.get(name.lower(), default=None)
    if not value:
        raise AirflowFailException(f"set {name} in the workers' environment, or the Airflow Variable {name.lower()}")
    if "://" not in value and not Path(value).is_absolute():
        raise AirflowFailException(f"{name} must be an absolute path or an s3:// URI, not {value!r}")
    return value


def _ingest_date(context) -> str:
    logical = context.get("logical_date") or context["dag_run"].run_after
    return logical.date().isoformat()


def _night(context):
    """The run every task of this DAG run works for, the same in every task and on every worker."""
    from pipeline.stages.context import RunContext, safe_name
    return RunContext(_setting("BROADSHEET_WAREHOUSE"), safe_name(context["run_id"]), _ingest_date(context))


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
    def plan(**context) -> list[str]:
        """Open (or resume) the night and cut its sources into shards; a bad config fails at once."""
        from datetime import date
        from airflow.sdk.exceptions import AirflowFailException
        from pipeline.config import ConfigError, load_config
        from pipeline.stages import plan, publish
        from pipeline.stages.context import open_night, working
        night = _night(context)
        try:
            config = load_config(_setting("BROADSHEET_CONFIG"))
        except ConfigError as error:   # not worth a retry: the file must be fixed
            raise AirflowFailException(f"config error: {error}") from error
        # Another run in the warehouse (a night of another date, a CLI run): wait a while, then
        # fail this try; the retry comes back later.
        with working(night, wait_seconds=LOCK_WAIT_SECONDS):
            ctx = open_night(night.warehouse, date.fromisoformat(night.ingest_date), config, night.run_id)
            try:
                plan.run(ctx)
            except ConfigError as error:
                publish.record_failure(ctx, f"config error: {error}")
                raise AirflowFailException(f"config error: {error}") from error
        return [shard.id for shard in ctx.staging.shards()]

    @task(map_index_template="{{ shard }}", max_active_tis_per_dagrun=SHARD_TASKS)
    def extract(shard: str, **context) -> dict:
        from pipeline.stages.context import working
        from pipeline.workers import run_shard
        with working(night := _night(context)):
            return run_shard("extract", night, shard).to_dict()

    @task(trigger_rule="none_failed")   # a night with no shards still publishes its rejects and runs row
    def dedup(**context) -> dict:
        from pipeline.stages import dedup
        from pipeline.stages.context import working
        with working(night := _night(context)):
            return dedup.run(night).to_dict()

    @task(map_index_template="{{ shard }}", max_active_tis_per_dagrun=SHARD_TASKS)
    def enrich(shard: str, **context) -> dict:
        from pipeline.stages.context import working
        from pipeline.workers import run_shard
        with working(night := _night(context)):
            return run_shard("enrich", night, shard).to_dict()

    @task(trigger_rule="none_failed")
    def validate(**context) -> dict:
        from airflow.sdk.exceptions import AirflowFailException
        from pipeline.stages import validate
        from pipeline.stages.context import RunFailed, working
        try:
            with working(night := _night(context)):
                return validate.run(night).to_dict()
        except RunFailed as failure:  # the data, not the machine: a retry would fail the same way
            raise AirflowFailException(str(failure)) from failure

    @task(trigger_rule="none_failed")
    def publish(**context) -> dict:
        from pipeline.stages import publish
        from pipeline.stages.context import working
        with working(night := _night(context), release_at_end=True):   # the night is over
            return publish.run(night)

    @task(trigger_rule="one_failed", retries=0)
    def record_failure(**context) -> None:
        """Write the failed night into `runs`, then fail, so the DAG run itself shows the failure."""
        from airflow.sdk.exceptions import AirflowFailException
        from pipeline.stages import publish
        from pipeline.stages.context import working
        with working(night := _night(context), wait_seconds=LOCK_WAIT_SECONDS, release_at_end=True):
            message = publish.record_failure(night)
        raise AirflowFailException(f"the night failed and published nothing: {message}")

    shards = plan()
    extracted = extract.expand(shard=shards)
    enriched = enrich.expand(shard=shards)
    steps = [extracted, dedup(), enriched, validate(), publish()]
    for upstream, downstream in zip(steps, steps[1:]):
        upstream >> downstream
    steps >> record_failure()


broadsheet_nightly()
