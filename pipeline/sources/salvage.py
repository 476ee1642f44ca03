"""What a killed night fetched after its last checkpoint: salvaged from its half-written raw file.

Each fetched page is written (and flushed) to the raw WARC spool as soon as it is fetched, with
what the URL state says of it in the record's headers; the state itself is saved only at
checkpoints. A night SIGKILLed in between leaves a spool whose complete records are pages it really
fetched: the next run of that date (under the warehouse lock, the dead writer's pid gone) publishes
those records under the spool's intended name and rebuilds their state rows, so none of them is
fetched again. A record cut short by the kill is dropped, and its page fetched again.
"""
from __future__ import annotations

import json
import logging
from datetime import date

from pipeline.sources.warcs import WarcDamage, WarcPage, iter_warc_responses
from pipeline.store.raw_pages import (CANONICAL_HEADER, HINTS_HEADER, KEY_HEADER, SOURCE_HEADER,
                                      abandoned_spools, partition_dir, spool_target)
from pipeline.store.storage import Storage
from pipeline.store.url_state import OK, UrlState, save_changes

log = logging.getLogger("broadsheet.fetch")
NO_LIMIT = 1 << 40   # records of our own raw store were within max_bytes when written


def _complete_records(storage: Storage, path: str) -> tuple[list[WarcPage], int]:
    """The complete page records of a spool and where the last of them ends."""
    pages, end = [], None
    with storage.open_input(path) as stream:
        size = stream.size()
        for item in iter_warc_responses(stream, NO_LIMIT):
            if isinstance(item, WarcDamage):   # the record the kill cut short: nothing after it
                end = item.offset
                break
            if item.record_headers.get(KEY_HEADER):
                pages.append(item)
    return pages, size if end is None else end


def salvage_killed_pages(warehouse, ingest_date: date, state: dict[str, UrlState]) -> int:
    """Publish the complete records of dead writers' spools for `ingest_date` and record their pages
    as fetched (in `state` and in the stored table). Returns the number of pages salvaged."""
    storage = Storage.of(warehouse)
    directory = partition_dir(storage, ingest_date)
    recovered: dict[str, UrlState] = {}
    for name in abandoned_spools(storage, directory):
        spool = f"{directory}/{name}"
        pages, end = _complete_records(storage, spool)
        target = f"{directory}/{spool_target(name)}"
        if not pages or storage.exists(target):
            continue   # nothing to keep (or a name already taken): swept by the raw writer
        with storage.spool(target) as local, storage.open_input(spool) as source, open(local, "wb") as out:
            out.write(source.read(end))
        storage.delete(spool)
        for page in pages:
            headers = page.record_headers
            key = headers[KEY_HEADER]
            row = state.get(key)
            if row is not None and row.status == OK and row.ingest_date == ingest_date:
                continue
            recovered[key] = UrlState(
                key, headers.get(SOURCE_HEADER) or (row.source if row else ""), "page",
                first_seen=row.first_seen if row else ingest_date, status=OK, last_attempt=ingest_date,
                http_status=page.status, ingest_date=ingest_date,
                page_canonical=headers.get(CANONICAL_HEADER) or key,
                hints=json.loads(headers.get(HINTS_HEADER) or "{}"))
    if recovered:
        save_changes(warehouse, recovered)
        state.update(recovered)
        log.info("raw store: %d page(s) fetched by a killed night after its last checkpoint salvaged in %s",
                 len(recovered), directory)
    return len(recovered)
