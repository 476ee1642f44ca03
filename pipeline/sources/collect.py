"""collect(): one configured source in, RawDocuments and Rejects out, with state kept across nights."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Iterator

from pipeline.config import SOURCE_KINDS, ConfigError
from pipeline.fetch.client import Fetcher
from pipeline.store.raw_pages import RawWriter
from pipeline.store.storage import Storage
from pipeline.fetch.settings import FetchSettings
from pipeline.store.url_state import OK, load_state, save_changes
from pipeline.records import RawDocument, Reject
from pipeline.sources.discovery import as_list, discover_candidates
from pipeline.sources.files import iter_files
from pipeline.sources.pages import fetch_candidates, replay_today
from pipeline.sources.run_context import Candidate, SourceRun, log
from pipeline.sources.salvage import salvage_killed_pages
from pipeline.sources.warc_source import collect_warc



def collect(source: dict[str, Any], fetch_settings: dict[str, Any] | None, warehouse,
            ingest_date: dt.date, run_id: str, download_to: tuple[Any, str] | None = None
            ) -> Iterator[RawDocument | Reject]:
    """Yield every page of `source` that is new for `ingest_date`, and a Reject for each URL that is not.

    `source` keys: name, kind (feed | sitemap | urls | warc | files), location (one or a list: URLs or
    local paths; for `urls` also files of one URL a line), and optionally since_days or since
    (YYYY-MM-DD) for a date window, hosts (host names; subdomains match too).
    `fetch_settings` is the yaml's fetch: mapping, see FetchSettings for keys and defaults.

    Rerunning the same date yields the same documents again from the raw store without fetching;
    pages fetched on earlier dates are not yielded again. Every page yielded carries its `origin`
    (a WARC record: the raw store's, or the source archive's, downloaded into `download_to` =
    (storage, folder) when it is named by URL), so it can be read again by whichever worker extracts it.
    """
    kind = source.get("kind")
    if kind not in SOURCE_KINDS:
        raise ConfigError(f"source {source.get('name')!r}: unknown kind {kind!r} "
                          f"(expected one of {', '.join(SOURCE_KINDS)})")
    if kind == "files":
        yield from iter_files(as_list(source.get("location")), source["name"])
        return
    settings = FetchSettings.from_dict(fetch_settings)
    warehouse = Storage.of(warehouse)
    state = load_state(warehouse)
    if kind != "warc":
        salvage_killed_pages(warehouse, ingest_date, state)
    with Fetcher(settings) as fetcher:
        run = SourceRun(source, settings, warehouse, ingest_date, run_id, fetcher, state,
                        download_to=download_to)
        try:
            if kind == "warc":
                yield from collect_warc(run)
            else:
                yield from collect_pages(run)
        finally:
            # Also on an early stop: what was fetched is kept and recorded, so nothing is fetched twice.
            save_changes(warehouse, run.changed)
            run.summary()


def within_night_budget(run: SourceRun, candidates: list[Candidate]) -> list[Candidate]:
    """At most max_urls_per_night pages a night, those waiting longest first; the rest stay
    pending in the URL state (saved at the first checkpoint) and are owed to later nights.
    Pages this date already fetched (a rerun, a resumed night) count: a rerun fetches no more."""
    cap = max(0, run.settings.max_urls_per_night - run.counts["replayed"])
    if len(candidates) <= cap:
        return candidates
    ordered = sorted(candidates, key=lambda c: run.state[c.key].first_seen)
    run.counts["deferred_to_later_nights"] += len(ordered) - cap
    log.warning("source %s: %d URLs to fetch, %d tonight (max_urls_per_night); the rest on later nights",
                run.name, len(ordered), cap)
    return ordered[:cap]


def collect_pages(run: SourceRun) -> Iterator[RawDocument | Reject]:
    seen: set[str] = set()
    candidates: list[Candidate] = []
    for item in replay_today(run, seen):
        if isinstance(item, Candidate):
            candidates.append(item)
        else:
            yield item
    # Every URL by which an article is already known, so a second URL for it is a duplicate.
    known_pages = {u for r in run.state.values() if r.status == OK for u in (r.canonical_url, r.page_canonical) if u}
    for item in discover_candidates(run, seen, known_pages):
        if isinstance(item, Candidate):
            candidates.append(item)
        else:
            yield item
    # Failures from earlier nights whose feed has not changed since are not rediscovered; retry them anyway.
    for row in list(run.state.values()):
        if row.source == run.name and row.kind == "page" and row.canonical_url not in seen and row.due(run.ingest_date):
            seen.add(row.canonical_url)
            candidates.append(Candidate(row.canonical_url, row.hints))
    candidates = within_night_budget(run, candidates)
    run.counts["to_fetch"] = len(candidates)
    run.progress(force=True)
    writer = RawWriter(run.warehouse, run.ingest_date, run.run_id, run.name)
    try:
        yield from fetch_candidates(run, candidates, writer, known_pages)
    finally:
        writer.close()
