"""The tables open in the tools the README names (each where it is installable here), time travel
reads earlier versions, and compaction changes files but not rows."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from pipeline.config import files_config
from pipeline.run import run_all
from pipeline.store.catalog import connect
from pipeline.store.delta import maintain, open_table
from pipeline.store.schemas import TABLES

FIRST = date(2026, 11, 20)
BROADSHEET = Path(sys.executable).parent / "broadsheet"


def story(n: int) -> str:
    towns = ("Aldwick", "Burnmoor", "Cressing", "Dunholm", "Eastry", "Fenby")
    return (f"{towns[n]} market hall reopens\n\nThe market hall in {towns[n]} reopened on Saturday after "
            f"{n + 2} months of repairs, the town clerk Mira Castell said. \"Stallholders kept faith with "
            f"us,\" Castell said.\n")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """Three nights, two new articles each, and a rerun of the second night."""
    root = tmp_path_factory.mktemp("readers")
    wh = root / "warehouse"
    for night in range(3):
        folder = root / f"night{night}"
        folder.mkdir()
        for n in (2 * night, 2 * night + 1):
            (folder / f"story{n}.txt").write_text(story(n), encoding="utf-8")
        run_all(files_config([str(folder)]), wh, FIRST + timedelta(days=night))
    run_all(files_config([str(root / "night1")]), wh, FIRST + timedelta(days=1))
    return wh


def checksum(wh: Path, table: str) -> tuple[int, str]:
    """Row count and an order-independent digest of every row (run ids included)."""
    with connect(wh) as con:
        rows = con.execute(f"SELECT * FROM {table}").fetchall()
    digest = hashlib.sha256("\n".join(sorted(repr(r) for r in rows)).encode()).hexdigest()
    return len(rows), digest


def test_deltalake_pandas_and_pyarrow_read_the_current_snapshot(warehouse):
    from deltalake import DeltaTable
    frame = DeltaTable(str(warehouse / "articles")).to_pandas()
    assert len(frame) == 6 and sorted(frame["ingest_date"].astype(str).unique()) == \
        ["2026-11-20", "2026-11-21", "2026-11-22"]
    dataset = DeltaTable(str(warehouse / "articles")).to_pyarrow_dataset()
    import pyarrow.dataset as ds
    assert dataset.count_rows(filter=ds.field("ingest_date") == FIRST + timedelta(days=1)) == 2


def test_polars_reads_the_tables(warehouse):
    polars = pytest.importorskip("polars")
    frame = polars.read_delta(str(warehouse / "articles"))
    assert frame.height == 6
    quotes = polars.read_delta(str(warehouse / "quotes")).filter(polars.col("speaker") == "Mira Castell")
    assert quotes.height == 6


def test_duckdb_delta_scan_where_the_extension_is_installed(warehouse):
    import duckdb
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    try:
        con.execute("LOAD delta")
    except duckdb.Error:
        pytest.skip("DuckDB's delta extension is not installed here, and tests download nothing")
    assert con.execute(f"SELECT count(*) FROM delta_scan('{warehouse / 'articles'}')").fetchone() == (6,)


def test_the_catalog_file_opens_from_the_warehouse_folder(warehouse):
    code = ("import duckdb; con = duckdb.connect('broadsheet.duckdb', read_only=True); "
            "print(con.execute('SELECT count(*) FROM articles').fetchone()[0])")
    result = subprocess.run([sys.executable, "-c", code], cwd=warehouse, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "6"


def test_sql_as_of_reads_an_earlier_version(warehouse):
    def count(*extra):
        result = subprocess.run([str(BROADSHEET), "sql", "SELECT count(*) AS n FROM articles", "--warehouse",
                                 str(warehouse), "--format", "json", *extra], capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)[0]["n"]
    assert count() == 6
    assert count("--as-of", "0") == 2 and count("--as-of", "1") == 4
    stamps = {h["version"]: h["timestamp"] for h in open_table(warehouse, "articles").history()}
    from datetime import datetime, timezone
    between = (stamps[1] + stamps[2]) / 2000      # after the second night's commit, before the third's
    when = datetime.fromtimestamp(between, tz=timezone.utc).isoformat()
    assert count("--as-of", when) == 4
    missing = subprocess.run([str(BROADSHEET), "sql", "SELECT count(*) FROM articles", "--warehouse", str(warehouse),
                              "--as-of", "99"],
                             capture_output=True, text=True, timeout=300)
    assert missing.returncode == 2 and missing.stderr.startswith("broadsheet: --as-of 99:")


def test_compaction_and_vacuum_change_files_never_rows(warehouse, tmp_path):
    import shutil
    copy = tmp_path / "copy"
    shutil.copytree(warehouse, copy)
    present = [t for t in TABLES if open_table(copy, t) is not None]   # compactions: not before the first
    before = {t: checksum(copy, t) for t in present}
    files_before = {t: len(open_table(copy, t).file_uris()) for t in present}
    done = maintain(copy, retention_days=0)
    assert {t: checksum(copy, t) for t in present} == before
    assert done["runs"]["files_after"] < files_before["runs"], "the appended runs files are compacted"
    assert sum(d["vacuumed"] for d in done.values()) > 0, "replaced and compacted files are removed"
    parquet_files = sum(1 for _ in (copy / "articles").rglob("*.parquet"))
    assert parquet_files == len(open_table(copy, "articles").file_uris()), "only the current snapshot's files remain"
