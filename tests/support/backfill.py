"""Backfills on a real Airflow (the Celery harness): `airflow backfill create` over a range, waited
for, and the warehouse's published rows as a comparable snapshot. Shared by tests/test_backfill.py
(which asserts) and benchmarks/backfill.py (which times)."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

BIN = Path(sys.executable).parent
DAG_ID = "broadsheet_nightly"
COMPARED = ("articles", "entities", "quotes", "rejects", "article_signatures", "validations", "source_health")
NOT_COMPARED = {"run_id"}   # the only thing a rerun of the same night may change


def backfill(cluster, first: date, last: date, reprocess: str = "none", timeout: float = 1800.0) -> dict:
    """Create the backfill with the CLI, wait for every run it made; returns its runs and wall time."""
    cluster.wait_for_dag(DAG_ID)
    previous = _latest_backfill(cluster)
    started = time.monotonic()
    made = subprocess.run([str(BIN / "airflow"), "backfill", "create", "--dag-id", DAG_ID,
                           "--from-date", first.isoformat(), "--to-date", last.isoformat(),
                           "--max-active-runs", "1", "--reprocess-behavior", reprocess],
                          env=cluster.env, capture_output=True, text=True, timeout=300)
    if made.returncode != 0:
        raise RuntimeError(f"airflow backfill create failed: {(made.stdout + made.stderr)[-2000:]}")
    # a reprocessing backfill clears the existing runs of its dates (same run ids) instead of adding runs
    while True:
        latest = _latest_backfill(cluster)
        if latest and latest["id"] != (previous or {}).get("id") and latest["completed_at"] is not None:
            break
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"backfill not finished in {timeout:.0f} s: {latest}; " + cluster.describe_logs())
        time.sleep(2)
    runs = cluster.database.query("SELECT run_id, state, logical_date FROM dag_run WHERE dag_id = %s "
                                  "AND backfill_id = %s ORDER BY logical_date", (DAG_ID, latest["id"]))
    return {"runs": runs, "seconds": time.monotonic() - started, "cli_output": made.stdout[-1000:]}


def _latest_backfill(cluster) -> dict | None:
    found = cluster.database.query("SELECT id, completed_at FROM backfill WHERE dag_id = %s ORDER BY id DESC LIMIT 1",
                                   (DAG_ID,))
    return found[0] if found else None


def snapshot(warehouse) -> dict[str, Counter]:
    """Every published row of the compared tables, run ids aside, as canonical JSON (a multiset per table)."""
    from pipeline.store.catalog import connect
    tables = {}
    with connect(warehouse) as con:
        for table in COMPARED:
            columns = [row[0] for row in con.execute(f"DESCRIBE {table}").fetchall() if row[0] not in NOT_COMPARED]
            rows = con.execute(f"SELECT {', '.join(repr(c).replace(chr(39), chr(34)) for c in columns)} FROM {table}").fetchall()
            tables[table] = Counter(json.dumps(dict(zip(columns, row)), sort_keys=True, default=str) for row in rows)
    return tables


def changes(before: dict[str, Counter], after: dict[str, Counter]) -> dict[str, int]:
    """Rows added or removed per table between two snapshots (0 everywhere: nothing changed)."""
    return {table: sum((after[table] - before[table]).values()) + sum((before[table] - after[table]).values())
            for table in before}
