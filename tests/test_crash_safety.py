"""SIGKILL during publishing loses nothing and doubles nothing.

A child process (forked, so the models are already loaded) runs the pipeline and is killed at a
named failpoint inside the publish; the next run must leave exactly what a clean run leaves.
"""
import multiprocessing
import os
import shutil
from datetime import date
from pathlib import Path

import pytest

from pipeline.config import files_config
from pipeline.run import run_all
from pipeline.store.catalog import connect
from pipeline.store.parquet import recover
from pipeline.store.schemas import TABLES

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
    for table in TABLES:
        assert not list((wh / table).glob(".*")), f"leftover hidden files in {table}"
    assert not list((wh / "_journal").glob("*.json")) if (wh / "_journal").exists() else True
    for partition in wh.glob("*/ingest_date=*"):
        if partition.parent.name != "runs":
            assert len(list(partition.glob("*.parquet"))) == 1, partition


def _child(inputs: str, wh: str, failpoint: str) -> None:
    os.environ["BROADSHEET_FAILPOINT"] = failpoint
    run_all(files_config([inputs]), Path(wh), DAY, run_id="killed")
    os._exit(0)


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


FAILPOINTS = ["publish:journalled", "publish:articles:staged", "publish:articles:moved_aside",
              "publish:entities:swapped", "publish:rejects:moved_aside", "publish:runs:staged"]


@pytest.mark.parametrize("failpoint", FAILPOINTS)
def test_killed_publish_recovers_to_exactly_the_clean_result(scenario, failpoint):
    wh = scenario["root"] / failpoint.replace(":", "_")
    shutil.copytree(scenario["baseline"], wh)
    child = multiprocessing.get_context("fork").Process(
        target=_child, args=(str(scenario["after"]), str(wh), failpoint))
    child.start()
    child.join(300)
    assert child.exitcode == -9, f"the failpoint {failpoint} was not reached (exit {child.exitcode})"

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
