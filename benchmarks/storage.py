"""Storage benchmark: the same night with the warehouse on local disk and on an S3-compatible server
on 127.0.0.1 (moto's, started here), then `broadsheet sql` on the README's example queries.

    .venv/bin/python benchmarks/storage.py [--articles 300] [--workers 2]
    .venv/bin/python benchmarks/storage.py --sql-only WAREHOUSE [--broadsheet PATH]   # time the queries alone

It prints articles/s for each warehouse and the wall time of each query (best of three runs of
the command, so process start-up is included: it is what a user waits for).
"""
from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

QUERIES = {   # the README's examples
    "top speakers": "SELECT speaker, count(*) n FROM quotes GROUP BY speaker ORDER BY n DESC LIMIT 10",
    "rejects": "SELECT stage, reason, location FROM rejects",
    "articles per day": "SELECT ingest_date, count(*) FROM articles GROUP BY 1 ORDER BY 1",
}


def time_queries(warehouse: str, broadsheet: str, env: dict[str, str], rounds: int = 3) -> dict[str, float]:
    timings = {}
    for name, sql in QUERIES.items():
        best = float("inf")
        for _ in range(rounds):
            started = time.perf_counter()
            result = subprocess.run([broadsheet, "sql", sql, "--warehouse", warehouse, "--format", "csv"],
                                    capture_output=True, text=True, env=env)
            elapsed = time.perf_counter() - started
            if result.returncode != 0:
                raise SystemExit(f"{name} failed: {result.stderr}")
            best = min(best, elapsed)
        timings[name] = best
    return timings


def night(warehouse: str, inputs: Path, workers: int) -> tuple[float, int]:
    from pipeline.config import files_config
    from pipeline.run import run_all
    started = time.perf_counter()
    summary = run_all(files_config([str(inputs)]), warehouse, date(2026, 11, 25), workers=workers)
    return time.perf_counter() - started, summary["articles"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sql-only", metavar="WAREHOUSE")
    parser.add_argument("--broadsheet", default=str(Path(sys.executable).parent / "broadsheet"))
    args = parser.parse_args()
    import logging
    logging.basicConfig(level=logging.WARNING)

    if args.sql_only:
        for name, seconds in time_queries(args.sql_only, args.broadsheet, dict(os.environ)).items():
            print(f"sql {name:<18} {seconds:6.2f} s")
        return

    from e2e import make_article
    from support.s3server import start_s3_server

    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp) / "inputs"
        inputs.mkdir()
        rng = random.Random(7)
        for n in range(args.articles):
            suffix, content = make_article(rng, n)
            (inputs / f"article_{n:06d}{suffix}").write_text(content, encoding="utf-8")
        server = start_s3_server(Path(tmp) / "s3")
        try:
            env = {**os.environ, **server.env}
            os.environ.update(server.env)
            local = str(Path(tmp) / "warehouse")
            remote = server.uri("warehouse")
            results = {}
            for name, warehouse in (("local disk", local), ("loopback S3", remote)):
                seconds, articles = night(warehouse, inputs, args.workers)
                results[name] = (seconds, articles, time_queries(warehouse, args.broadsheet, env))
        finally:
            server.stop()
    print(f"{args.articles} generated articles, {args.workers} workers")
    for name, (seconds, articles, queries) in results.items():
        print(f"{name:<12} night {seconds:6.1f} s  {articles / seconds:6.1f} articles/s  "
              + "  ".join(f"{q} {t:.2f} s" for q, t in queries.items()))


if __name__ == "__main__":
    main()
