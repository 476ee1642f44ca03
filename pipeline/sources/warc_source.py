"""Collecting from WARC files, local or downloaded, without loading a whole archive into memory."""
from __future__ import annotations

import gzip
import tempfile
import zlib
from contextlib import contextmanager
from typing import BinaryIO, Iterator

from warcio.exceptions import ArchiveLoadFailed

from pipeline.fetch.content import detect_encoding, is_html_media_type, looks_like_html
from pipeline.store.url_state import OK, UrlState
from pipeline.urls import canonicalize_url
from pipeline.records import RawDocument, Reject, WarcRef
from pipeline.store.raw_pages import safe_name
from pipeline.store.storage import is_remote, open_uri
from pipeline.sources.discovery import as_list
from pipeline.sources.run_context import SourceRun
from pipeline.sources.sitemaps import in_window
from pipeline.sources.urllists import looks_like_url
from pipeline.sources.warcs import WarcDamage, iter_warc_responses

@contextmanager
def opened_warc(run: SourceRun, location: str) -> Iterator[tuple[BinaryIO, str] | Reject]:
    """The archive as a seekable stream, with the URI its records can be read again from.

    A WARC named by URL is downloaded first: into the run's download folder when it has one (the
    plan stage's, in the warehouse, so that shards on any worker read the records from there),
    else into a temporary file.
    """
    if is_remote(location):   # an archive in the object store: read in place, by ranges
        with open_uri(location) as stream:
            yield stream, location
        return
    if not looks_like_url(location):
        with open(location, "rb") as stream:
            yield stream, location
        return
    if run.download_to is not None:
        storage, folder = run.download_to
        kept = f"{folder}/{len(storage.list(folder)):04d}-{safe_name(location)[-80:]}"
        with storage.spool(kept) as local, open(local, "w+b") as stream:
            reject = _download(run, location, stream)
            yield reject if reject else (stream, storage.uri(kept))
        return
    with tempfile.TemporaryFile() as stream:
        reject = _download(run, location, stream)
        yield reject if reject else (stream, location)


def _download(run: SourceRun, location: str, stream: BinaryIO) -> Reject | None:
    result = run.fetcher.fetch(location, html_only=False, max_bytes=run.settings.max_warc_bytes, sink=stream)
    if not result.ok:
        return run.reject(location, "discover", result.reason)
    stream.seek(0)
    return None


def starts_like_a_warc(stream: BinaryIO) -> bool:
    """warcio reads almost anything as some kind of record; a WARC file starts with "WARC/"."""
    head = stream.read(5)
    stream.seek(0)
    if head[:2] == b"\x1f\x8b":
        with gzip.GzipFile(fileobj=stream) as unzipped:
            head = unzipped.read(5)
        stream.seek(0)
    return head == b"WARC/"


def collect_warc(run: SourceRun) -> Iterator[RawDocument | Reject]:
    """HTML responses of every WARC; pages collected on earlier dates are passed over."""
    seen: set[str] = set()
    for location in as_list(run.source.get("location")):
        try:
            with opened_warc(run, location) as opened:
                if isinstance(opened, Reject):
                    yield opened
                    continue
                stream, readable_at = opened
                if not starts_like_a_warc(stream):
                    yield run.reject(location, "read", "bad_warc")
                    continue
                yield from warc_documents(run, location, stream, seen, readable_at)
        except OSError as exc:
            yield run.reject(location, "read", f"unreadable: {exc.strerror or exc}")
        except (ArchiveLoadFailed, zlib.error, EOFError):  # not a WARC, or cut short
            yield run.reject(location, "read", "bad_warc")


def warc_documents(run: SourceRun, location: str, stream: BinaryIO, seen: set[str],
                   readable_at: str | None = None) -> Iterator[RawDocument | Reject]:
    for page in iter_warc_responses(stream, run.settings.max_bytes):
        run.counts["discovered"] += 1
        if isinstance(page, WarcDamage):  # this record only: the archive's other records go on
            yield run.reject(f"{location}#{page.offset}", "read", page.reason)
            continue
        key = canonicalize_url(page.target_uri)
        where = key or f"{location}#{page.offset}"
        if key is None:
            yield run.reject(where, "read", "bad_url")
        elif page.status != 200:
            yield run.reject(where, "read", f"http_{page.status}")
        elif page.body is None:
            yield run.reject(where, "read", "too_large")
        elif not (is_html_media_type(page.content_type) or (not page.content_type and looks_like_html(page.body))):
            yield run.reject(where, "read", "not_html")
        elif not run.host_allowed(key):
            yield run.reject(where, "read", "filtered_host")
        elif not in_window(page.when, run.since):
            yield run.reject(where, "read", "out_of_window")
        elif key in seen:
            yield run.reject(where, "read", "duplicate")
        else:
            seen.add(key)
            row = run.state.get(key)
            if row is not None and row.status == OK and row.ingest_date != run.ingest_date:
                run.counts["already_fetched"] += 1
                continue
            hints = {"encoding": detect_encoding(page.content_type, page.body), "warc": location,
                     "warc_date": page.when.isoformat() if page.when else None}
            run.touch(UrlState(key, run.name, "page", first_seen=run.ingest_date, status=OK,
                               last_attempt=run.ingest_date, ingest_date=run.ingest_date,
                               page_canonical=key, hints=hints))
            run.counts["documents"] += 1
            run.progress()
            yield RawDocument(run.name, location, page.body, "html", url=key, hints=hints,
                              origin=WarcRef(readable_at or location, page.offset))
