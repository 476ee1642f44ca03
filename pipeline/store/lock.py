"""One writer per warehouse: a lock that works the same on local disk and on object storage.

The lock is a small Delta table, `WAREHOUSE/_lock`, whose commits are its history: every take,
renewal and release is one commit carrying the holder (run id, host, pid) and when the hold
expires. A commit is made only on top of the version the writer read (no retries), and delta-rs
commits a version at most once (a create-if-absent on local disk, a conditional PUT on S3), so of
two runs that see the lock free, exactly one takes it.

A holder that crashed does not keep it: a hold expires unless renewed (a night renews it every
minute while it works), and a holder on this machine whose process is gone has let it go at once.
The same run may take its own lock again: a resumed night, or the next Airflow task of a night.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterator

import pyarrow as pa

from pipeline.store.storage import Storage, delta_storage_options, warehouse_errors

log = logging.getLogger("broadsheet.lock")

LOCK_TABLE = "_lock"
HOLD = timedelta(minutes=15)          # how long a hold lasts without renewal
RENEW_EVERY_SECONDS = 60.0
_SCHEMA = pa.schema([("event", pa.string())])   # the commits' metadata is the lock; no rows needed


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse; the message names it."""


@dataclass(frozen=True)
class Hold:
    run_id: str
    host: str
    pid: int
    expires_at: datetime
    state: str                         # "held" or "released"

    def active(self, now: datetime) -> bool:
        if self.state != "held" or self.expires_at <= now:
            return False
        if self.host == socket.gethostname():
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return False           # its process is gone: nobody holds it any more
            except PermissionError:
                return True
        return True

    def describe(self) -> str:
        return (f"run {self.run_id} (host {self.host}, pid {self.pid}, "
                f"until {self.expires_at.isoformat(timespec='seconds')} unless renewed)")


def _uri(storage: Storage) -> str:
    return storage.uri(storage.path(LOCK_TABLE))


def _table(storage: Storage):
    from deltalake import DeltaTable, write_deltalake
    from deltalake.exceptions import CommitFailedError
    uri, options = _uri(storage), delta_storage_options()
    if not DeltaTable.is_deltatable(uri, storage_options=options):
        try:
            with warehouse_errors(f"create the warehouse lock {uri}"):
                write_deltalake(uri, _SCHEMA.empty_table(), mode="append", storage_options=options)
        except CommitFailedError:
            pass                       # another run created it at the same moment
    return DeltaTable(uri, storage_options=options)


def _hold_of(table) -> Hold | None:
    meta = table.history(1)[0]
    if "broadsheet.lock.run_id" not in meta:
        return None
    return Hold(meta["broadsheet.lock.run_id"], meta["broadsheet.lock.host"], int(meta["broadsheet.lock.pid"]),
                datetime.fromisoformat(meta["broadsheet.lock.expires_at"]), meta["broadsheet.lock.state"])


def _commit(table, run_id: str, state: str, hold: timedelta) -> bool:
    """One commit on top of the version `table` was read at; False when another writer got there first."""
    from deltalake import CommitProperties, write_deltalake
    from deltalake.exceptions import CommitFailedError
    metadata = {"broadsheet.lock.run_id": run_id, "broadsheet.lock.host": socket.gethostname(),
                "broadsheet.lock.pid": str(os.getpid()), "broadsheet.lock.state": state,
                "broadsheet.lock.expires_at": (datetime.now(timezone.utc) + hold).isoformat()}
    try:
        with warehouse_errors(f"take the warehouse lock {table.table_uri}"):
            write_deltalake(table, _SCHEMA.empty_table(), mode="append", storage_options=delta_storage_options(),
                            commit_properties=CommitProperties(custom_metadata=metadata, max_commit_retries=0))
        return True
    except CommitFailedError:
        return False


def holder(location) -> Hold | None:
    """Who holds the warehouse now (None when nobody does)."""
    storage = Storage.of(location)
    from deltalake import DeltaTable
    if not DeltaTable.is_deltatable(_uri(storage), storage_options=delta_storage_options()):
        return None
    found = _hold_of(_table(storage))
    return found if found is not None and found.active(datetime.now(timezone.utc)) else None


def acquire(location, run_id: str, wait_seconds: float = 0.0, hold: timedelta = HOLD) -> None:
    """Take the warehouse for `run_id` (or renew its own hold); WarehouseBusy names the holder when
    another run still holds it after `wait_seconds`."""
    storage = Storage.of(location)
    deadline = time.monotonic() + wait_seconds
    while True:
        table = _table(storage)
        current = _hold_of(table)
        now = datetime.now(timezone.utc)
        if current is None or current.run_id == run_id or not current.active(now):
            if _commit(table, run_id, "held", hold):
                return
            continue                   # someone committed first: look again
        if time.monotonic() >= deadline:
            raise WarehouseBusy(f"the warehouse {storage.uri()} is in use by {current.describe()}")
        time.sleep(min(5.0, max(0.1, deadline - time.monotonic())))


def release(location, run_id: str) -> None:
    """Let the warehouse go, if `run_id` still holds it."""
    storage = Storage.of(location)
    for _ in range(5):
        table = _table(storage)
        current = _hold_of(table)
        if current is None or current.run_id != run_id or current.state != "held":
            return
        if _commit(table, run_id, "released", timedelta(0)):
            return


@contextmanager
def holding(location, run_id: str, wait_seconds: float = 0.0, release_at_end: bool = True) -> Iterator[None]:
    """Hold the warehouse for the block, renewing the hold every minute; released at the end
    (also when the block raises: the next run may start, and resumes what it finds). An Airflow
    task of a night holds it with `release_at_end=False`: the night, not the task, lets it go."""
    acquire(location, run_id, wait_seconds)
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(RENEW_EVERY_SECONDS):
            try:
                acquire(location, run_id)
            except Exception as error:   # a missed renewal shortens the hold; the next one may succeed
                log.warning("could not renew the warehouse lock for %s: %s", run_id, error)

    renewer = threading.Thread(target=renew, name="warehouse-lock", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join(timeout=5)
        if release_at_end:
            try:
                release(location, run_id)
            except Exception as error:
                # e.g. the disk that failed the night: the hold expires by itself; the night's
                # own error, already on its way, is the one to report
                log.warning("could not release the warehouse lock for %s: %s", run_id, error)
