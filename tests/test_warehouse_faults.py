"""Failures of the machine or the warehouse: a full disk, a read-only warehouse, a damaged Parquet
file in a published partition. Each gives one line naming the path, publishes nothing half-way,
advances no state, and leaves `runs` and the exit code agreeing; fixing the cause and running the
night again gives the clean night's tables.

Full and read-only disks are real: a small tmpfs and a read-only bind mount (the tests run as root
on the project's machines; elsewhere they are skipped, saying why)."""
from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from pipeline.store.catalog import connect

DAY = "2026-11-24"
STORIES = {
    "tram.txt": "Night trams return\n\nNight trams return to the Harlow line on Friday, the transport "
                "board's Odile Brandt said. \"People asked us every week,\" Brandt said.\n",
    "school.txt": "School roof repaired\n\nThe roof of the Kessel primary school was repaired over the "
                  "holidays, the head teacher Tomas Reyes said on Monday.\n",
}


def ingest(inputs: Path, wh: Path, day: str = DAY) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", "-q", "ingest", str(inputs), "--warehouse", str(wh),
                           "--date", day, "--workers", "1"], capture_output=True, text=True, timeout=600)


def last_line(result: subprocess.CompletedProcess) -> str:
    return result.stderr.strip().splitlines()[-1]


def mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount here ({done.stderr.strip()}): the test needs root")


@contextmanager
def mounted(*args: str, at: Path):
    at.mkdir(parents=True, exist_ok=True)
    mount(*args, str(at))
    try:
        yield at
    finally:
        subprocess.run(["umount", "-l", str(at)], check=False)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("in")
    for name, text in STORIES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def clean_night(inputs, tmp_path_factory):
    """What an untroubled night stores."""
    wh = tmp_path_factory.mktemp("clean") / "wh"
    assert ingest(inputs, wh).returncode == 0
    return tables(wh)


def tables(wh: Path) -> dict:
    with connect(wh) as con:
        return {"articles": sorted(con.execute("SELECT url, location, title, text FROM articles").fetchall()),
                "entities": con.execute("SELECT count(*) FROM entities").fetchone()[0],
                "quotes": con.execute("SELECT count(*) FROM quotes").fetchone()[0]}


def runs(wh: Path) -> list[tuple]:
    with connect(wh, tables={"runs"}) as con:     # readable even beside a damaged articles table
        return con.execute("SELECT status, message FROM runs ORDER BY finished_at").fetchall()


def test_a_full_disk_fails_the_night_in_one_line_and_the_rerun_on_a_freed_disk_is_clean(inputs, clean_night, tmp_path):
    with mounted("-t", "tmpfs", "-o", "size=200k", "tmpfs", at=tmp_path / "wh") as wh:
        failed = ingest(inputs, wh)
        assert failed.returncode == 1
        line = last_line(failed)
        assert line.startswith("broadsheet: ingest failed: ") and line.endswith("no space left on device"), line
        assert f"cannot write {wh}" in line
        assert "Traceback" not in failed.stderr
        from pipeline.store.delta import open_table
        published = open_table(wh, "articles")
        assert published is None or published.to_pyarrow_table().num_rows == 0, "nothing published half-way"

        mount("-o", "remount,size=64m", str(wh))          # the operator frees space
        again = ingest(inputs, wh)
        assert again.returncode == 0, again.stderr
        assert tables(wh) == clean_night
        assert [status for status, _ in runs(wh)][-1] == "success"
        assert not any((wh / "_staging").iterdir()), "the failed night's staging is gone after the rerun"
        assert not list(wh.rglob(".*.tmp")), "no spool file left behind"


def test_a_read_only_warehouse_fails_before_any_work_and_changes_nothing(inputs, tmp_path):
    wh = tmp_path / "wh"
    assert ingest(inputs, wh, "2026-11-23").returncode == 0
    before = (tables(wh), runs(wh))
    with mounted("--bind", str(wh), at=tmp_path / "ro") as view:
        mount("-o", "remount,bind,ro", str(view))
        failed = ingest(inputs, view)
    assert failed.returncode == 1
    line = last_line(failed)
    assert line.startswith(f"broadsheet: ingest failed: cannot ") and line.endswith("read-only file system"), line
    assert str(view) in line
    assert (tables(wh), runs(wh)) == before, "no row added, none changed"


def test_a_damaged_published_file_is_named_then_set_aside_and_its_night_rerun(inputs, clean_night, tmp_path):
    wh = tmp_path / "wh"
    assert ingest(inputs, wh).returncode == 0
    [damaged] = (wh / "articles" / f"ingest_date={DAY}").glob("*.parquet")
    damaged.write_bytes(damaged.read_bytes()[:300])            # a truncated file

    later = tmp_path / "later"
    later.mkdir()
    (later / "ferry.txt").write_text("Ferry timetable changes\n\nThe island ferry leaves at seven from "
                                     "Monday, the operator said.\n", encoding="utf-8")
    failed = ingest(later, wh, "2026-11-25")
    assert failed.returncode == 1
    line = last_line(failed)
    assert line.startswith(f"broadsheet: ingest failed: damaged file {damaged} ("), line
    assert "broadsheet repair" in line
    assert runs(wh)[-1][0] == "failed" and runs(wh)[-1][1].startswith("damaged file ")

    repaired = subprocess.run([sys.executable, "-m", "pipeline.cli", "repair", "--warehouse", str(wh)],
                              capture_output=True, text=True, timeout=300)
    assert repaired.returncode == 0, repaired.stderr
    assert f"run these nights again to restore their rows: {DAY}" in repaired.stdout
    assert not damaged.exists() and list((wh / "_quarantine").rglob(damaged.name)), "kept aside, not deleted"

    assert ingest(inputs, wh).returncode == 0                  # the night the file held, again
    assert ingest(later, wh, "2026-11-25").returncode == 0
    assert len(tables(wh)["articles"]) == len(clean_night["articles"]) + 1
    with connect(wh) as con:
        restored = sorted(con.execute("SELECT url, location, title, text FROM articles WHERE ingest_date = ?",
                                      [DAY]).fetchall())
    assert restored == clean_night["articles"]
