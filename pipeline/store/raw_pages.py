"""The raw store: fetched HTML kept as WARC files so articles can be re-extracted without refetching.

WAREHOUSE/raw/ingest_date=YYYY-MM-DD/<run_id>-<source>.warc.gz (local disk or object storage), spooled
locally and put in place whole when complete.
Each response record carries the state key of its URL in a `Broadsheet-Url-Key` header so a rerun
of the same date can find the pages it already has.
"""
from __future__ import annotations

import gzip
import http
import io
import json
import logging
import os
import re
from datetime import date, datetime, timezone
from typing import Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline.records import WarcRef
from pipeline.store.storage import Storage

log = logging.getLogger("broadsheet.fetch")

KEY_HEADER = "Broadsheet-Url-Key"
# What the URL state says of a fetched page, kept beside it so that a night killed before its next
# checkpoint can have its state rebuilt from the raw file (pipeline/sources/salvage.py).
SOURCE_HEADER, CANONICAL_HEADER, HINTS_HEADER = "Broadsheet-Source", "Broadsheet-Page-Canonical", "Broadsheet-Hints"
# Storage.spool's local name for a file being written: .<name>.<pid>.tmp
SPOOL_NAME = re.compile(r"^\..+\.(\d+)\.tmp$")
# Stored bodies are decoded; these headers would describe the bytes on the wire, not what we keep.
WIRE_ONLY_HEADERS = {"content-encoding", "transfer-encoding", "content-length", "connection", "keep-alive"}


def partition_dir(storage: Storage, ingest_date: date) -> str:
    return storage.path("raw", f"ingest_date={ingest_date.isoformat()}")


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def abandoned_spools(storage: Storage, directory: str) -> list[str]:
    """Names of the half-written raw files of processes that died writing them (SIGKILL, a lost
    machine); a live process's spool is not one. On object storage spools are local temp files."""
    if storage.remote:
        return []
    dead = []
    for name in storage.list(directory, ".tmp"):
        match = SPOOL_NAME.match(name)
        if match and int(match.group(1)) != os.getpid() and not _alive(int(match.group(1))):
            dead.append(name)
    return dead


def spool_target(name: str) -> str:
    """The final name a spool `.<name>.<pid>.tmp` was being written for."""
    return name[1:].rsplit(".", 2)[0]


def sweep_abandoned_spools(storage: Storage, directory: str) -> int:
    """Remove what is left of dead writers' spools once salvaged (what was not salvageable)."""
    removed = 0
    for name in abandoned_spools(storage, directory):
        storage.delete(f"{directory}/{name}")
        removed += 1
    if removed:
        log.info("raw store: removed %d half-written file(s) of abandoned runs in %s", removed, directory)
    return removed


class RawWriter:
    """Appends fetched pages to a WARC file per run and source; `roll()` and `close()` publish it.

    The file's final name is chosen when the first page is written, so the place of every record
    (`WarcRef`) is known as it is written and a shard can name the pages it holds. A night rolls
    to a new file at each checkpoint, so what it fetched before is in place if it is killed.
    """

    def __init__(self, warehouse, ingest_date: date, run_id: str, source: str):
        self.storage = Storage.of(warehouse)
        self.directory = partition_dir(self.storage, ingest_date)
        sweep_abandoned_spools(self.storage, self.directory)
        self._stem = f"{safe_name(run_id)}-{safe_name(source)}"
        self.source = source
        self.final_path: str | None = None
        self._spool = None
        self._file = None
        self.records = 0

    def _open(self) -> None:
        target, counter = f"{self.directory}/{self._stem}.warc.gz", 1
        while self.storage.exists(target):  # a rerun with the same run id must not overwrite what it replays from
            target = f"{self.directory}/{self._stem}.{counter}.warc.gz"
            counter += 1
        self.final_path = target
        self._spool = self.storage.spool(target)
        self._file = open(self._spool.__enter__(), "wb")

    def write(self, key: str, url: str, status: int, headers: dict[str, str], body: bytes,
              page_canonical: str | None = None, hints: dict | None = None) -> WarcRef:
        if self._file is None:
            self._open()
        kept = [(k, v) for k, v in headers.items() if k.lower() not in WIRE_ONLY_HEADERS]
        kept.append(("Content-Length", str(len(body))))
        try:
            phrase = http.HTTPStatus(status).phrase
        except ValueError:
            phrase = "OK"
        http_headers = StatusAndHeaders(f"{status} {phrase}", kept, protocol="HTTP/1.1")
        buffer = io.BytesIO()
        writer = WARCWriter(buffer, gzip=False)
        record = writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), http_headers=http_headers,
            warc_headers_dict={KEY_HEADER: key, SOURCE_HEADER: self.source,
                               CANONICAL_HEADER: page_canonical or key,
                               HINTS_HEADER: json.dumps(hints or {}, default=str, sort_keys=True, ensure_ascii=True),
                               "WARC-Date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")})
        writer.write_record(record)
        offset = self._file.tell()
        # One gzip member per record, as WARC readers expect; warcio's own level 9 is slow for little gain.
        self._file.write(gzip.compress(buffer.getvalue(), compresslevel=6))
        self._file.flush()   # in the kernel's hands at once: a SIGKILL after this keeps the record
        self.records += 1
        return WarcRef(self.storage.uri(self.final_path), offset)

    def close(self) -> None:
        if self._file is None:
            return
        self._file.close()
        self._file = None
        self._spool.__exit__(None, None, None)

    def roll(self) -> None:
        """Publish what is written so far; the next page starts a new file."""
        self.close()


def read_stored_pages(warehouse, ingest_date: date, keys: set[str]) -> Iterator[tuple[str, str, bytes, WarcRef]]:
    """(key, url, body, where) for every stored response of that date whose key is wanted, first copy only."""
    storage = Storage.of(warehouse)
    remaining = set(keys)
    directory = partition_dir(storage, ingest_date)
    if not remaining:
        return
    for name in storage.list(directory, ".warc.gz"):
        path = f"{directory}/{name}"
        with storage.open_input(path) as stream:
            records = ArchiveIterator(stream)
            for record in records:
                key = record.rec_headers.get_header(KEY_HEADER)
                if record.rec_type == "response" and key in remaining:
                    remaining.discard(key)
                    body = record.content_stream().read()
                    yield (key, record.rec_headers.get_header("WARC-Target-URI"), body,
                           WarcRef(storage.uri(path), records.get_record_offset()))
        if not remaining:
            return
