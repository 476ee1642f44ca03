"""Damaged files in published tables: found, named, and set aside on request.

A Parquet file of a published table that cannot be read (truncated by a failing disk, overwritten by
hand) makes every query and every later night fail, since dedup reads what is stored. The night
then fails with one line naming the file (`damaged_file_message`). `broadsheet repair` checks
every file the tables' current versions hold, moves each damaged one into `_quarantine/` (kept, not
deleted) and commits its removal from the table (delta-rs `repair`, a file-system check), so the
warehouse reads again; the nights whose rows were in those files are listed to be run again.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timezone

import pyarrow.parquet as pq

from pipeline.store.delta import open_table
from pipeline.store.manifests import write_manifests
from pipeline.store.schemas import TABLES
from pipeline.store.storage import Storage, warehouse_errors

log = logging.getLogger("broadsheet.store")

QUARANTINE = "_quarantine"
# What DuckDB, pyarrow and delta-rs say of a file that is not (or no longer) Parquet.
_DAMAGE = re.compile(r"magic bytes|corrupt|truncated|couldn't deserialize thrift|invalid parquet|"
                     r"parquet file size is 0|out of bounds|unexpected end", re.IGNORECASE)
_PARQUET_PATH = re.compile(r"""['"]?((?:s3://)?[^\s'"]+\.parquet)['"]?""")


@dataclass(frozen=True)
class Damaged:
    table: str
    path: str          # within the warehouse's storage
    reason: str
    ingest_date: str | None


def damaged_file_message(error: BaseException, storage: Storage) -> str | None:
    """The operator's line when `error` comes from a damaged Parquet file of the warehouse, else None."""
    text = str(error)
    found = _PARQUET_PATH.search(text)
    if not _DAMAGE.search(text) or not found or storage.root not in found.group(1):
        return None
    detail = text.splitlines()[0].replace(found.group(0), "").strip(" :'\"")
    return (f"damaged file {found.group(1)} ({detail[:160]}); "
            f"`broadsheet repair --warehouse {storage.uri()}` sets it aside, then run its night again")


def _check(storage: Storage, path: str) -> str | None:
    """Why the file cannot be read, or None when it reads whole."""
    try:
        with storage.open_input(path) as handle:
            parquet = pq.ParquetFile(handle)
            for group in range(parquet.num_row_groups):
                parquet.read_row_group(group)
        return None
    except Exception as error:   # whatever the reader says is the reason it is damaged
        return f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"


def find_damaged(location) -> list[Damaged]:
    """Every file of the tables' current versions that does not read whole."""
    storage = Storage.of(location)
    damaged = []
    for table in TABLES:
        found = open_table(storage, table)
        if found is None:
            continue
        for uri in found.file_uris():
            path = uri.removeprefix("s3://") if storage.remote else uri
            reason = _check(storage, path)
            if reason:
                day = re.search(r"ingest_date=(\d{4}-\d{2}-\d{2})", path)
                damaged.append(Damaged(table, path, reason, day.group(1) if day else None))
    return damaged


def repair(location, dry_run: bool = False) -> list[Damaged]:
    """Set every damaged file aside and commit its removal; returns what was found."""
    storage = Storage.of(location)
    damaged = find_damaged(storage)
    if dry_run or not damaged:
        return damaged
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    for each in damaged:
        aside = storage.path(QUARANTINE, stamp, each.table, each.path.rsplit("/", 1)[-1])
        with warehouse_errors(f"move {storage.uri(each.path)} to {storage.uri(aside)}"):
            storage.fs.create_dir(aside.rsplit("/", 1)[0], recursive=True)
            storage.fs.move(each.path, aside)
        log.warning("repair: %s set aside as %s (%s)", storage.uri(each.path), storage.uri(aside), each.reason)
    for table in sorted({each.table for each in damaged}):
        found = open_table(storage, table)
        with warehouse_errors(f"commit to the table {table}"):
            found.repair()
        # the manifests describe what the table now holds; the nights to rerun are listed
        write_manifests(storage, table, {each.ingest_date for each in damaged if each.table == table and each.ingest_date} or None)
    return damaged
