"""WARC archives as a source: response records of HTML pages, streamed record by record."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Iterator

from warcio.archiveiterator import ArchiveIterator

from pipeline.sources.sitemaps import parse_w3c_datetime


@dataclass
class WarcPage:
    target_uri: str
    status: int | None
    content_type: str
    when: datetime | None
    body: bytes | None          # None when it was larger than the limit
    offset: int


def iter_warc_responses(stream: BinaryIO, max_bytes: int) -> Iterator[WarcPage]:
    """Every HTTP response record; request, metadata and warcinfo records are not pages and are passed over."""
    records = ArchiveIterator(stream)
    for record in records:
        if record.rec_type != "response" or record.http_headers is None:
            continue
        status_code = record.http_headers.get_statuscode()
        # content_stream() undoes chunked transfer and content encoding as recorded on the wire.
        body = record.content_stream().read(max_bytes + 1)
        yield WarcPage(
            target_uri=record.rec_headers.get_header("WARC-Target-URI") or "",
            status=int(status_code) if status_code and status_code.isdigit() else None,
            content_type=record.http_headers.get_header("Content-Type") or "",
            when=parse_w3c_datetime(record.rec_headers.get_header("WARC-Date")),
            body=body if len(body) <= max_bytes else None,
            offset=records.get_record_offset(),
        )


def read_response_at(stream: BinaryIO, offset: int) -> bytes:
    """The payload of the response record that starts at `offset` (a gzip member, or plain WARC)."""
    stream.seek(offset)
    record = next(iter(ArchiveIterator(stream)), None)
    if record is None or record.rec_type != "response":
        raise ValueError(f"no response record at offset {offset}")
    return record.content_stream().read()
