"""Reusable test harnesses: real servers started as separate processes on 127.0.0.1.

- `support.s3server`: an S3-compatible HTTP server (moto) with a bucket, and the AWS_* settings
  any process needs to reach it (fixture `s3_server`, session scope).
- `support.services`: reachability of the PostgreSQL and Redis the distributed tests use, with a
  skip that says how to start them.
- `support.celery_airflow`: Airflow 3 with the CeleryExecutor, PostgreSQL metadata, a Redis broker
  and two Celery workers (fixture `celery_airflow`, module scope).

`tests/conftest.py` imports the fixtures, so any test module can ask for them by name.
"""
