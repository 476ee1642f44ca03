"""`[core] hostname_callable` for test workers that share one machine: each reports its own name.

Airflow records this name as the task instance's `hostname`, so two workers on one host are told
apart in the metadata DB exactly as two machines would be.
"""
import os
import socket


def hostname() -> str:
    return os.environ.get("CELERY_HARNESS_HOSTNAME") or socket.getfqdn()
