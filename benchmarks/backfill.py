"""Backfill benchmark: `airflow backfill create` over three dates on a real Airflow (the Celery
harness of the tests: PostgreSQL, Redis, api-server, scheduler, dag-processor, two workers), then a
second backfill over the same range reprocessing the completed nights. Prints each pass's wall
time and the rows the second pass changed per table (none is the promise).

    .venv/bin/python benchmarks/backfill.py [--articles 6] [--from 2026-11-20] [--to 2026-11-22]

Needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 (as the tests do).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=6, help="articles in the sources (two sources)")
    parser.add_argument("--from", dest="first", type=date.fromisoformat, default=date(2026, 11, 20))
    parser.add_argument("--to", dest="last", type=date.fromisoformat, default=date(2026, 11, 22))
    args = parser.parse_args()
    from support.backfill import backfill, changes, snapshot
    from support.celery_airflow import CeleryAirflow
    from support.newsgen import write_articles

    with tempfile.TemporaryDirectory(prefix="bench-backfill-") as root:
        place = Path(root)
        half = max(1, args.articles // 2)
        for name, seed in (("county", 11), ("harbour", 12)):
            write_articles(place / name, half, seed=seed, paragraphs=3)
        (place / "sources.yaml").write_text("sources:\n" + "".join(
            f"  - {{name: {n}, kind: files, location: {place / n}}}\n" for n in ("county", "harbour")))
        env = {"BROADSHEET_WAREHOUSE": str(place / "warehouse"), "BROADSHEET_CONFIG": str(place / "sources.yaml")}
        started = time.perf_counter()
        with CeleryAirflow(place / "airflow", worker_env=env) as cluster:
            print(f"cluster up in {time.perf_counter() - started:.0f} s")
            first = backfill(cluster, args.first, args.last)
            before = snapshot(place / "warehouse")
            second = backfill(cluster, args.first, args.last, reprocess="completed")
            after = snapshot(place / "warehouse")
    nights = (args.last - args.first).days + 1
    for label, result in (("first pass", first), ("second pass (reprocess completed)", second)):
        states = ", ".join(f"{r['logical_date']:%Y-%m-%d} {r['state']}" for r in result["runs"])
        print(f"{label}: {nights} nights in {result['seconds']:.0f} s ({states})")
    print("rows per table after the first pass: " + ", ".join(f"{t} {sum(c.values())}" for t, c in before.items()))
    changed = changes(before, after)
    print("rows the second pass changed: " + ", ".join(f"{t} {n}" for t, n in changed.items()))
    return 0 if not any(changed.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
