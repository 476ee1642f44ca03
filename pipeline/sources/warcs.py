"""WARC archives as a source: response records of HTML pages, streamed record by record.

An archive may be damaged: a crawler killed mid-write leaves a truncated last record, a bad disk
or transfer flips bytes. The records are found one by one here (gzip members of a .warc.gz, or
WARC headers and their Content-Length in a plain .warc), so a bad record costs itself only: it
is reported (`truncated_record`, `corrupt_record`) and reading resumes at the next good record.
"""
from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO, Iterator

from warcio.archiveiterator import ArchiveIterator

from pipeline.sources.sitemaps import parse_w3c_datetime

GZIP_MAGIC = b"\x1f\x8b\x08"
WARC_START = re.compile(rb"WARC/1\.[01]\r?\n")
CHUNK = 1 << 20
HEADER_ROOM = 256 * 1024     # WARC and HTTP headers kept beyond max_bytes of body


@dataclass
class WarcPage:
    target_uri: str
    status: int | None
    content_type: str
    when: datetime | None
    body: bytes | None          # None when it was larger than the limit
    offset: int
    record_headers: dict[str, str] = field(default_factory=dict)   # the WARC record's own headers


@dataclass
class WarcDamage:
    offset: int
    reason: str                 # truncated_record | corrupt_record
    detail: str = ""
    record: bool = True         # a record's start was recognised here (else: junk between records)


def iter_warc_responses(stream: BinaryIO, max_bytes: int) -> Iterator[WarcPage | WarcDamage]:
    """Every HTTP response record, and a WarcDamage for each stretch of the archive that is not a
    good record; request, metadata and warcinfo records are not pages and are passed over."""
    stream.seek(0)
    gzipped = stream.read(3) == GZIP_MAGIC
    keep = max_bytes + HEADER_ROOM
    pieces = _gzip_members(stream, keep) if gzipped else _plain_records(stream, keep)
    damaged: WarcDamage | None = None   # reported once the next record (or the end) shows where it stops
    for offset, data, over, damage in pieces:
        item = damage if damage is not None else _parse_record(data, offset, over, max_bytes)
        if isinstance(item, WarcDamage):
            if item.record or damaged is None:
                if damaged is not None:
                    yield damaged
                damaged = item
            # else: junk met while looking for the next record belongs to the damage before it
            continue
        if damaged is not None:
            yield damaged
            damaged = None
        if item is not None:
            yield item
    if damaged is not None:
        yield damaged


def _parse_record(data: bytes, offset: int, over: bool, max_bytes: int) -> WarcPage | WarcDamage | None:
    """One record's bytes (cut to `keep` when `over`) as a page, None for a record that is no page."""
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(data), check_digests=True)), None)
        if record is None:
            return WarcDamage(offset, "corrupt_record", "no WARC record", record=False)
        if record.rec_type != "response" or record.http_headers is None:
            return None
        status_code = record.http_headers.get_statuscode()
        # content_stream() undoes chunked transfer and content encoding as recorded on the wire.
        body = record.content_stream().read(max_bytes + 1)
        if not over and len(body) <= max_bytes:
            record.raw_stream.read()   # to the end: the digests are checked there
            if getattr(record.raw_stream, "limit", 0) > 0:
                return WarcDamage(offset, "truncated_record", "shorter than its Content-Length")
            if record.digest_checker.passed is False:
                return WarcDamage(offset, "corrupt_record", "; ".join(record.digest_checker.problems)[:200])
        return WarcPage(
            target_uri=record.rec_headers.get_header("WARC-Target-URI") or "",
            status=int(status_code) if status_code and status_code.isdigit() else None,
            content_type=record.http_headers.get_header("Content-Type") or "",
            when=parse_w3c_datetime(record.rec_headers.get_header("WARC-Date")),
            body=body if len(body) <= max_bytes else None,
            offset=offset,
            record_headers=dict(record.rec_headers.headers),
        )
    except Exception as exc:  # warcio's parse errors, zlib errors in an encoded body, bad headers
        return WarcDamage(offset, "corrupt_record", f"{type(exc).__name__}: {exc}"[:200],
                          record=data.startswith(b"WARC/"))


def _find(stream: BinaryIO, pattern: re.Pattern | bytes, start: int) -> int | None:
    """The offset of the next match at or after `start`, reading in chunks."""
    position = start
    overlap = 16
    while True:
        stream.seek(position)
        chunk = stream.read(CHUNK)
        if not chunk:
            return None
        found = chunk.find(pattern) if isinstance(pattern, bytes) else \
            (m.start() if (m := pattern.search(chunk)) else -1)
        if found >= 0:
            return position + found
        if len(chunk) < CHUNK:
            return None
        position += len(chunk) - overlap


def _gzip_members(stream: BinaryIO, keep: int) -> Iterator[tuple[int, bytes, bool, WarcDamage | None]]:
    """(offset, first `keep` decoded bytes, cut?, damage) for each gzip member, from the start."""
    position = 0
    while True:
        stream.seek(position)
        head = stream.read(3)
        if not head:
            return
        if head != GZIP_MAGIC:
            yield position, b"", False, WarcDamage(position, "corrupt_record", "not a gzip member", record=False)
        else:
            data, end, over, damage = _inflate_member(stream, position, keep)
            yield position, data, over, damage
            if end is not None:
                position = end
                continue
            if damage is not None and damage.reason == "truncated_record":
                return
        following = _find(stream, GZIP_MAGIC, position + 1)
        if following is None:
            return
        position = following


def _inflate_member(stream: BinaryIO, start: int, keep: int):
    """Decode the gzip member at `start`: (kept bytes, end offset or None, cut?, damage or None)."""
    stream.seek(start)
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    kept, consumed, over = bytearray(), 0, False
    try:
        while not inflater.eof:
            chunk = stream.read(CHUNK)
            if not chunk:
                return bytes(kept), None, over, WarcDamage(start, "truncated_record", "archive ends mid-record",
                                                           record=kept.startswith(b"WARC/"))
            consumed += len(chunk)
            pending = chunk
            while pending and not inflater.eof:
                out = inflater.decompress(pending, CHUNK)   # bounded: a bomb is read, not held
                pending = inflater.unconsumed_tail
                room = keep - len(kept)
                kept += out[:max(0, room)]
                over = over or len(out) > room
    except zlib.error as exc:
        # A gzip magic found by scanning may be chance bytes inside a bad member: only a member
        # that decodes to a WARC header is a record of its own.
        return bytes(kept), None, over, WarcDamage(start, "corrupt_record", f"gzip: {exc}",
                                                   record=kept.startswith(b"WARC/"))
    return bytes(kept), start + consumed - len(inflater.unused_data), over, None


def _plain_records(stream: BinaryIO, keep: int) -> Iterator[tuple[int, bytes, bool, WarcDamage | None]]:
    """The same for an uncompressed WARC: each record is its header block, Content-Length bytes
    and a blank line; a record whose blank line is not where its length says is damaged."""
    position = 0
    while True:
        stream.seek(position)
        head = stream.read(64 * 1024)
        if not head.strip():
            return
        header_end = head.find(b"\r\n\r\n")
        length = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head[:header_end]) if header_end > 0 else None
        if not WARC_START.match(head) or length is None:
            damage = WarcDamage(position, "corrupt_record", "no WARC header here", record=False)
        else:
            body_start = position + header_end + 4
            end = body_start + int(length.group(1))
            stream.seek(end)
            trailer = stream.read(4)
            if trailer == b"\r\n\r\n":
                stream.seek(position)
                size = end + 4 - position
                yield position, stream.read(min(size, keep)), size > keep, None
                position = end + 4
                continue
            # The record does not end where it says: cut short (another record, or the file's end,
            # comes first) or its length is wrong.
            following = _find(stream, WARC_START, body_start)
            cut = (following is not None and following < end) or len(trailer) < 4
            damage = WarcDamage(position, "truncated_record" if cut else "corrupt_record",
                                "shorter than its Content-Length" if cut else "no record end after its Content-Length")
        yield position, b"", False, damage
        following = _find(stream, WARC_START, position + 1)
        if following is None:
            return
        position = following


def read_response_at(stream: BinaryIO, offset: int) -> bytes:
    """The payload of the response record that starts at `offset` (a gzip member, or plain WARC)."""
    stream.seek(offset)
    record = next(iter(ArchiveIterator(stream)), None)
    if record is None or record.rec_type != "response":
        raise ValueError(f"no response record at offset {offset}")
    return record.content_stream().read()
