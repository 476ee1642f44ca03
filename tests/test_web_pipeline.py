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
