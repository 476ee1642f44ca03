"""Shards: the same night gives the same rows however it is sharded and however many workers run it,
and a night killed after some shards resumes without redoing them."""
from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline.config import ConfigError, files_config, parse_config
from pipeline.run import run_all
from pipeline.stages.context import RunContext
from pipeline.store.catalog import connect
from support.killed import run_until_killed

DAY = date(2026, 11, 26)

STORY = ("The ferry operator on Loch Varran will add a late sailing on Fridays from next month, its "
         "managing director Aileen Mackie said on Tuesday. \"Islanders asked for it for three winters "
         "running, and the numbers finally add up,\" Mackie said. The council, which subsidises the "
         "route, said the extra sailing would cost about forty thousand pounds a year. Passenger numbers "
         "rose by a fifth last summer after the pier at Carrig was rebuilt, according to the operator, "
         "and the company expects the late boat to carry mostly hospital staff and students.")

ARTICLES = {
    "ferry.txt": "Late ferry for Loch Varran\n\n" + STORY,
    # the same story lightly edited by another outlet: kept, in the same cluster
    "ferry-copy.txt": "Loch Varran gets a late ferry\n\n" + STORY.replace("on Tuesday", "on Tuesday evening"),
    # the same text again under another name: an exact duplicate, rejected by dedup
    "ferry-again.txt": "Late ferry for Loch Varran\n\n" + STORY,
    "orchard.txt": "Orchard trust buys old railway land\n\nThe Dunmore Orchard Trust has bought three "
                   "acres of former railway land to plant heritage apple trees, its chair Pavel Dvorak "
                   "said. \"Some of these varieties survive in only two gardens,\" Dvorak said.\n",
    "museum.html": "<html lang='en'><head><title>Museum opens night gallery</title></head><body><article>"
                   "<h1>Museum opens night gallery</h1><p>The Eastport Museum will open its upper gallery "
                   "on Thursday evenings through the winter, director Ruth Okafor announced.</p><p>\"People "
                   "who work days deserve the collection too,\" Okafor said at the launch.</p></article>"
                   "</body></html>",
    "blank.txt": "",
    "readme.pdf": "%PDF-1.4 not an article",
}


def snapshot(wh: Path) -> dict[str, list]:
    """Every row of the night, without the run id, in an order that does not depend on the run."""
    with connect(wh) as con:
        return {table: sorted(con.execute(f"SELECT * EXCLUDE (run_id) FROM {table} WHERE ingest_date = ?",
                                          [DAY]).fetchall(), key=repr)
                for table in ("articles", "entities", "quotes", "rejects", "article_signatures")}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("shards") / "inputs"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def one_worker_one_shard(inputs, tmp_path_factory):
    wh = tmp_path_factory.mktemp("serial") / "warehouse"
    summary = run_all(files_config([str(inputs)], shard_size=200), wh, DAY, workers=1)
    return wh, summary, snapshot(wh)


def test_the_reference_night_exercises_dedup_and_clusters(one_worker_one_shard):
    _, summary, rows = one_worker_one_shard
    assert summary["articles"] == 4 and summary["duplicates"] == 1
    clusters = {row[0]: row for row in rows["article_signatures"]}     # article_id -> row
    assert len(clusters) == 4 and len({row[1] for row in clusters.values()}) == 3, "the edited copy joins a cluster"
    assert {r[3] for r in rows["rejects"]} >= {"read", "dedup"}


@pytest.mark.parametrize("workers, shard_size", [(2, 3), (8, 1)])
def test_same_rows_whatever_the_sharding_and_the_number_of_workers(inputs, tmp_path, one_worker_one_shard,
                                                                   workers, shard_size):
    wh = tmp_path / "warehouse"
    summary = run_all(files_config([str(inputs)], shard_size=shard_size), wh, DAY, workers=workers)
    _, reference_summary, reference = one_worker_one_shard
    assert snapshot(wh) == reference
    for key in ("inputs", "articles", "entities", "quotes", "rejects", "duplicates"):
        assert summary[key] == reference_summary[key], key
    assert _plan_counts(wh)["shards"] == -(-len(ARTICLES) // shard_size)


def _night(inputs: str, wh: str) -> None:
    run_all(files_config([inputs], shard_size=2), wh, DAY, workers=1)


def _processes_marked(mark: str) -> list[int]:
    import psutil
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get("BROADSHEET_TEST_NIGHT") == mark:
                found.append(process.pid)
        except psutil.Error:
            continue
    return found


def _kill_a_night(inputs: Path, wh: Path, failpoint: str) -> RunContext:
    import time
    import uuid
    mark = uuid.uuid4().hex    # in the environment of the night's process and of its workers
    exitcode = run_until_killed(failpoint, _night, str(inputs), str(wh), env={"BROADSHEET_TEST_NIGHT": mark})
    assert exitcode == -9, f"the failpoint {failpoint} was not reached (exit {exitcode})"
    deadline = time.monotonic() + 20
    while _processes_marked(mark) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _processes_marked(mark), "the killed night's workers end with it, not live on as orphans"
    [run_dir] = (wh / "_staging").iterdir()
    return RunContext(str(wh), run_dir.name, DAY.isoformat())


@pytest.mark.parametrize("failpoint", ["extract:shard_done", "enrich:shard_done"])
def test_a_killed_night_resumes_without_redoing_finished_shards(inputs, tmp_path, one_worker_one_shard,
                                                                caplog, failpoint):
    import logging
    wh = tmp_path / "warehouse"
    killed = _kill_a_night(inputs, wh, failpoint)
    step = failpoint.split(":")[0]
    done = len(killed.staging.shards_done(step))   # the first, and what the worker finished meanwhile
    assert 1 <= done < 4, "killed after a shard, with shards still to do"

    with caplog.at_level(logging.INFO, logger="broadsheet.progress"):
        summary = run_all(files_config([str(inputs)], shard_size=2), wh, DAY, workers=1)

    assert summary["run_id"] == killed.run_id, "the rerun resumed the killed night"
    assert f"{step}: {done} of 4 shards done before, {4 - done} to run" in caplog.text
    if step == "enrich":
        assert "extract: 4 of 4 shards done before, 0 to run" in caplog.text
    assert snapshot(wh) == one_worker_one_shard[2], "and ends exactly where an uninterrupted night does"
    with connect(wh) as con:
        assert con.execute("SELECT count(*), min(status) FROM runs").fetchone() == (1, "success")
    assert not killed.staging.exists()


def test_a_changed_config_does_not_resume_the_killed_night(inputs, tmp_path):
    wh = tmp_path / "warehouse"
    killed = _kill_a_night(inputs, wh, "extract:shard_done")
    summary = run_all(files_config([str(inputs)], shard_size=3), wh, DAY, workers=1)
    assert summary["run_id"] != killed.run_id


def _plan_counts(wh: Path) -> dict:
    with connect(wh) as con:
        return json.loads(con.execute("SELECT stage_counts FROM runs").fetchone()[0])["plan"]


def _warc(path: Path, pages: int) -> None:
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "broadsheet tests"}))
        for n in range(pages):
            body = (f"<html lang='en'><head><title>Harbour notice {n}</title></head><body><article>"
                    f"<h1>Harbour notice {n}</h1><p>Berth {n} at the north quay of Port Idris closes for "
                    f"dredging on day {n} of the works, the harbour master Oren Lisle said.</p><p>Boats "
                    f"using berth {n} will moor at the south wall until the dredger moves on, and the "
                    f"ferry timetable is unchanged.</p></article></body></html>").encode()
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                f"https://harbour.test/notices/{n}.html", "response", payload=io.BytesIO(body),
                http_headers=headers, warc_headers_dict={"WARC-Date": "2026-11-25T09:00:00Z"}))


def test_a_warc_archive_is_cut_into_shards_of_records(tmp_path):
    archive = tmp_path / "crawl.warc.gz"
    _warc(archive, 5)
    results = {}
    for size in (2, 200):
        config = parse_config({"sources": [{"name": "archive", "kind": "warc", "location": str(archive)}],
                               "shard_size": size}, tmp_path, "test.yaml")
        wh = tmp_path / f"wh-{size}"
        summary = run_all(config, wh, DAY, workers=1)
        results[size] = (summary["articles"], _plan_counts(wh)["shards"], snapshot(wh)["articles"])
    assert results[2][:2] == (5, 3) and results[200][:2] == (5, 1)
    assert results[2][2] == results[200][2]


def test_config_errors_name_the_file_and_key(tmp_path):
    with pytest.raises(ConfigError, match=r"test.yaml: source 'x': unknown option\(s\) 'since_day'"):
        parse_config({"sources": [{"name": "x", "kind": "files", "location": "a", "since_day": 3}]},
                     tmp_path, "test.yaml")
    with pytest.raises(ConfigError, match="since must be a date"):
        parse_config({"sources": [{"name": "x", "kind": "feed", "location": "http://h/f", "since": "last week"}]},
                     tmp_path, "test.yaml")
    with pytest.raises(ConfigError, match="shard_size must be a positive whole number"):
        parse_config({"sources": [{"name": "x", "kind": "files", "location": "a"}], "shard_size": 0},
                     tmp_path, "test.yaml")
    with pytest.raises(ConfigError, match=r"fetch: unknown setting\(s\) 'per_host_dealy'"):
        parse_config({"sources": [{"name": "x", "kind": "files", "location": "a"}],
                      "fetch": {"per_host_dealy": 2}}, tmp_path, "test.yaml")


def test_a_missing_folder_fails_the_night_before_any_work(tmp_path):
    config = parse_config({"sources": [{"name": "x", "kind": "files", "location": "no-such-folder"}]},
                          tmp_path, "test.yaml")
    with pytest.raises(ConfigError, match="no such file or folder"):
        run_all(config, tmp_path / "wh", DAY)
    with connect(tmp_path / "wh") as con:
        status, message = con.execute("SELECT status, message FROM runs").fetchone()
    assert status == "failed" and "no-such-folder" in message


def test_shards_are_even_and_spread_a_small_night_over_the_workers():
    from pipeline.stages.plan import shard_counts
    assert shard_counts([510], 200) == [3]                       # none bigger than shard_size
    assert shard_counts([510], 200, min_shards=4) == [4]         # two for each of two workers
    assert shard_counts([30], 200, min_shards=4) == [1]          # not split under 20 documents a shard
    assert shard_counts([400, 100, 0], 200, min_shards=8) == [7, 2, 0]


def _night_until_stopped(inputs: str, wh: str) -> None:
    import os
    try:
        run_all(files_config([inputs], shard_size=2), wh, DAY, workers=1)
    except KeyboardInterrupt:
        os._exit(3)
    os._exit(0)


def test_a_night_stopped_with_sigterm_says_so_in_runs_and_resumes(inputs, tmp_path, one_worker_one_shard,
                                                                  monkeypatch):
    import multiprocessing
    import os
    import signal
    import time
    wh = tmp_path / "warehouse"
    # the night pauses after its first shard (as if the rest were long), and a service manager stops it
    monkeypatch.setenv("BROADSHEET_FAILPOINT", "extract:shard_done")
    monkeypatch.setenv("BROADSHEET_FAILPOINT_ACTION", "pause")
    child = multiprocessing.get_context("spawn").Process(target=_night_until_stopped, args=(str(inputs), str(wh)))
    child.start()
    deadline = time.monotonic() + 120
    while not list((wh / "_staging").glob("*/counts/extract/*.json")) and time.monotonic() < deadline:
        time.sleep(0.2)
    os.kill(child.pid, signal.SIGTERM)
    child.join(120)
    monkeypatch.delenv("BROADSHEET_FAILPOINT")
    assert child.exitcode == 3, "SIGTERM stops the night as an interruption"
    with connect(wh) as con:
        [(status, message)] = con.execute("SELECT status, message FROM runs").fetchall()
    assert status == "interrupted" and "SIGTERM during extract" in message
    [run_dir] = (wh / "_staging").iterdir()
    summary = run_all(files_config([str(inputs)], shard_size=2), wh, DAY, workers=1)
    assert summary["run_id"] == run_dir.name, "the rerun resumed the stopped night"
    assert snapshot(wh) == one_worker_one_shard[2]
    with connect(wh) as con:
        assert sorted(con.execute("SELECT status FROM runs").fetchall()) == [("interrupted",), ("success",)]


def test_workers_of_a_killed_night_end_even_while_it_is_an_unreaped_zombie(inputs, tmp_path):
    """A supervisor that reads the night's output before reaping it (subprocess.run does) keeps the
    killed process a zombie: its workers must still end, or they hold that output open for ever."""
    import os
    import subprocess
    import sys
    import time
    import uuid

    import psutil
    mark = uuid.uuid4().hex
    env = {**os.environ, "BROADSHEET_FAILPOINT": "extract:shard_done", "BROADSHEET_TEST_NIGHT": mark}
    night = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "-q", "ingest", str(inputs), "--warehouse",
                              str(tmp_path / "wh"), "--date", DAY.isoformat(), "--workers", "2", "--shard-size", "2"],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while psutil.Process(night.pid).status() != psutil.STATUS_ZOMBIE and time.monotonic() < deadline:
            time.sleep(0.2)
        assert psutil.Process(night.pid).status() == psutil.STATUS_ZOMBIE, "killed at the failpoint"
        deadline = time.monotonic() + 20
        while _processes_marked(mark) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not _processes_marked(mark)
    finally:
        night.wait(timeout=60)
    assert night.returncode == -9
