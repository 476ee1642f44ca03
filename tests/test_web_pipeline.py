"""The nightly job over web sources, end to end, against the fixture news site on 127.0.0.1."""
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.run import run_all
from pipeline.store.catalog import connect
from webfixture.server import start_site

TODAY = date(2026, 11, 25)
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site():
    server = start_site(TODAY)
    yield server
    server.shutdown()
    server.server_close()


def write_config(folder: Path, site) -> Path:
    path = folder / "sources.yaml"
    path.write_text(f"""
sources:
  - name: demo
    kind: feed
    location: {site.base}/feeds/rss.xml
  - name: maps
    kind: sitemap
    location: {site.base}/sitemap_index.xml
fetch:
  allow_private: ["127.0.0.1"]
  read_timeout: 0.5
  per_host_delay: 0
  max_crawl_delay: 0
  backoff_base: 0.01
  max_retry_wait: 0.05
""", encoding="utf-8")
    return path


def tables(wh: Path, day: date):
    with connect(wh) as con:
        return {t: sorted(con.execute(f"SELECT * EXCLUDE (run_id) FROM {t} WHERE ingest_date = ?", [day]).fetchall(),
                          key=repr) for t in ("articles", "entities", "quotes", "rejects")}


def test_feed_and_sitemap_night_then_rerun_and_next_night(site, tmp_path):
    config = load_config(write_config(tmp_path, site))
    wh = tmp_path / "wh"
    first = run_all(config, wh, TODAY, run_id="night1")
    assert first["status"] == "success" and first["articles"] >= 4
    with connect(wh) as con:
        urls = {u for (u,) in con.execute("SELECT url FROM articles").fetchall()}
        rejects = con.execute("SELECT source, location, stage, reason FROM rejects").fetchall()
        extractors = {e for (e,) in con.execute("SELECT DISTINCT extractor FROM articles").fetchall()}
    assert f"{site.base}/news/a1.html" in urls, "the feed's tracking parameters are stripped"
    assert all(u.startswith(site.base + "/news/") for u in urls)
    assert ("maps", f"{site.base}/sitemaps/archive-2019.xml", "discover", "http_404") in rejects
    assert "text" not in extractors

    before = tables(wh, TODAY)
    mark = len(site.requests)
    again = run_all(config, wh, TODAY, run_id="night1-rerun")
    assert [p for p in site.requests_since(mark) if p.startswith("/news/")] == [], "a rerun fetches no article twice"
    assert tables(wh, TODAY) == before
    assert again["articles"] == first["articles"]

    mark = len(site.requests)
    later = run_all(config, wh, date(2026, 11, 26), run_id="night2")
    assert [p for p in site.requests_since(mark) if p.startswith("/news/")] == []
    assert later["articles"] == 0
    with connect(wh) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == first["articles"]


def test_cli_run_with_a_feed_config(site, tmp_path):
    config = write_config(tmp_path, site)
    wh = tmp_path / "wh"
    bin_dir = Path(sys.executable).parent
    result = subprocess.run([str(bin_dir / "broadsheet"), "run", "--config", str(config), "--warehouse", str(wh),
                             "--date", "2026-11-25", "--quiet"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = json.loads(subprocess.run([str(bin_dir / "broadsheet"), "sql",
                                      "SELECT source, count(*) AS n FROM articles GROUP BY source ORDER BY source",
                                      "--warehouse", str(wh), "--format", "json"],
                                     capture_output=True, text=True).stdout)
    assert [r["source"] for r in rows] in (["demo", "maps"], ["demo"])
    assert sum(r["n"] for r in rows) >= 4


def test_a_warc_archive_through_the_whole_path(tmp_path):
    import io
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from pipeline.config import parse_config

    pages = {
        "https://courier.test/news/ferry.html": (
            "<html><head><title>Winter ferry timetable announced</title></head><body><article>"
            "<h1>Winter ferry timetable announced</h1>"
            "<p>The island ferry will sail four times a day from December, the operator Tidewater Lines said "
            "on Monday, one sailing fewer than in summer.</p>"
            "<p>\"Demand drops by half after October, but the first boat stays at six,\" said Agnes Mulder, "
            "who manages the service.</p></article></body></html>"),
        "https://courier.test/data.json": "{}",
    }
    archive = tmp_path / "night.warc.gz"
    with open(archive, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for url, body in pages.items():
            kind = "application/json" if url.endswith(".json") else "text/html; charset=utf-8"
            headers = StatusAndHeaders("200 OK", [("Content-Type", kind)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(body.encode()), http_headers=headers,
                warc_headers_dict={"WARC-Date": "2026-11-24T08:00:00Z"}))
    config = parse_config({"sources": [{"name": "archive", "kind": "warc", "location": str(archive)}]},
                          tmp_path, "test")
    summary = run_all(config, tmp_path / "wh", TODAY, run_id="warc")
    assert (summary["articles"], summary["rejects"]) == (1, 1)
    with connect(tmp_path / "wh") as con:
        [(url, title)] = con.execute("SELECT url, title FROM articles").fetchall()
        [(location, reason)] = con.execute("SELECT location, reason FROM rejects").fetchall()
        speakers = {s for (s,) in con.execute("SELECT speaker FROM quotes").fetchall()}
    assert (url, title) == ("https://courier.test/news/ferry.html", "Winter ferry timetable announced")
    assert location == "https://courier.test/data.json" and reason == "not_html"
    assert speakers == {"Agnes Mulder"}


def _night(config_path: str, warehouse: str) -> None:
    run_all(load_config(config_path), warehouse, TODAY, run_id="killed")


def test_a_night_killed_before_publishing_loses_nothing(site, tmp_path):
    from support.killed import run_until_killed
    config_path = write_config(tmp_path, site)
    wh = tmp_path / "wh"
    assert run_until_killed("publish:begin", _night, str(config_path), str(wh)) == -9
    with connect(wh) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
    mark = len(site.requests)
    nextday = date(2026, 11, 26)
    summary = run_all(load_config(config_path), wh, nextday, run_id="next")
    assert [p for p in site.requests_since(mark) if p.startswith("/news/")] == [], "nothing fetched twice"
    assert summary["articles"] >= 4, "the killed night's pages are published by the next night"
    with connect(wh) as con:
        urls = {u for (u,) in con.execute("SELECT url FROM articles WHERE ingest_date = ?", [nextday]).fetchall()}
    assert f"{site.base}/news/a1.html" in urls
    after = run_all(load_config(config_path), wh, date(2026, 11, 27), run_id="after")
    assert after["articles"] == 0 and after["duplicates"] == 0
