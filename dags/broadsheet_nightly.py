"""Broadsheet's nightly ingestion: wiring only; every task calls a stage of `pipeline.stages`.

    plan -> extract (one task per shard) -> dedup -> enrich (one task per shard) -> validate -> publish
                                                                    any failure -> record_failure

Nothing heavy is imported at module level: the scheduler parses this file constantly. `plan`
returns the night's shard ids and the shard tasks are mapped over them; every task finds its run
(warehouse, run id, ingest date) from the Airflow context, and the data lives in the warehouse's
staging area, never in XCom, so the shard tasks spread over whatever workers the executor has.

The ingest date is the run's logical date (so `airflow backfill create --dag-id broadsheet_nightly
--from-date ... --to-date ...` runs one night per date, and a rerun of a date replaces it), unless
the `ingest_date` param says otherwise; the `sources` param runs only the named sources. `publish`
has every table as an outlet Asset (`broadsheet_fresh_articles` is scheduled on `articles`).
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta

from airflow.sdk import Param, dag, task

from pipeline.dagsupport import assets, chosen_sources, night as _night, setting as _setting

# How many shard tasks of one night may run at once (each takes a core and about 1 GB).
SHARD_TASKS = int(os.environ.get("BROADSHEET_SHARD_TASKS", "16"))
LOCK_WAIT_SECONDS = 300    # how long a night waits for another run to leave the warehouse
TABLE_ASSETS = assets()


@dag(
    dag_id="broadsheet_nightly",
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5), "retry_exponential_backoff": True},
    tags=["broadsheet"],
    doc_md=__doc__,
    params={
        "ingest_date": Param(None, type=["null", "string"], format="date",
                             description="The night to ingest (YYYY-MM-DD); empty: the run's logical date."),
        "sources": Param([], type="array", items={"type": "string"},
                         description="Names of the sources to run; empty: every source of the sources file."),
    },
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
            config = load_config(_setting("BROADSHEET_CONFIG")).only(chosen_sources(context))
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

    @task(trigger_rule="none_failed", outlets=list(TABLE_ASSETS.values()))
    def publish(**context) -> dict:
        """Publish the night; each table's Asset gets an event saying which night it now holds."""
        from pipeline.stages import publish
        from pipeline.stages.context import working
        with working(night := _night(context), release_at_end=True):   # the night is over
            summary = publish.run(night)
        for table, asset in TABLE_ASSETS.items():
            context["outlet_events"][asset].extra = {
                "ingest_date": night.ingest_date, "run_id": night.run_id,
                **({"rows": summary[table]} if table in summary else {})}
        return summary

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
