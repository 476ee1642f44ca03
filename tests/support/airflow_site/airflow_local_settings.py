"""Cluster policy for the test cluster only (on PYTHONPATH of the processes `support.celery_airflow` starts).

Airflow imports `airflow_local_settings` from sys.path; `task_policy` runs for every task when the
dag-processor parses a DAG, so what it changes is what the scheduler stores and acts on. Here it
shortens the wait between a failed try and the next one, so a test that kills a worker sees the
retry in seconds instead of the DAG's production retry_delay (minutes, with exponential backoff).
The DAG files themselves stay as they are.
"""
from __future__ import annotations

import os
from datetime import timedelta


def task_policy(task) -> None:
    seconds = os.environ.get("CELERY_HARNESS_RETRY_DELAY_SECONDS")
    if seconds:
        delay = timedelta(seconds=float(seconds))
        task.retry_delay = delay
        task.max_retry_delay = delay   # caps retry_exponential_backoff too
