"""broadsheet_nightly on a real distributed Airflow: CeleryExecutor, two workers, PostgreSQL, Redis.

One cluster for the module (support.celery_airflow). Each night's published tables must equal what a
single process (`pipeline.run.run_all`) publishes from the same input into another warehouse, row for
row (run_id aside, order aside, duplicates counted): the split over workers loses nothing and adds
nothing. The second night loses a worker (SIGKILL, with everything it started) while it runs a
mapped task; the night must still end complete.

To follow the DAG when the mapped task changes (sources today, shards later): MAPPED_TASK names the
task expanded over the night's work; `mapped()` picks its task instances. The workers already start
with the S3 test server's AWS_* variables; for a warehouse on object storage, point
BROADSHEET_WAREHOUSE in `celery_worker_env` at `s3_server.uri("warehouse")` and the reference run at
another prefix of the bucket.
"""
from __future__ import annotations

import json
import re
import shutil
import time
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.run import run_all
from support.celery_airflow import TaskInstanceRecord
from support.newsgen import write_articles

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
DAG_ID = "broadsheet_nightly"
MAPPED_TASK = "extract"                 # the first task the DAG maps over the night's shards (then enrich)
SHARD_TASKS = ("extract", "enrich")
WORKERS = ("worker-a", "worker-b")      # the harness's default worker names (= recorded hostnames)
NIGHT_1, NIGHT_2 = date(2026, 11, 25), date(2026, 11, 26)
TABLES = ("articles", "entities", "quotes", "rejects", "article_signatures", "runs")
NOT_COMPARED = {"run_id", "started_at", "finished_at"}   # differ between any two runs by nature


def mapped(tis: list[TaskInstanceRecord]) -> list[TaskInstanceRecord]:
    return [t for t in tis if t.task_id == MAPPED_TASK and t.map_index >= 0]


@pytest.fixture(scope="module")
def place(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("distributed")


@pytest.fixture(scope="module")
def warehouse(s3_env) -> str:
    """The cluster's warehouse: in the loopback S3 server's bucket (staging, raw pages and state too)."""
    return s3_env.uri("distributed", "warehouse")


@pytest.fixture(scope="module")
def celery_worker_env(place, s3_env, warehouse):
    """The workers start knowing where the warehouse, the sources file (rewritten per night) and the
    object store are."""
    return {"BROADSHEET_WAREHOUSE": warehouse, "BROADSHEET_CONFIG": str(place / "sources.yaml"), **s3_env.env}


@pytest.fixture(scope="module")
def reference(place) -> Path:
    """The single-process warehouse the cluster's results are compared with (nights run in the same order)."""
    return place / "reference"


def write_sources(place: Path, folders: dict[str, Path], shard_size: int) -> Path:
    """sources.yaml with one `files` source over all the folders, cut into shards of `shard_size`
    documents; replaced atomically (the workers read it per task)."""
    config = place / "sources.yaml"
    lines = ["sources:", "  - name: night", "    kind: files", "    location:"]
    lines += [f"      - {json.dumps(str(path))}" for path in folders.values()]
    lines += [f"shard_size: {shard_size}"]
    tmp = config.with_name(".sources.yaml.tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(config)
    return config


def night_one_inputs(base: Path) -> dict[str, Path]:
    """The bundled samples spread over seven sources, plus a source of inputs that can only be rejects."""
    groups = {"scraped-1": sorted((SAMPLES / "scraped").glob("*.txt"))[:5],
              "scraped-2": sorted((SAMPLES / "scraped").glob("*.txt"))[5:],
              "web-1": sorted((SAMPLES / "web").glob("*.html"))[:4],
              "web-2": sorted((SAMPLES / "web").glob("*.html"))[4:7],
              "web-3": sorted((SAMPLES / "web").glob("*.html"))[7:],
              "wire": sorted((SAMPLES / "wire").glob("*.html"))}
    folders = {}
    for name, files in groups.items():
        folders[name] = base / name
        folders[name].mkdir(parents=True)
        for path in files:
            shutil.copy(path, folders[name] / path.name)
    folders["junk"] = base / "junk"
    folders["junk"].mkdir()
    (folders["junk"] / "empty.html").write_text("", encoding="utf-8")
    (folders["junk"] / "notes.pdf").write_bytes(b"%PDF-1.4 not an article")
    (folders["junk"] / "binary.txt").write_bytes(bytes(range(256)) * 4)
    return folders


def night_two_inputs(base: Path, sources: int = 6, per_source: int = 25) -> dict[str, Path]:
    """Heavy pages (long menus and comment threads around short articles): each source takes seconds
    to extract, so a worker can be killed while it is in the middle of one. One source also carries
    a copy of a first-night article, which must be rejected as a duplicate of the earlier date."""
    folders = {}
    for number in range(sources):
        folders[f"heavy-{number}"] = base / f"heavy-{number}"
        write_articles(folders[f"heavy-{number}"], per_source, seed=2, start=number * per_source,
                       paragraphs=4, chrome=600)
    shutil.copy(SAMPLES / "web" / "acme_layoffs.html", folders["heavy-0"] / "acme_layoffs_again.html")
    return folders


# runs.stage_counts names the night's Data Docs page, which is named after the run: not compared
_RUNS_PAGE = re.compile(r"(/data_docs/local_site/nights/[0-9-]+/)[^\"\\]+\.html")


def published(warehouse) -> dict[str, Counter]:
    """Every published row of every table, as canonical JSON, counted (a multiset per table)."""
    from pipeline.store.catalog import connect
    tables = {}
    with connect(warehouse) as con:
        for table in TABLES:
            columns = [row[0] for row in con.execute(f"DESCRIBE {table}").fetchall() if row[0] not in NOT_COMPARED]
            cursor = con.execute(f"SELECT {', '.join(columns)} FROM {table}")
            tables[table] = Counter(
                _RUNS_PAGE.sub(r"\1<run>.html", json.dumps(dict(zip(columns, row)), sort_keys=True, default=str)
                               .replace(str(warehouse), "<warehouse>"))
                for row in cursor.fetchall())
    return tables


def assert_same_tables(cluster_warehouse, reference_warehouse) -> dict[str, int]:
    got, want = published(cluster_warehouse), published(reference_warehouse)
    for table in TABLES:
        missing, extra = want[table] - got[table], got[table] - want[table]
        assert not missing and not extra, (
            f"{table}: {sum(missing.values())} rows missing from the cluster's warehouse, "
            f"{sum(extra.values())} extra (doubled or different); e.g. missing {list(missing)[:2]} extra {list(extra)[:2]}")
    return {table: sum(want[table].values()) for table in TABLES}


def assert_night_complete(tis: list[TaskInstanceRecord]) -> None:
    states = {(t.task_id, t.map_index): t.state for t in tis}
    assert states.pop(("record_failure", -1)) == "skipped", "record_failure ran: a task failed"
    assert set(states.values()) == {"success"}, states


def test_a_night_spread_over_two_workers_publishes_what_one_process_does(celery_airflow, place, reference, warehouse):
    started = time.monotonic()
    write_sources(place, night_one_inputs(place / "night-1"), shard_size=4)   # 25 inputs: 7 shards
    run_id = celery_airflow.trigger(DAG_ID, NIGHT_1, conf={"note": "distributed test, night 1"})
    state = celery_airflow.wait_for_run(DAG_ID, run_id, timeout=600)
    tis = celery_airflow.task_instances(DAG_ID, run_id)
    assert state == "success", tis
    assert_night_complete(tis)

    work = mapped(tis)
    assert len(work) == 7 and len([t for t in tis if t.task_id == "enrich" and t.map_index >= 0]) == 7
    ran = [t for t in tis if t.state == "success"]
    assert {t.hostname for t in ran} <= set(WORKERS), f"a task ran somewhere else than the two workers: {ran}"
    per_worker = Counter(t.hostname for t in work)
    assert set(per_worker) == set(WORKERS), f"both workers should run mapped tasks: {per_worker}"
    shard_tasks = Counter(t.hostname for t in tis if t.task_id in SHARD_TASKS and t.map_index >= 0)
    assert all(t.try_number == 1 for t in ran), "no task should need a retry on a healthy night"
    distributed_seconds = time.monotonic() - started

    run_all(load_config(place / "sources.yaml"), reference, NIGHT_1)
    counts = assert_same_tables(warehouse, reference)
    assert counts["articles"] == 22 and counts["rejects"] >= 3 and counts["runs"] == 1
    print(f"\nnight 1: cluster run {distributed_seconds:.0f} s, 7 shards; shard tasks (extract + enrich) per "
          f"worker {dict(shard_tasks)}; tables {counts}, cluster start-up {celery_airflow.startup_seconds:.0f} s")


def _wait_for_a_mapped_task_running(cluster, run_id: str, timeout: float = 300.0) -> TaskInstanceRecord:
    """A mapped task instance running on a worker, preferably one that has only just started (it has
    the most work left, so the kill lands in the middle of it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tis = mapped(cluster.task_instances(DAG_ID, run_id))
        running = sorted((t for t in tis if t.state == "running" and t.hostname in WORKERS and t.start_date),
                         key=lambda t: t.start_date, reverse=True)
        waiting = [t for t in tis if t.state in (None, "scheduled", "queued")]
        if running:
            age = (datetime.now(timezone.utc) - running[0].start_date).total_seconds()
            if age < 2.0 or not waiting:
                return running[0]
        time.sleep(0.1)
    raise AssertionError(f"no mapped {MAPPED_TASK} task instance was seen running within {timeout:.0f} s")


def test_a_worker_killed_mid_task_loses_nothing_and_doubles_nothing(celery_airflow, place, reference, warehouse):
    started = time.monotonic()
    write_sources(place, night_two_inputs(place / "night-2"), shard_size=26)   # 151 inputs: 6 shards
    run_id = celery_airflow.trigger(DAG_ID, NIGHT_2, conf={"note": "distributed test, night 2"})
    victim = _wait_for_a_mapped_task_running(celery_airflow, run_id)
    killed_at = datetime.now(timezone.utc)
    celery_airflow.kill_worker(victim.hostname)
    survivor, = set(WORKERS) - {victim.hostname}

    state = celery_airflow.wait_for_run(DAG_ID, run_id, timeout=600)
    tis = celery_airflow.task_instances(DAG_ID, run_id)
    assert state == "success", tis
    assert_night_complete(tis)

    tries = [t for t in celery_airflow.task_tries(DAG_ID, run_id)
             if (t.task_id, t.map_index) == (victim.task_id, victim.map_index)]
    first, last = tries[0], tries[-1]
    assert first.try_number == victim.try_number and first.hostname == victim.hostname
    assert first.state != "success", "the killed try must not have finished: the kill came too late"
    assert last.state == "success" and last.hostname == survivor and last.try_number > first.try_number
    late = [t for t in tis if t.state == "success" and t.start_date > killed_at]
    assert late and {t.hostname for t in late} == {survivor}, "after the kill only the survivor can run tasks"
    recovery_seconds = (last.end_date - killed_at).total_seconds()
    distributed_seconds = time.monotonic() - started

    run_all(load_config(place / "sources.yaml"), reference, NIGHT_2)
    counts = assert_same_tables(warehouse, reference)
    assert counts["runs"] == 2
    per_worker = Counter(t.hostname for t in celery_airflow.task_tries(DAG_ID, run_id)
                         if t.task_id in SHARD_TASKS and t.map_index >= 0)
    print(f"\nnight 2: killed {victim.hostname} while it ran {victim.task_id}[{victim.map_index}] try "
          f"{victim.try_number}; retried as try {last.try_number} on {survivor}, done {recovery_seconds:.0f} s "
          f"after the kill; cluster run {distributed_seconds:.0f} s; shard task tries per worker {dict(per_worker)}; "
          f"tables {counts}")
