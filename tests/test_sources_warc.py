"""WARC archives as a source, written here with warcio and collected end to end (local path and URL)."""
from __future__ import annotations

import gzip
import io
from datetime import date, timedelta

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline.records import RawDocument, Reject
from pipeline.sources import collect
from webfixture.server import start_site

TODAY = date(2026, 11, 25)
SETTINGS = {"allow_private": ["127.0.0.1"], "per_host_delay": 0, "read_timeout": 0.5}
PAGE = b"<html><head><title>Ferry timetable changes</title></head><body><p>The winter timetable starts early.</p></body></html>"


def add_response(writer, url, body, content_type="text/html; charset=utf-8", status="200 OK", when=None, extra=()):
    headers = StatusAndHeaders(status, [("Content-Type", content_type), *extra], protocol="HTTP/1.1")
    warc_headers = {"WARC-Date": when} if when else None
    writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                  http_headers=headers, warc_headers_dict=warc_headers))


@pytest.fixture
def warc_file(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    recent = f"{TODAY - timedelta(days=1)}T10:00:00Z"
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(writer.create_warcinfo_record("crawl.warc.gz", {"software": "test"}))
        writer.write_record(writer.create_warc_record("https://courier.test/news/w1.html", "request",
                                                      payload=io.BytesIO(b"GET /news/w1.html HTTP/1.1\r\n\r\n")))
        add_response(writer, "https://courier.test/news/w1.html", PAGE, when=recent)
        add_response(writer, "https://courier.test/news/w1.html?utm_source=newsletter", PAGE, when=recent)
        add_response(writer, "https://courier.test/news/w2.html", gzip.compress(PAGE.replace(b"early", b"late")),
                     when=recent, extra=[("Content-Encoding", "gzip")])
        add_response(writer, "https://courier.test/data.json", b"{}", "application/json", when=recent)
        add_response(writer, "https://courier.test/gone.html", b"gone", status="404 Not Found", when=recent)
        add_response(writer, "https://elsewhere.test/news/o1.html", PAGE, when=recent)
        add_response(writer, "https://courier.test/news/old.html", PAGE, when="2020-01-05T10:00:00Z")
    return path


def split(out):
    out = list(out)
    docs = {d.url: d for d in out if isinstance(d, RawDocument)}
    return docs, {(r.location, r.reason) for r in out if isinstance(r, Reject)}


EXPECTED_REJECTS = {
    ("https://courier.test/news/w1.html", "duplicate"), ("https://courier.test/data.json", "not_html"),
    ("https://courier.test/gone.html", "http_404"), ("https://elsewhere.test/news/o1.html", "filtered_host"),
    ("https://courier.test/news/old.html", "out_of_window"),
}


def test_warc_file_collected_with_filters_and_reruns(warc_file, tmp_path):
    source = {"name": "archive", "kind": "warc", "location": str(warc_file), "hosts": ["courier.test"], "since_days": 30}
    docs, rejects = split(collect(source, SETTINGS, tmp_path / "wh", TODAY, "r1"))
    assert set(docs) == {"https://courier.test/news/w1.html", "https://courier.test/news/w2.html"}
    assert rejects == EXPECTED_REJECTS
    assert docs["https://courier.test/news/w1.html"].content == PAGE
    assert b"starts late" in docs["https://courier.test/news/w2.html"].content, "content encoding undone"

    again, _ = split(collect(source, SETTINGS, tmp_path / "wh", TODAY, "r2"))
    assert {u: d.content for u, d in again.items()} == {u: d.content for u, d in docs.items()}
    later, _ = split(collect(source, SETTINGS, tmp_path / "wh", TODAY + timedelta(days=1), "r3"))
    assert later == {}, "pages collected on an earlier date are not yielded again"


def test_warc_downloaded_from_a_url(warc_file, tmp_path):
    site = start_site(TODAY)
    try:
        site.extra_routes["/archives/crawl.warc.gz"] = (200, "application/warc", warc_file.read_bytes())
        source = {"name": "remote", "kind": "warc", "location": f"{site.base}/archives/crawl.warc.gz",
                  "hosts": ["courier.test"], "since_days": 30}
        docs, rejects = split(collect(source, SETTINGS, tmp_path / "wh", TODAY, "r1"))
        missing = {"name": "remote", "kind": "warc", "location": f"{site.base}/archives/none.warc.gz"}
        _, missing_rejects = split(collect(missing, SETTINGS, tmp_path / "wh", TODAY, "r2"))
    finally:
        site.shutdown()
        site.server_close()
    assert set(docs) == {"https://courier.test/news/w1.html", "https://courier.test/news/w2.html"}
    assert rejects == EXPECTED_REJECTS
    assert missing_rejects == {(f"{site.base}/archives/none.warc.gz", "http_404")}
    assert {p.name for p in (tmp_path / "wh").iterdir()} <= {"_state", "raw"}, "no downloaded copy is left behind"


def test_a_file_that_is_not_a_warc_is_a_reject(tmp_path):
    junk = tmp_path / "junk.warc.gz"
    junk.write_bytes(b"this is not an archive\n" * 10)
    out = list(collect({"name": "bad", "kind": "warc", "location": [str(junk), str(tmp_path / "none.warc")]},
                       SETTINGS, tmp_path / "wh", TODAY, "r"))
    assert [(r.location, r.reason) for r in out] == [(str(junk), "bad_warc"),
                                                     (str(tmp_path / "none.warc"), "unreadable: No such file or directory")]


def damaged_archive(path, gzipped: bool):
    """Four article pages: the 2nd record's bytes corrupted, the 4th cut short as by a crawler killed
    mid-write (gzip); or the 2nd cut short with the 3rd following it, the 3rd corrupted (plain)."""
    from support.newsgen import article
    stream = io.BytesIO()
    writer = WARCWriter(stream, gzip=gzipped)
    offsets = []
    for n in range(1, 5):
        offsets.append(stream.tell())
        add_response(writer, f"https://courier.test/news/d{n}.html", article(n, seed=3)[1].encode(),
                     when=f"{TODAY}T06:00:00Z")
    offsets.append(stream.tell())
    data = bytearray(stream.getvalue())
    if gzipped:
        middle = (offsets[1] + offsets[2]) // 2
        data[middle:middle + 16] = bytes(b ^ 0xFF for b in data[middle:middle + 16])
        data = data[:(offsets[3] + offsets[4]) // 2]
    else:
        middle = (offsets[2] + offsets[3]) // 2
        data[middle:middle + 16] = b"#" * 16
        data = data[:(offsets[1] + offsets[2]) // 2] + data[offsets[2]:]
    path.write_bytes(bytes(data))
    return offsets


@pytest.mark.parametrize("gzipped", [True, False])
def test_truncated_and_corrupt_records_are_rejected_and_the_good_ones_read(tmp_path, gzipped):
    archive = tmp_path / ("damaged.warc.gz" if gzipped else "damaged.warc")
    offsets = damaged_archive(archive, gzipped)
    docs, rejects = split(collect({"name": "archive", "kind": "warc", "location": str(archive)},
                                  SETTINGS, tmp_path / "wh", TODAY, "r"))
    if gzipped:
        assert set(docs) == {"https://courier.test/news/d1.html", "https://courier.test/news/d3.html"}
        assert rejects == {(f"{archive}#{offsets[1]}", "corrupt_record"), (f"{archive}#{offsets[3]}", "truncated_record")}
    else:
        assert set(docs) == {"https://courier.test/news/d1.html", "https://courier.test/news/d4.html"}
        assert rejects == {(f"{archive}#{offsets[1]}", "truncated_record"),
                           (f"{archive}#{(offsets[1] + offsets[2]) // 2}", "corrupt_record")}  # where the 3rd now starts
    assert all(b"<html" in d.content.lower() for d in docs.values())


def test_a_damaged_archive_does_not_stop_the_night(tmp_path):
    from pipeline.config import parse_config
    from pipeline.run import run_all
    from pipeline.store.catalog import connect

    archive = tmp_path / "damaged.warc.gz"
    damaged_archive(archive, gzipped=True)
    config = parse_config({"sources": [{"name": "archive", "kind": "warc", "location": str(archive)}]}, tmp_path, "test")
    summary = run_all(config, tmp_path / "wh", TODAY, run_id="damaged")
    assert summary["status"] == "success" and summary["articles"] == 2
    with connect(tmp_path / "wh") as con:
        reasons = sorted(r for (r,) in con.execute("SELECT reason FROM rejects").fetchall())
        urls = sorted(u for (u,) in con.execute("SELECT url FROM articles").fetchall())
    assert reasons == ["corrupt_record", "truncated_record"]
    assert urls == ["https://courier.test/news/d1.html", "https://courier.test/news/d3.html"]
