"""Compaction on a warehouse of many small files: fewer files, the same rows (counted and
checksummed before and after, recorded in `compactions`), old files vacuumed, sorted for pruning."""
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.store.catalog import connect
from pipeline.store.compaction import compact, table_checksum
from pipeline.store.delta import open_table
from support import smallfiles

BIN = Path(sys.executable).parent


@pytest.fixture()
def small_files(tmp_path):
    wh = tmp_path / "wh"
    smallfiles.build(wh, nights=12, rows_per_night=15, reruns=2)
    return wh


def test_compaction_merges_files_and_proves_no_row_changed(small_files):
    before = {t: table_checksum(open_table(small_files, t)) for t in smallfiles.TABLES}
    files_before = {t: len(open_table(small_files, t).file_uris()) for t in smallfiles.TABLES}
    assert files_before["runs"] == 24 and files_before["articles"] == 12
    done = {row["table"]: row for row in compact(small_files, retention_days=0)}
    for table in smallfiles.TABLES:
        assert table_checksum(open_table(small_files, table)) == before[table]
        row = done[table]
        assert row["unchanged"] and (row["rows_before"], row["checksum_before"]) == before[table]
        # a partition is rewritten whole each night: its one file stays one; appended runs merge
        assert row["files_after"] <= row["files_before"] == files_before[table]
        assert row["vacuumed_files"] >= 12, "each rerun's replaced file is vacuumed"
    assert done["runs"]["files_after"] == 12 < done["runs"]["files_before"]
    assert done["articles"]["operation"] == "z_order" and done["articles"]["sorted_by"] == ["source", "host"]
    assert done["runs"]["operation"] == "compact"
    parquet = sum(1 for _ in (small_files / "articles").rglob("*.parquet"))
    assert parquet == len(open_table(small_files, "articles").file_uris()), "only the current files remain"
    with connect(small_files) as con:
        recorded = con.execute("SELECT \"table\", unchanged FROM compactions ORDER BY 1").fetchall()
    assert dict(recorded) == {t: True for t in done}


def test_a_changed_row_changes_the_checksum(small_files, tmp_path):
    from pipeline.store.storage import Storage
    from pipeline.store.delta import commit_table
    from pipeline.store.parquet import write_parquet_atomic
    from pipeline.store.schemas import to_arrow
    from datetime import date
    before = table_checksum(open_table(small_files, "articles"))
    rows = smallfiles.rows("articles", date(2026, 1, 3), 15)
    rows[4]["title"] = "a different title"
    storage = Storage.of(small_files)
    staged = write_parquet_atomic(storage, str(tmp_path / "one.parquet"), to_arrow("articles", rows))
    commit_table(storage, "articles", date(2026, 1, 3), staged, "edit", "edit")
    rows_after, checksum_after = table_checksum(open_table(small_files, "articles"))
    assert rows_after == before[0] and checksum_after != before[1]


def test_the_compact_command_reports_each_table(small_files):
    result = subprocess.run([str(BIN / "broadsheet"), "compact", "--warehouse", str(small_files)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "articles: files 12 -> " in result.stdout and "rows 180 unchanged" in result.stdout
