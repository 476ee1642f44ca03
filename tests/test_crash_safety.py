"""SIGKILL during publishing loses nothing and doubles nothing.

A child process runs the pipeline and is killed at a named failpoint inside the publish; the next
run must leave exactly what a clean run leaves.
"""
import shutil
from datetime import date
from pathlib import Path

import pytest

from pipeline.config import files_config
from pipeline.run import run_all
from pipeline.store.catalog import connect
from pipeline.store.delta import open_table, recover
from pipeline.store.schemas import TABLES
from support.killed import run_until_killed

DAY = date(2026, 11, 21)

STORIES = {
    "gallery.txt": "Gallery extends opening hours\n\nThe Northgate Gallery will stay open until ten on "
                   "Thursdays from March, its director Ines Vale said. \"Working people deserve the late "
                   "slot,\" Vale told the council.\n",
    "market.txt": "Farmers market moves indoors\n\nThe Saturday farmers market in Elm Cross moves into the "
                  "old tram depot for the winter, organiser Rafael Duarte said on Monday.\n",
    "bridge.txt": "Footbridge reopens early\n\nThe Willow Lane footbridge in Carrow reopened two weeks ahead "
                  "of schedule after repairs, the county engineer Mei Lin Harper said.\n",
}


def snapshot(wh: Path):
    with connect(wh) as con:
        tables = {t: sorted(con.execute(f"SELECT * EXCLUDE (run_id) FROM {t} WHERE ingest_date = ?", [DAY]).fetchall(),
                            key=repr)
                  for t in ("articles", "entities", "quotes", "rejects")}
    return tables


def layout_is_clean(wh: Path) -> None:
    assert not list(wh.rglob(".*.tmp")), "leftover spool files"
    assert not list((wh / "_journal").glob("*.json")) if (wh / "_journal").exists() else True
    assert not list((wh / "_staging").iterdir()) if (wh / "_staging").exists() else True
    for table in TABLES:
        if table not in ("runs", "compactions"):   # each night's partition is one commit's file, not several runs' files
            files = [uri for uri in open_table(wh, table).file_uris() if f"ingest_date={DAY.isoformat()}" in uri]
            assert len(files) <= 1, (table, files)


def _night(inputs: str, wh: str) -> None:
    run_all(files_config([inputs]), wh, DAY, run_id="killed")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    root = tmp_path_factory.mktemp("crash")
    before, after = root / "before", root / "after"
    before.mkdir()
    after.mkdir()
    for name in ("gallery.txt", "market.txt"):
        (before / name).write_text(STORIES[name], encoding="utf-8")
    for name, text in STORIES.items():
        (after / name).write_text(text, encoding="utf-8")
    baseline = root / "baseline"
    run_all(files_config([str(before)]), baseline, DAY, run_id="old")
    clean = root / "clean"
    shutil.copytree(baseline, clean)
    run_all(files_config([str(after)]), clean, DAY, run_id="new")
    return {"root": root, "after": after, "baseline": baseline, "expected": snapshot(clean),
            "old": snapshot(baseline)}


FAILPOINTS = ["publish:journalled", "publish:articles:committed", "publish:entities:committed",
              "publish:quotes:committed", "publish:rejects:committed", "publish:runs:committed"]


@pytest.mark.parametrize("failpoint", FAILPOINTS)
def test_killed_publish_recovers_to_exactly_the_clean_result(scenario, failpoint):
    wh = scenario["root"] / failpoint.replace(":", "_")
    shutil.copytree(scenario["baseline"], wh)
    exitcode = run_until_killed(failpoint, _night, str(scenario["after"]), str(wh))
    assert exitcode == -9, f"the failpoint {failpoint} was not reached (exit {exitcode})"

    # recovery alone rolls the journalled publish forward: every table shows the new night
    recover(wh)
    layout_is_clean(wh)
    assert snapshot(wh) == scenario["expected"]

    # and a full rerun of the night changes nothing further and doubles nothing
    run_all(files_config([str(scenario["after"])]), wh, DAY, run_id="rerun")
    layout_is_clean(wh)
    assert snapshot(wh) == scenario["expected"]


def test_the_scenario_really_changes_the_data(scenario):
    assert scenario["old"] != scenario["expected"]
    assert len(scenario["expected"]["articles"]) == 3
