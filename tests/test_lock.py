"""One writer per warehouse: the lock refuses a second run, names the holder, lets a crashed or
expired holder go, and a race between two runs has exactly one winner."""
from __future__ import annotations

import socket
import threading
from datetime import date, datetime, timedelta, timezone

import pytest

from pipeline.config import files_config
from pipeline.run import run_all
from pipeline.store import lock
from support.killed import run_until_killed

DAY = date(2026, 11, 27)


def _inputs(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    (folder / "clock.txt").write_text("Town clock restored\n\nThe town clock in Harwick struck noon again on "
                                      "Friday, volunteers from the civic society said.\n", encoding="utf-8")
    return folder


def test_a_second_run_is_refused_with_the_holder_named(tmp_path):
    wh = tmp_path / "wh"
    lock.acquire(wh, "nightly-2026-11-26")
    with pytest.raises(lock.WarehouseBusy, match=r"in use by run nightly-2026-11-26 \(host .*, pid \d+, until "):
        run_all(files_config([str(_inputs(tmp_path))]), wh, DAY)
    assert not (wh / "articles").exists(), "the refused run did nothing"
    lock.release(wh, "nightly-2026-11-26")
    assert run_all(files_config([str(_inputs(tmp_path))]), wh, DAY)["articles"] == 1
    assert lock.holder(wh) is None, "a finished night lets the warehouse go"


def _take_and_die(wh: str) -> None:
    lock.acquire(wh, "crashed-run")
    import os
    os.kill(os.getpid(), 9)


def test_a_holder_that_died_on_this_machine_holds_nothing(tmp_path):
    wh = tmp_path / "wh"
    assert run_until_killed("never", _take_and_die, str(wh)) == -9
    assert lock.holder(wh) is None
    assert run_all(files_config([str(_inputs(tmp_path))]), wh, DAY)["status"] == "success"


def test_a_hold_from_another_machine_lasts_until_it_expires(tmp_path):
    from deltalake import CommitProperties, write_deltalake
    wh = tmp_path / "wh"

    def hold_elsewhere(expires_at: datetime) -> None:
        table = lock._table(lock.Storage.of(wh))
        write_deltalake(table, lock._SCHEMA.empty_table(), mode="append", commit_properties=CommitProperties(
            custom_metadata={"broadsheet.lock.run_id": "remote-run", "broadsheet.lock.host": "worker-elsewhere",
                             "broadsheet.lock.pid": "1", "broadsheet.lock.state": "held",
                             "broadsheet.lock.expires_at": expires_at.isoformat()}))

    hold_elsewhere(datetime.now(timezone.utc) + timedelta(minutes=10))
    assert lock.holder(wh).run_id == "remote-run" and lock.holder(wh).host == "worker-elsewhere"
    with pytest.raises(lock.WarehouseBusy, match="remote-run"):
        lock.acquire(wh, "mine")
    hold_elsewhere(datetime.now(timezone.utc) - timedelta(seconds=1))
    lock.acquire(wh, "mine")
    assert lock.holder(wh).run_id == "mine" and lock.holder(wh).host == socket.gethostname()


def test_of_two_runs_racing_for_the_lock_exactly_one_wins(tmp_path):
    wh = tmp_path / "wh"
    lock._table(lock.Storage.of(wh))     # the table exists, so both race for the same next version
    outcomes: dict[str, str] = {}
    start = threading.Barrier(2)

    def contend(run_id: str) -> None:
        start.wait()
        try:
            lock.acquire(wh, run_id)
            outcomes[run_id] = "won"
        except lock.WarehouseBusy:
            outcomes[run_id] = "refused"

    threads = [threading.Thread(target=contend, args=(name,)) for name in ("run-a", "run-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["refused", "won"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "won")
    assert lock.holder(wh).run_id == winner


def test_the_same_run_takes_its_own_lock_again(tmp_path):
    wh = tmp_path / "wh"
    lock.acquire(wh, "night")
    lock.acquire(wh, "night")            # a resumed night, or the next task of an Airflow night
    assert lock.holder(wh).run_id == "night"
