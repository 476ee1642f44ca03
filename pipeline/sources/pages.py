"""Fetching candidate pages, and turning each outcome into a RawDocument or a Reject plus a state update."""
from __future__ import annotations

import time
from typing import Iterator
from pipeline.fetch.client import FetchResult
from pipeline.fetch.content import detect_encoding, find_rel_canonical
from pipeline.fetch.crawl import interleave_by_host, run_concurrently
from pipeline.store.raw_pages import RawWriter, read_stored_pages
from pipeline.store.url_state import DEAD, FAILED, OK, PENDING, REJECTED, awaiting_publish, retry_date, save_changes
from pipeline.urls import article_url
from pipeline.records import RawDocument, Reject
from pipeline.sources.run_context import Candidate, SourceRun, log


def document_url(result: FetchResult, key: str) -> str:
    """The URL the article is known by, chosen by `article_url` from the page's <link rel=canonical>
    (a cheap look at <head>; extraction later weighs og:url and JSON-LD with the same rule)."""
    final = result.final_url or key
    return article_url([find_rel_canonical(result.body, final)], final) or key


def replay_today(run: SourceRun, seen: set[str]) -> Iterator[RawDocument | Reject | Candidate]:
    """A rerun of the same date yields again what that date produced, from the raw store, without
    fetching; so does the next night for pages whose own night failed before publishing."""
    rows = [r for r in run.state.values()
            if r.source == run.name and r.kind in ("page", "alias") and r.last_attempt == run.ingest_date]
    for row in rows:
        if row.status in (FAILED, DEAD, REJECTED):
            seen.add(row.page_canonical if row.kind == "alias" else row.canonical_url)
            yield run.reject(row.canonical_url, row.stage or "fetch", row.reason or row.status)
    owed = [r for r in run.state.values() if r.source == run.name and awaiting_publish(r, run.ingest_date)]
    wanted = {r.canonical_url for r in owed}
    for fetched_on in sorted({r.ingest_date for r in owed}):
        keys = {r.canonical_url for r in owed if r.ingest_date == fetched_on}
        for key, location, body, where in read_stored_pages(run.warehouse, fetched_on, keys):
            wanted.discard(key)
            seen.add(key)
            row = run.state[key]
            run.counts["replayed" if fetched_on == run.ingest_date else "replayed_unpublished"] += 1
            run.counts["documents"] += 1
            run.progress()
            yield RawDocument(run.name, location, body, "html", url=row.page_canonical or key, hints=row.hints,
                              origin=where)
    for key in wanted:  # the raw file went missing: fetch the page again rather than lose it
        seen.add(key)
        row = run.touch(run.state[key])
        row.status = PENDING
        yield Candidate(key, row.hints)


def fetch_candidates(run: SourceRun, candidates: list[Candidate], writer: RawWriter,
                     known_pages: set[str]) -> Iterator[RawDocument | Reject]:
    ordered = interleave_by_host(candidates, lambda c: c.key)

    def fetch(candidate: Candidate) -> FetchResult:
        try:
            return run.fetcher.fetch(candidate.key)
        except Exception:  # a bug or an odd server must cost one URL, not the whole night's run
            log.exception("unexpected error fetching %s", candidate.key)
            return FetchResult(candidate.key, candidate.key, None, "fetch_error")

    last_checkpoint, since_checkpoint = time.monotonic(), 0
    for candidate, result in run_concurrently(ordered, fetch, run.settings.global_concurrency,
                                              on_abandon=run.fetcher.stop):
        outcome = record_outcome(run, candidate, result, writer, known_pages)
        since_checkpoint += 1
        if (since_checkpoint >= run.settings.checkpoint_pages
                or time.monotonic() - last_checkpoint >= run.settings.checkpoint_seconds):
            checkpoint(run, writer)
            last_checkpoint, since_checkpoint = time.monotonic(), 0
        yield outcome


def checkpoint(run: SourceRun, writer: RawWriter) -> None:
    """Keep what the night fetched so far, as if it ended here: the raw file first, then the URL
    state that says those pages were fetched (a state row without its page would only mean
    fetching the page again; a page without its row is fetched again and its copy unused)."""
    writer.roll()
    save_changes(run.warehouse, run.changed)
    run.counts["checkpoints"] += 1
    run.changed.clear()


def record_outcome(run: SourceRun, candidate: Candidate, result: FetchResult, writer: RawWriter,
                   known_pages: set[str]) -> RawDocument | Reject:
    row = run.touch(run.state[candidate.key])
    row.last_attempt, row.http_status = run.ingest_date, result.status
    if not result.ok:
        return record_failure(run, row, result.reason, result.transient)
    url = document_url(result, candidate.key)
    if url in known_pages:  # another URL already gave us this article, tonight or on an earlier night
        row.status, row.reason, row.stage = REJECTED, "duplicate", "fetch"
        return run.reject(candidate.key, "fetch", "duplicate")
    known_pages.update({url, candidate.key})
    hints = {**candidate.hints, "encoding": detect_encoding(result.headers.get("content-type", ""), result.body)}
    row.status, row.reason, row.attempts, row.next_retry_at = OK, None, 0, None
    row.ingest_date, row.page_canonical, row.hints = run.ingest_date, url, hints
    where = writer.write(candidate.key, result.final_url, result.status, result.headers, result.body,
                         page_canonical=url, hints=hints)
    run.counts["fetched"] += 1
    run.counts["documents"] += 1
    run.progress()
    return RawDocument(run.name, result.final_url, result.body, "html", url=url, hints=hints, origin=where)


def record_failure(run: SourceRun, row, reason: str, transient: bool) -> Reject:
    """Transient failures are retried on later nights until max_attempts; the others are final."""
    row.stage = "fetch"
    if not transient:
        row.status, row.reason = REJECTED, reason
        return run.reject(row.canonical_url, "fetch", reason)
    row.attempts += 1
    if row.attempts >= run.settings.max_attempts:
        row.status, row.reason, row.next_retry_at = DEAD, "dead", None
        return run.reject(row.canonical_url, "fetch", "dead")
    row.status, row.reason = FAILED, reason
    row.next_retry_at = retry_date(run.ingest_date, row.attempts, run.settings.retry_after_days)
    return run.reject(row.canonical_url, "fetch", reason)
