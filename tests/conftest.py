"""Fixtures shared by every test module (see tests/support/__init__.py)."""
from support.celery_airflow import celery_airflow, celery_worker_env, postgres_server, redis_server  # noqa: F401
from support.s3server import s3_env, s3_server  # noqa: F401
