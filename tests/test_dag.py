"""The real Airflow: parse the DAG, then `airflow dags test` it on SQLite in a temporary AIRFLOW_HOME."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory):
    home = tmp_path_factory.mktemp("airflow_home")
    env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
           "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
           "GX_ANALYTICS_ENABLED": "false", "SCARF_ANALYTICS": "false"}
    migrate = subprocess.run([str(BIN / "airflow"), "db", "migrate"], env=env, capture_output=True,
                             text=True, timeout=600)
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    return env


def test_dag_file_parses_quickly_without_heavy_imports():
    code = ("import sys, time; t = time.time(); import runpy; "
            "runpy.run_path('dags/broadsheet_nightly.py'); "
            "heavy = [m for m in ('spacy', 'great_expectations', 'trafilatura', 'newspaper', 'pandas') if m in sys.modules]; "
            "print(heavy)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_airflow_dags_test_runs_the_nightly_job(airflow_env, tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "a.txt").write_text(
        "Bridge inspection finds rust\n\nInspectors in Millford found rust on the east span of the "
        "Cobble Street bridge, the county engineer Hana Morales said on Wednesday. \"It is safe for "
        "now, but not for another decade,\" Morales said.\n", encoding="utf-8")
    (inputs / "empty.html").write_text("", encoding="utf-8")
    config = tmp_path / "sources.yaml"
    # one document a shard: the shard tasks are mapped twice
    config.write_text(f"sources:\n  - {{name: local, kind: files, location: {inputs}}}\nshard_size: 1\n")
    wh = tmp_path / "warehouse"
    env = {**airflow_env, "BROADSHEET_WAREHOUSE": str(wh), "BROADSHEET_CONFIG": str(config)}
    result = subprocess.run([str(BIN / "airflow"), "dags", "test", "broadsheet_nightly", "2026-11-22"],
                            env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    query = subprocess.run([str(BIN / "broadsheet"), "sql",
                            "SELECT (SELECT count(*) FROM articles) AS articles, "
                            "(SELECT count(*) FROM rejects) AS rejects, "
                            "(SELECT list(status) FROM runs) AS status, "
                            "(SELECT max(ingest_date) FROM articles) AS day",
                            "--warehouse", wh, "--format", "json"], capture_output=True, text=True)
    assert json.loads(query.stdout) == [{"articles": 1, "rejects": 1, "status": ["success"], "day": "2026-11-22"}]


def test_a_failed_night_fails_the_dag_run_records_why_and_publishes_nothing(airflow_env, tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for n in range(3):   # headline and residue only: every body is empty after cleaning
        (inputs / f"stub{n}.txt").write_text(f"Headline number {n}\n\n0 0\nLogin/Register\n", encoding="utf-8")
    config = tmp_path / "sources.yaml"
    config.write_text(f"sources:\n  - {{name: local, kind: files, location: {inputs}}}\n")
    wh = tmp_path / "warehouse"
    env = {**airflow_env, "BROADSHEET_WAREHOUSE": str(wh), "BROADSHEET_CONFIG": str(config)}
    result = subprocess.run([str(BIN / "airflow"), "dags", "test", "broadsheet_nightly", "2026-11-23"],
                            env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode != 0, "a night that published nothing must not look successful"
    query = subprocess.run([str(BIN / "broadsheet"), "sql",
                            "SELECT (SELECT count(*) FROM articles) AS articles, "
                            "(SELECT list(status) FROM runs) AS status, (SELECT max(message) FROM runs) AS why",
                            "--warehouse", wh, "--format", "json"], capture_output=True, text=True)
    [row] = json.loads(query.stdout)
    assert row["articles"] == 0 and row["status"] == ["failed"]
    assert row["why"].startswith("batch validation failed") and "expect_column_value_lengths_to_be_between" in row["why"]
