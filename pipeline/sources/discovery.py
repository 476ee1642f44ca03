"""Discovery: turn feeds, sitemaps and URL lists into candidate page URLs (or Rejects saying why not)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from pipeline.fetch.safety import FetchRefused
from pipeline.store.url_state import FAILED, OK, REJECTED, UrlState
from pipeline.urls import CREDENTIALS_REASON, canonicalize_url, has_credentials, redact_credentials
from pipeline.records import Reject
from pipeline.sources.feeds import BadFeed, parse_feed
from pipeline.sources.run_context import Candidate, Link, SourceRun, log
from pipeline.sources.sitemaps import BadSitemap, in_window, parse_sitemap, parse_w3c_datetime
from pipeline.sources.urllists import iter_listed_urls, looks_like_url

# Rejected at discovery for reasons that may change: a later sitemap may re-date the entry.
RECONSIDERED_REASONS = {"out_of_window"}


def as_list(location: Any) -> list[str]:
    if location is None:
        return []
    return [str(x) for x in location] if isinstance(location, (list, tuple)) else [str(location)]


def read_discovery_document(run: SourceRun, location: str, kind: str) -> Iterator[Reject | bytes]:
    """Yield the document's bytes, nothing when unchanged (304) or already read today, or a Reject.

    Feeds and sitemaps are fetched with the validators stored from last time, so an unchanged
    feed costs one request and no body.
    """
    if not looks_like_url(location):
        try:
            yield Path(location).read_bytes()
        except OSError as exc:
            yield run.reject(location, "discover", f"unreadable: {exc.strerror or exc}")
        return
    if has_credentials(location):  # before the state: its canonical form may be another source's feed
        yield run.reject(location, "discover", CREDENTIALS_REASON)
        return
    key = canonicalize_url(location)
    if key is None:
        yield run.reject(location, "discover", "bad_url")
        return
    row = run.state.get(key) or UrlState(key, run.name, kind, first_seen=run.ingest_date)
    if row.status == OK and row.last_attempt == run.ingest_date:
        # A rerun of the same date: every entry found today is already in the state table.
        run.counts["discovery_already_read_today"] += 1
        return
    validators = {"etag": row.etag, "last_modified": row.last_modified} if row.status == OK else None
    result = run.fetcher.fetch(location, html_only=False, conditional=validators,
                               max_bytes=run.settings.max_discovery_bytes)
    row.last_attempt, row.http_status = run.ingest_date, result.status
    if result.ok:
        row.status, row.reason, row.attempts = OK, None, 0
        if not result.not_modified:
            row.etag = result.headers.get("etag")
            row.last_modified = result.headers.get("last-modified")
    else:
        row.attempts += 1
        row.status, row.reason, row.stage = (FAILED if result.transient else REJECTED), result.reason, "discover"
        row.next_retry_at = run.ingest_date  # discovery documents are tried every night
    run.touch(row)
    if result.not_modified:
        run.counts[f"{kind}_not_modified"] += 1
    elif not result.ok:
        yield run.reject(location, "discover", result.reason)
    else:
        run.counts[f"{kind}_fetched"] += 1
        yield result.body


def discover_feed(run: SourceRun, location: str) -> Iterator[Reject | Link]:
    for item in read_discovery_document(run, location, "feed"):
        if isinstance(item, Reject):
            yield item
            continue
        try:
            entries = parse_feed(item)
        except BadFeed:
            yield run.reject(location, "discover", "bad_feed")
            continue
        for link, hints in entries:
            dated_in_window = in_window(parse_w3c_datetime(hints.get("published")), run.since)
            yield Link(link, {**hints, "discovered_from": location}, out_of_window=not dated_in_window)


def discover_sitemap(run: SourceRun, location: str, depth: int = 0,
                     visited: set[str] | None = None) -> Iterator[Reject | Link]:
    """Entries of a sitemap, recursing into indexes; returns True when it and its children were all read."""
    visited = set() if visited is None else visited
    if location in visited:
        return True
    visited.add(location)
    complete = True
    taken = deferred = 0
    for item in read_discovery_document(run, location, "sitemap"):
        if isinstance(item, Reject):
            yield item
            return False
        try:
            root, entries = parse_sitemap(item, run.settings.max_discovery_bytes)
        except BadSitemap:
            yield run.reject(location, "discover", "bad_sitemap")
            return False
        except FetchRefused as refused:  # a gzipped sitemap that inflates beyond the limit
            yield run.reject(location, "discover", refused.reason)
            return False
        for entry in entries:
            if root == "sitemapindex":
                # Child sitemaps untouched since the window opened cannot hold new articles.
                if not in_window(entry.when, run.since):
                    run.counts["sitemaps_out_of_window"] += 1
                elif depth + 1 > run.settings.max_sitemap_depth:
                    yield run.reject(entry.loc, "discover", "sitemap_too_deep")
                elif not (yield from discover_sitemap(run, entry.loc, depth + 1, visited)):
                    complete = False
            else:
                # New entries are taken up to max_urls_per_sitemap; known ones cost nothing, so each
                # night takes the next new ones of an oversized sitemap.
                new = canonicalize_url(entry.loc) not in run.state
                if new and taken >= run.settings.max_urls_per_sitemap:
                    deferred += 1
                    continue
                taken += new
                yield Link(entry.loc, {**entry.hints, "discovered_from": location},
                           out_of_window=not in_window(entry.when, run.since))
    if deferred:
        run.counts["sitemap_entries_deferred"] += deferred
        log.warning("sitemap %s: %d new entries over max_urls_per_sitemap, left for later nights", location, deferred)
        row = run.state.get(canonicalize_url(location) or "")
        if row is not None:  # read in full next night (no 304); a rerun tonight still skips it
            row.etag = row.last_modified = None
            run.touch(row)
    if not complete:
        forget_validators(run, location)
    return complete


def forget_validators(run: SourceRun, location: str) -> None:
    """An index whose child failed must be read in full next time: a 304 would hide the child for good."""
    row = run.state.get(canonicalize_url(location) or "")
    if row is not None:
        row.status, row.reason, row.etag, row.last_modified = FAILED, "child_sitemap_failed", None, None
        run.touch(row)


def discovered_links(run: SourceRun) -> Iterator[Reject | Link]:
    kind = run.source["kind"]
    for location in as_list(run.source.get("location")):
        if kind == "feed":
            yield from discover_feed(run, location)
        elif kind == "sitemap":
            yield from discover_sitemap(run, location)
    if kind == "urls":
        for url in iter_listed_urls(as_list(run.source.get("location")) + as_list(run.source.get("urls"))):
            yield Link(url, {})


def refuse_credentials(run: SourceRun, url: str) -> Iterator[Reject]:
    """A listed URL with user:password@ is not fetched (not even without them: a site that leaks
    credentials in its links is not to be logged into). Kept as an alias row under its redacted form,
    so that a rerun of the date says it again and later nights do not."""
    shown = redact_credentials(url)
    if shown in run.state:
        run.counts["credentials_in_url_again"] += 1
        return
    run.touch(UrlState(shown, run.name, "alias", first_seen=run.ingest_date, status=REJECTED,
                       last_attempt=run.ingest_date, reason=CREDENTIALS_REASON, stage="discover",
                       page_canonical=shown))
    yield run.reject(shown, "discover", CREDENTIALS_REASON)


def discover_candidates(run: SourceRun, seen: set[str], known_pages: set[str]) -> Iterator[Reject | Candidate]:
    """New or due page URLs, each once; everything already handled is counted, not yielded again."""
    for item in discovered_links(run):
        if isinstance(item, Reject):
            yield item
            continue
        hints, out_of_window = item.hints, item.out_of_window
        run.counts["discovered"] += 1
        if has_credentials(item.url):
            yield from refuse_credentials(run, item.url)
            continue
        key = canonicalize_url(item.url)
        if key is None:
            yield run.reject(item.url, "discover", "bad_url")
            continue
        if key in seen:
            if item.url != key and item.url not in run.state:
                # Another spelling (tracking parameters, fragment) of a URL already taken: said once,
                # and remembered as an alias so that a rerun of this date says it again.
                run.touch(UrlState(item.url, run.name, "alias", first_seen=run.ingest_date, status=REJECTED,
                                   last_attempt=run.ingest_date, reason="duplicate", stage="discover",
                                   page_canonical=key))
                yield run.reject(item.url, "discover", "duplicate")
            else:
                run.counts["same_url_again"] += 1  # listed twice as is, or replayed today
            continue
        seen.add(key)
        row = run.state.get(key)
        if row is not None and row.status == REJECTED and row.reason in RECONSIDERED_REASONS \
                and row.last_attempt != run.ingest_date:
            if out_of_window:  # reported on the night it was first seen; no need to say it again
                run.counts["still_out_of_window"] += 1
                continue
            row = None
        if row is None:
            if key in known_pages:  # another URL's page already declared this one its canonical
                run.counts["already_fetched"] += 1
                continue
            row = run.touch(UrlState(key, run.name, "page", first_seen=run.ingest_date, hints=hints))
        if row.status == OK:
            run.counts["already_fetched"] += 1
        elif not row.due(run.ingest_date):
            run.counts["not_due"] += 1
        elif out_of_window or not run.host_allowed(key):
            reason = "out_of_window" if out_of_window else "filtered_host"
            row.status, row.reason, row.stage, row.last_attempt = REJECTED, reason, "discover", run.ingest_date
            run.touch(row)
            yield run.reject(key, "discover", reason)
        else:
            if hints and hints != row.hints:
                row.hints = {**row.hints, **hints}
                run.touch(row)
            yield Candidate(key, row.hints)
