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


HEAVY = ("spacy", "great_expectations", "trafilatura", "newspaper", "pandas", "pyarrow", "deltalake", "duckdb",
         "polars")


@pytest.mark.parametrize("dag_file", sorted(p.name for p in (ROOT / "dags").glob("*.py")))
def test_dag_file_parses_in_under_a_second_without_heavy_imports(dag_file):
    # the dag-processor has Airflow loaded already; what the file itself costs is what counts
    code = ("import json, sys, time; import airflow.sdk; from airflow.sdk import DAG; import runpy; "
            f"t = time.perf_counter(); found = runpy.run_path('dags/{dag_file}'); took = time.perf_counter() - t; "
            "dags = [v.dag_id for v in found.values() if isinstance(v, DAG)]; "
            f"heavy = [m for m in {HEAVY!r} if m in sys.modules]; "
            "print(json.dumps({'seconds': took, 'heavy': heavy}))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    parsed = json.loads(result.stdout.strip().splitlines()[-1])
    assert parsed["heavy"] == [] and parsed["seconds"] < 1.0, parsed


def asset_events(home: Path) -> list[tuple[str, dict]]:
    import sqlite3
    with sqlite3.connect(home / "airflow.db") as db:
        rows = db.execute("SELECT a.name, e.extra FROM asset_event e JOIN asset a ON a.id = e.asset_id "
                          "ORDER BY e.id").fetchall()
    return [(name, json.loads(extra)) for name, extra in rows]


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
    # the publish task's outlets: one event per table, naming the night
    events = dict(asset_events(Path(airflow_env["AIRFLOW_HOME"])))
    assert {"articles", "entities", "quotes", "rejects", "runs", "validations", "source_health"} <= set(events)
    assert events["articles"]["ingest_date"] == "2026-11-22" and events["articles"]["rows"] == 1


def test_params_choose_the_sources_and_the_date(airflow_env, tmp_path):
    from support.newsgen import write_articles
    for name, seed in (("wanted", 5), ("other", 6)):
        write_articles(tmp_path / name, 2, seed=seed, paragraphs=3)
    config = tmp_path / "sources.yaml"
    config.write_text("sources:\n" + "".join(f"  - {{name: {n}, kind: files, location: {tmp_path / n}}}\n"
                                             for n in ("wanted", "other")))
    wh = tmp_path / "warehouse"
    env = {**airflow_env, "BROADSHEET_WAREHOUSE": str(wh), "BROADSHEET_CONFIG": str(config)}
    conf = json.dumps({"sources": ["wanted"], "ingest_date": "2026-10-02"})
    result = subprocess.run([str(BIN / "airflow"), "dags", "test", "broadsheet_nightly", "2026-11-21", "--conf", conf],
                            env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    query = subprocess.run([str(BIN / "broadsheet"), "sql",
                            "SELECT source, ingest_date, count(*) AS n FROM articles GROUP BY ALL",
                            "--warehouse", wh, "--format", "json"], capture_output=True, text=True)
    assert json.loads(query.stdout) == [{"source": "wanted", "ingest_date": "2026-10-02", "n": 2}]


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
