"""An example of a job hung on fresh data: runs whenever `broadsheet_nightly` publishes the
`articles` Asset, and logs what the new night brought per source (from `source_health`).

Copy it to hang your own job on a table: schedule on the table's Asset (pipeline.dagsupport.assets);
each asset event's `extra` names the night (`ingest_date`, `run_id`, and `rows` where counted).
"""
from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, task

from pipeline.dagsupport import assets

ARTICLES = assets()["articles"]


@dag(dag_id="broadsheet_fresh_articles", schedule=[ARTICLES], start_date=datetime(2026, 1, 1),
     catchup=False, tags=["broadsheet", "example"], doc_md=__doc__)
def broadsheet_fresh_articles():
    @task(inlets=[ARTICLES])
    def report_fresh_articles(**context) -> list[dict]:
        from pipeline.dagsupport import setting
        from pipeline.stages.freshness import night_by_source
        nights = [event.extra["ingest_date"] for events in context["triggering_asset_events"].values()
                  for event in events if event.extra.get("ingest_date")]
        return [row for day in sorted(set(nights)) for row in night_by_source(setting("BROADSHEET_WAREHOUSE"), day)]

    report_fresh_articles()


broadsheet_fresh_articles()
