"""Manifests: what each published partition holds (files, rows, bytes, SHA-256), so that a copy or a
download of the warehouse can be checked file by file, and `broadsheet verify` can check the
warehouse itself.

    WAREHOUSE/_manifests/<table>/ingest_date=YYYY-MM-DD.json

A manifest is written after every commit that changes its partition (a night's publish, a recorded
failure, compaction, repair), from the table's current Delta snapshot, and replaced whole. It lives
beside the tables, not in them, so that no Delta reader or vacuum ever takes it for data.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Iterable

import pyarrow as pa

from pipeline.store.delta import PARTITION, open_table
from pipeline.store.schemas import TABLES, schema_version
from pipeline.store.storage import Storage

MANIFESTS = "_manifests"
HASH_CHUNK = 1 << 20


def manifest_path(storage: Storage, table: str, ingest_date: str) -> str:
    return storage.path(MANIFESTS, table, f"{PARTITION}={ingest_date}.json")


def sha256_of(storage: Storage, path: str) -> str:
    digest = hashlib.sha256()
    with storage.open_input(path) as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _snapshot_files(found) -> dict[str, list[dict]]:
    """Per partition (ISO date), the snapshot's files: path relative to the table, bytes, rows."""
    actions = pa.table(found.get_add_actions(flatten=True))
    partitions: dict[str, list[dict]] = {}
    column = f"partition.{PARTITION}"
    for row in actions.select(["path", "size_bytes", "num_records", column]).to_pylist():
        day = row[column]
        day = day.isoformat() if isinstance(day, date) else str(day)
        partitions.setdefault(day, []).append(
            {"path": row["path"], "bytes": row["size_bytes"], "rows": row["num_records"]})
    return partitions


def write_manifests(location, table: str, dates: Iterable[date | str] | None = None) -> list[str]:
    """(Re)write the manifests of `table`'s partitions for `dates` (all partitions when None) from
    its current snapshot; a partition the snapshot no longer has loses its manifest. Returns the
    manifests written."""
    storage = Storage.of(location)
    found = open_table(storage, table)
    if found is None:
        return []
    partitions = _snapshot_files(found)
    wanted = sorted(partitions) if dates is None else sorted({d.isoformat() if isinstance(d, date) else d
                                                             for d in dates})
    written = []
    for day in wanted:
        path = manifest_path(storage, table, day)
        files = partitions.get(day)
        if not files:
            storage.delete(path)
            continue
        for each in files:
            each["sha256"] = sha256_of(storage, storage.path(table, each["path"]))
        manifest = {
            "table": table, PARTITION: day, "table_version": found.version(),
            "schema_version": schema_version(table),
            "rows": sum(f["rows"] or 0 for f in files), "bytes": sum(f["bytes"] for f in files),
            "files": sorted(files, key=lambda f: f["path"]),
        }
        storage.write_text(path, json.dumps(manifest, indent=1, sort_keys=True))
        written.append(path)
    return written


def write_all_manifests(location) -> None:
    """Every partition of every table: after compaction or repair changed files across nights."""
    storage = Storage.of(location)
    for table in TABLES:
        found = open_table(storage, table)
        if found is None:
            continue
        current = set(_snapshot_files(found))
        stale = {name[len(PARTITION) + 1:-len(".json")]
                 for name in storage.list(storage.path(MANIFESTS, table), ".json")} - current
        write_manifests(storage, table, sorted(current | stale))


@dataclass(frozen=True)
class Problem:
    table: str
    ingest_date: str
    path: str | None
    what: str

    def __str__(self) -> str:
        where = f"{self.table}/{self.path}" if self.path else f"{self.table} {PARTITION}={self.ingest_date}"
        return f"{where}: {self.what}"


@dataclass
class Verified:
    partitions: int
    files: int
    bytes: int
    problems: list[Problem]


def verify(location, on_file=None) -> Verified:
    """Check every partition of every table's current snapshot against its manifest: the same files,
    each of its recorded size and SHA-256, the same rows. `on_file(bytes)` is told of each file read."""
    storage = Storage.of(location)
    problems: list[Problem] = []
    partitions = files_checked = bytes_checked = 0
    for table in TABLES:
        found = open_table(storage, table)
        if found is None:
            continue
        for day, files in sorted(_snapshot_files(found).items()):
            partitions += 1
            path = manifest_path(storage, table, day)
            if not storage.exists(path):
                problems.append(Problem(table, day, None, "no manifest"))
                continue
            manifest = json.loads(storage.read_text(path))
            listed = {f["path"]: f for f in manifest["files"]}
            present = {f["path"] for f in files}
            for missing in sorted(set(listed) - present):
                problems.append(Problem(table, day, missing, "in the manifest but not in the table"))
            for extra in sorted(present - set(listed)):
                problems.append(Problem(table, day, extra, "in the table but not in the manifest"))
            for each in files:
                expected = listed.get(each["path"])
                if expected is None:
                    continue
                problems.extend(_check_file(storage, table, day, each["path"], expected))
                files_checked += 1
                bytes_checked += expected["bytes"]
                if on_file:
                    on_file(expected["bytes"])
            rows = sum(f["rows"] or 0 for f in files)
            if rows != manifest["rows"]:
                problems.append(Problem(table, day, None, f"{rows} rows, the manifest says {manifest['rows']}"))
    return Verified(partitions, files_checked, bytes_checked, problems)


def _check_file(storage: Storage, table: str, day: str, relative: str, expected: dict) -> list[Problem]:
    path = storage.path(table, relative)
    if not storage.exists(path):
        return [Problem(table, day, relative, "missing")]
    size = storage.size(path)
    if size != expected["bytes"]:
        return [Problem(table, day, relative, f"{size} bytes, the manifest says {expected['bytes']}")]
    digest = sha256_of(storage, path)
    if digest != expected["sha256"]:
        return [Problem(table, day, relative, f"SHA-256 {digest[:16]}..., the manifest says {expected['sha256'][:16]}...")]
    return []
