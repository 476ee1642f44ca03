"""The Fetcher against the fixture site: politeness, connection reuse, conditional GET."""
from __future__ import annotations

import time
from datetime import date

import httpx
import pytest

from pipeline.fetch.client import Fetcher
from pipeline.fetch.crawl import interleave_by_host, run_concurrently
from pipeline.fetch.safety import FetchRefused
from pipeline.fetch.settings import FetchSettings
from pipeline.fetch.transport import guarded_transport
from webfixture.server import start_site

BASE_SETTINGS = dict(user_agent="BroadsheetTest/1.0", connect_timeout=0.5, read_timeout=0.3, total_timeout=2.0,
                     per_host_delay=0.0, max_crawl_delay=0.0, backoff_base=0.01, max_retry_wait=0.05,
                     allow_private=["127.0.0.1"])


@pytest.fixture
def site():
    server = start_site(date(2026, 11, 25))
    yield server
    server.shutdown()
    server.server_close()


def fetcher(**overrides) -> Fetcher:
    return Fetcher(FetchSettings.from_dict({**BASE_SETTINGS, **overrides}))


def test_crawl_delay_from_robots_spaces_requests_to_one_host(site):
    # robots.txt asks for 1 s; max_crawl_delay caps it at 0.1 s to keep the test fast.
    with fetcher(max_crawl_delay=0.1, per_host_concurrency=1, global_concurrency=4) as client:
        urls = [f"{site.base}/news/a{n}.html" for n in range(1, 6)]
        results = [r for _, r in run_concurrently(urls, client.fetch, workers=4)]
    assert all(r.ok for r in results)
    starts = [t for t, path, _ in site.requests if path.startswith("/news/")]
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:])]
    # Arrival times at the server jitter a little under load; the spacing must still be plain.
    assert len(gaps) == 4 and min(gaps) >= 0.05 and starts[-1] - starts[0] >= 0.35, gaps


def test_per_host_concurrency_bound_and_connection_reuse(site):
    with fetcher(per_host_concurrency=2, global_concurrency=8) as client:
        urls = [f"{site.base}/wait/{n}.html" for n in range(8)]
        results = [r for _, r in run_concurrently(urls, client.fetch, workers=8)]
    assert all(r.ok for r in results)
    assert site.max_in_flight == 2
    assert len(set(site.client_ports)) <= 3, "connections are kept alive and reused"


def test_conditional_get_returns_not_modified_without_body(site):
    with fetcher() as client:
        first = client.fetch(f"{site.base}/feeds/rss.xml", html_only=False)
        validators = {"etag": first.headers["etag"], "last_modified": first.headers["last-modified"]}
        second = client.fetch(f"{site.base}/feeds/rss.xml", html_only=False, conditional=validators)
    assert first.ok and first.body.startswith(b"<?xml")
    assert second.ok and second.not_modified and second.body == b""
    assert site.requests[-1][2]["if-none-match"] == validators["etag"]


def test_download_streams_into_a_file_sink(site, tmp_path):
    with fetcher() as client, open(tmp_path / "page", "w+b") as sink:
        result = client.fetch(f"{site.base}/news/a4.html", sink=sink)
        sink.seek(0)
        assert result.ok and result.body == b"" and b"Orchard cooperative" in sink.read()


def test_interleave_by_host_round_robins():
    urls = ["http://a.test/1", "http://a.test/2", "http://a.test/3", "http://b.test/1", "http://c.test/1"]
    assert interleave_by_host(urls, str) == ["http://a.test/1", "http://b.test/1", "http://c.test/1",
                                             "http://a.test/2", "http://a.test/3"]


def test_transport_vets_the_address_at_connect_time(site):
    # The check inside the connection itself is what defeats DNS rebinding between check and connect.
    limits = httpx.Limits(max_connections=2)
    with httpx.Client(transport=guarded_transport((), limits)) as client:
        with pytest.raises(FetchRefused) as refused:
            client.get(f"{site.base}/news/a1.html")
    assert refused.value.reason == "ssrf_blocked" and site.requests == []
    with httpx.Client(transport=guarded_transport(("127.0.0.1",), limits)) as client:
        assert client.get(f"{site.base}/news/a1.html").status_code == 200


def test_stopping_early_cancels_queued_work():
    started = []

    def work(item):
        started.append(item)
        time.sleep(0.05)
        return item * 10

    results = run_concurrently(range(1000), work, workers=2)
    first = [next(results), next(results)]
    results.close()
    assert all(out == item * 10 for item, out in first)
    # Eight were submitted (the window); without cancelling, all of them would have run.
    assert len(started) <= 5
