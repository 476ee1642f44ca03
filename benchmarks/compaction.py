"""Compaction benchmark: a warehouse of a few hundred small files (many nights, each run twice, so
every table has replaced files to vacuum and `runs` has appended files to merge), compacted by
`broadsheet compact`'s code: files before/after, rows and checksums before/after, seconds.

    .venv/bin/python benchmarks/compaction.py [--nights 60] [--rows 50] [--reruns 2]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def parquet_files(warehouse: Path) -> int:
    return sum(1 for p in warehouse.rglob("*.parquet") if "_delta_log" not in p.parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nights", type=int, default=60)
    parser.add_argument("--rows", type=int, default=50, help="rows per table per night")
    parser.add_argument("--reruns", type=int, default=2, help="times each night is published")
    args = parser.parse_args()
    from pipeline.store.compaction import compact
    from support import smallfiles

    with tempfile.TemporaryDirectory(prefix="bench-compact-") as root:
        warehouse = Path(root) / "warehouse"
        written = smallfiles.build(warehouse, args.nights, args.rows, reruns=args.reruns)
        on_disk = parquet_files(warehouse)
        started = time.perf_counter()
        rows = compact(warehouse, retention_days=0)
        seconds = time.perf_counter() - started
        after_disk = parquet_files(warehouse)
    print(f"{args.nights} nights x {args.reruns} publishes x {len(smallfiles.TABLES)} tables: {written} commits, "
          f"{on_disk} Parquet files on disk before, {after_disk} after; compaction {seconds:.1f} s")
    print(f"{'table':<12} {'operation':<9} {'files':>11} {'rows':>13} {'vacuumed':>8}  checksum before = after")
    for row in rows:
        print(f"{row['table']:<12} {row['operation']:<9} {row['files_before']:>5} -> {row['files_after']:<4} "
              f"{row['rows_before']:>6} -> {row['rows_after']:<6} {row['vacuumed_files']:>8}  "
              f"{row['checksum_before']} {'=' if row['unchanged'] else '!='} {row['checksum_after']}")
    return 0 if all(row["unchanged"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
