"""Web faults and secrets, against a hostile site on 127.0.0.1: a deadline on every request,
robots.txt as RFC 9309 reads it, and URLs with a password in them never fetched, kept or logged."""
from __future__ import annotations

import gzip
import logging
import time
from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.fetch.client import Fetcher
from pipeline.fetch.settings import FetchSettings
from pipeline.records import RawDocument, Reject
from pipeline.sources import collect
from pipeline.store.url_state import FAILED, load_state, mark_published
from webfixture.evil import PASSWORD, start_evil_site

TODAY = date(2026, 11, 25)
FAST = dict(user_agent="BroadsheetTest/1.0", connect_timeout=0.5, read_timeout=5.0, total_timeout=1.5,
            per_host_delay=0.0, max_crawl_delay=0.0, backoff_base=0.01, max_retry_wait=0.05, retries=2,
            max_bytes=200_000, allow_private=["127.0.0.1"])


@pytest.fixture
def evil():
    server = start_evil_site()
    yield server
    server.stop()


def fetcher(**overrides) -> Fetcher:
    return Fetcher(FetchSettings.from_dict({**FAST, **overrides}))


def timed_fetch(client: Fetcher, url: str):
    started = time.monotonic()
    result = client.fetch(url)
    return result, time.monotonic() - started


# --- the deadline -------------------------------------------------------------------------------

def test_headers_dripped_a_byte_at_a_time_stop_at_the_deadline_and_are_not_retried(evil):
    # Each byte comes within 0.25 s, far inside the 5 s read timeout: only a whole-request deadline stops it.
    with fetcher() as client:
        result, elapsed = timed_fetch(client, f"{evil.base}/slow-headers.html")
    assert result.reason == "timeout" and result.exhausted
    assert 1.4 <= elapsed < 3.0, f"stopped after {elapsed:.2f} s for a 1.5 s deadline"
    assert [p for p, _ in evil.requests].count("/slow-headers.html") == 1, "a spent deadline is not retried tonight"


def test_a_body_dripped_a_byte_at_a_time_stops_at_the_deadline(evil):
    with fetcher() as client:
        result, elapsed = timed_fetch(client, f"{evil.base}/slow-body.html")
    assert result.reason == "timeout" and elapsed < 3.0


def test_a_timed_out_page_is_a_reject_and_its_state_is_saved_for_later_nights(evil, tmp_path):
    source = {"name": "slow", "kind": "urls", "location": [f"{evil.base}/slow-headers.html", f"{evil.base}/page/1.html"]}
    settings = {**FAST, "max_attempts": 2, "retry_after_days": 2}
    started = time.monotonic()
    out = list(collect(source, settings, tmp_path, TODAY, "night1"))
    assert time.monotonic() - started < 10
    assert {(r.location, r.reason) for r in out if isinstance(r, Reject)} == {(f"{evil.base}/slow-headers.html", "timeout")}
    assert [d.url for d in out if isinstance(d, RawDocument)] == [f"{evil.base}/page/1.html"]
    row = load_state(tmp_path)[f"{evil.base}/slow-headers.html"]
    assert (row.status, row.reason, row.attempts) == (FAILED, "timeout", 1) and row.next_retry_at > TODAY
    mark_published(tmp_path, TODAY)

    mark = len(evil.requests)
    out = list(collect(source, settings, tmp_path, TODAY + timedelta(days=1), "night2"))
    assert out == [] and evil.requests[mark:] == [], "not due: the next night leaves it alone"
    out = list(collect(source, settings, tmp_path, row.next_retry_at, "night3"))
    assert [(r.reason) for r in out] == ["dead"], "tried again when due, then given up: not repeated forever"
    assert load_state(tmp_path)[f"{evil.base}/slow-headers.html"].status == "dead"


# --- robots.txt ---------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["500", "slow", "stalled", "bomb"])
def test_robots_txt_that_cannot_be_read_disallows_the_host_for_the_night(evil, mode):
    evil.robots = mode
    with fetcher() as client:
        started = time.monotonic()
        results = [client.fetch(f"{evil.base}/page/{n}.html") for n in (1, 2)]
        elapsed = time.monotonic() - started
    assert [r.reason for r in results] == ["robots_unavailable", "robots_unavailable"]
    assert evil.page_requests() == [], "no page of the host is fetched"
    assert [p for p, _ in evil.requests].count("/robots.txt") == 1, "asked once a night"
    assert elapsed < 4.0, f"robots.txt cost {elapsed:.1f} s"


def test_robots_txt_4xx_allows_everything(evil):
    evil.robots = "404"
    with fetcher() as client:
        assert client.fetch(f"{evil.base}/private/x.html").ok


def test_an_oversized_robots_txt_is_read_to_512_kib_not_ignored(evil):
    evil.robots = "huge"
    with fetcher() as client:
        early = client.fetch(f"{evil.base}/early/x.html")
        late = client.fetch(f"{evil.base}/late/x.html")
    assert early.reason == "robots", "the rules at the start of a 600 KiB robots.txt hold"
    assert late.ok, "rules past the parsed 512 KiB are not read"


def test_robots_rules_are_rfc_9309_longest_match():
    from pipeline.fetch.robots import rules_from_response
    rules = rules_from_response(200, b"User-agent: broadsheetbot\nDisallow: /news/\nAllow: /news/open/\n"
                                     b"Disallow: /*.pdf$\n\nUser-agent: *\nDisallow: /\n")
    agent = "BroadsheetBot/0.1 (contact)"
    assert rules.allows("https://s.test/news/open/a.html", "BroadsheetBot")
    assert not rules.allows("https://s.test/news/a.html", "BroadsheetBot")
    assert not rules.allows("https://s.test/files/report.pdf", "BroadsheetBot")
    assert rules.allows("https://s.test/files/report.pdf?x=1", "BroadsheetBot")
    assert not rules.allows("https://s.test/anything", "OtherBot")
    assert agent


# --- credentials in URLs ------------------------------------------------------------------------

def test_a_redirect_to_a_url_with_a_password_is_refused_and_sends_no_authorization(evil):
    with fetcher() as client:
        absolute = client.fetch(f"{evil.base}/redirect-creds.html")
        relative = client.fetch(f"{evil.base}/redirect-creds-relative.html")
    assert absolute.reason == relative.reason == "credentials_in_url"
    assert PASSWORD not in absolute.final_url + relative.final_url
    assert evil.page_requests() == [], "the target is not requested at all"
    assert not any("authorization" in headers for _, headers in evil.requests)


def test_a_feed_url_with_a_password_is_refused():
    from pipeline.urls import canonicalize_url, has_credentials, redact_credentials
    url = f"https://editor:{PASSWORD}@news.test/a.html"
    assert has_credentials(url) and has_credentials("https://token@news.test/")
    assert not has_credentials("https://news.test/a@b?c=d@e") and not has_credentials("/files/me@home.html")
    assert redact_credentials(url) == "https://***@news.test/a.html"
    assert canonicalize_url(url) == "https://news.test/a.html"


def everything_stored(warehouse: Path) -> str:
    """Every file of the warehouse as text: Parquet tables read back, gzip (raw WARCs) undone."""
    parts = []
    for path in sorted(p for p in warehouse.rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            parts.append(str(pq.read_table(path).to_pylist()))
        elif path.suffix == ".gz":
            parts.append(gzip.decompress(path.read_bytes()).decode("utf-8", "replace"))
        else:
            parts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


def test_no_password_is_stored_or_logged_through_a_whole_night(evil, tmp_path, caplog):
    from pipeline.config import parse_config
    from pipeline.run import run_all
    from pipeline.store.catalog import connect

    evil.feed_links = [f"{evil.base}/page/3.html", f"http://editor:{PASSWORD}@127.0.0.1:{evil.server_port}/page/4.html",
                       f"{evil.base}/redirect-creds.html"]
    config = parse_config({"sources": [{"name": "evil", "kind": "feed", "location": f"{evil.base}/feed.xml"},
                                       {"name": "conf", "kind": "feed",
                                        "location": f"http://ops:{PASSWORD}@127.0.0.1:{evil.server_port}/feed.xml"}],
                           "fetch": {**FAST, "total_timeout": 5.0}}, tmp_path, "test")
    caplog.set_level(logging.DEBUG)
    summary = run_all(config, tmp_path / "wh", TODAY, run_id="secrets")
    assert summary["status"] == "success" and summary["articles"] == 1
    with connect(tmp_path / "wh") as con:
        rejects = set(con.execute("SELECT source, location, reason FROM rejects").fetchall())
        [(url, location)] = con.execute("SELECT url, location FROM articles").fetchall()
    assert rejects == {
        ("evil", f"http://***@127.0.0.1:{evil.server_port}/page/4.html", "credentials_in_url"),
        ("evil", f"{evil.base}/redirect-creds.html", "credentials_in_url"),
        ("conf", f"http://***@127.0.0.1:{evil.server_port}/feed.xml", "credentials_in_url"),
    }
    assert url == location == f"{evil.base}/page/3.html"
    assert not any("authorization" in headers for _, headers in evil.requests)
    assert evil.page_requests() == ["/page/3.html"]
    stored = everything_stored(tmp_path / "wh")
    assert "/page/3.html" in stored and "credentials_in_url" in stored, "the check reads what is stored"
    assert PASSWORD not in stored
    assert PASSWORD not in caplog.text
    # and a rerun of the night says the same, from the state it kept
    again = run_all(config, tmp_path / "wh", TODAY, run_id="secrets-again")
    with connect(tmp_path / "wh") as con:
        assert set(con.execute("SELECT source, location, reason FROM rejects").fetchall()) == rejects
    assert again["articles"] == 1
