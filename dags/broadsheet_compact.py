"""Weekly maintenance: Delta optimize (z-order by each table's `sort_by`, else compaction) and
vacuum past the retention, every table under the warehouse lock, without changing a row: row
counts and a content checksum per table before and after are recorded in `compactions`
(pipeline/store/compaction.py). A changed checksum fails the run, naming the table.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Param, dag, task

from pipeline.dagsupport import setting


@dag(dag_id="broadsheet_compact", schedule="@weekly", start_date=datetime(2026, 1, 1), catchup=False,
     max_active_runs=1, tags=["broadsheet", "maintenance"], doc_md=__doc__,
     default_args={"retries": 1, "retry_delay": timedelta(minutes=30)},
     params={"retention_days": Param(30, type="integer", minimum=0,
                                     description="Versions younger than this stay readable (time travel).")})
def broadsheet_compact():
    @task
    def compact(**context) -> list[dict]:
        from pipeline.store.compaction import compact
        rows = compact(setting("BROADSHEET_WAREHOUSE"), retention_days=int(context["params"]["retention_days"]))
        return [{k: row[k] for k in ("table", "files_before", "files_after", "rows_after", "unchanged")}
                for row in rows]

    compact()


broadsheet_compact()
