"""What the DAG files share, kept out of them so they stay wiring: where the warehouse and the
sources file are, which night a DAG run works for, and the tables as Airflow Assets.

Light on purpose: the scheduler and the dag-processor import this with every parse, so nothing
here imports more than the standard library and the Airflow SDK at module level.
"""
from __future__ import annotations

import os
from pathlib import Path

from pipeline.store.tables import NIGHTLY_TABLES, asset_uri


def assets() -> dict:
    """Each table a night publishes as an Airflow Asset (named after the table)."""
    from airflow.sdk import Asset
    return {table: Asset(name=table, uri=asset_uri(table), group="broadsheet") for table in NIGHTLY_TABLES}


def setting(name: str) -> str:
    """Where the warehouse (BROADSHEET_WAREHOUSE) or the sources file (BROADSHEET_CONFIG) is: the
    environment variable, else the Airflow Variable of the same name in lower case. Never a path
    relative to the DAG file, which a DAG bundle puts somewhere else on every worker."""
    from airflow.sdk import Variable
    from airflow.sdk.exceptions import AirflowFailException
    value = os.environ.get(name) or Variable.get(name.lower(), default=None)
    if not value:
        raise AirflowFailException(f"set {name} in the workers' environment, or the Airflow Variable {name.lower()}")
    if "://" not in value and not Path(value).is_absolute():
        raise AirflowFailException(f"{name} must be an absolute path or an s3:// URI, not {value!r}")
    return value


def ingest_date(context) -> str:
    """The night a DAG run ingests: the `ingest_date` param when given, else the run's logical date
    (so a backfill over a range runs one night per date)."""
    from datetime import date
    from airflow.sdk.exceptions import AirflowFailException
    chosen = (context.get("params") or {}).get("ingest_date")
    if chosen:
        try:
            return date.fromisoformat(str(chosen)).isoformat()
        except ValueError:
            raise AirflowFailException(f"param ingest_date must be YYYY-MM-DD, not {chosen!r}") from None
    logical = context.get("logical_date") or context["dag_run"].run_after
    return logical.date().isoformat()


def chosen_sources(context) -> list[str]:
    """The `sources` param: names of the sources to run (empty: every source of the file)."""
    return list((context.get("params") or {}).get("sources") or [])


def night(context):
    """The run every task of this DAG run works for, the same in every task and on every worker."""
    from pipeline.stages.context import RunContext, safe_name
    return RunContext(setting("BROADSHEET_WAREHOUSE"), safe_name(context["run_id"]), ingest_date(context))
