"""collect() end to end against the fixture news site on 127.0.0.1: what becomes a document, what is
rejected and why, and what reruns and later nights fetch."""
from __future__ import annotations

import gzip
import shutil
from datetime import date, timedelta

import pytest

from pipeline.records import RawDocument, Reject
from pipeline.store.url_state import mark_published
from pipeline.sources import collect
from webfixture.server import start_site

TODAY = date(2026, 11, 25)
FAST = {
    "user_agent": "BroadsheetTest/1.0 (fixture run)",
    "connect_timeout": 0.5, "read_timeout": 0.3, "total_timeout": 2.0,
    "global_concurrency": 4, "per_host_concurrency": 4, "per_host_delay": 0.0, "max_crawl_delay": 0.0,
    "max_bytes": 200_000, "retries": 2, "backoff_base": 0.01, "max_retry_wait": 0.05,
    "max_attempts": 2, "allow_private": ["127.0.0.1"],
}


@pytest.fixture
def site():
    server = start_site(TODAY)
    yield server
    server.shutdown()
    server.server_close()


def run(source, warehouse, day=TODAY, settings=FAST, run_id="run", published=True):
    """One night's collection; `published` mirrors the pipeline marking the night published after its
    publish step succeeds (which is what lets later nights leave those pages alone)."""
    out = list(collect(source, settings, warehouse, day, f"{run_id}-{day}"))
    if published:
        mark_published(warehouse, day)
    docs = {d.url: d for d in out if isinstance(d, RawDocument)}
    assert len(docs) == sum(isinstance(d, RawDocument) for d in out), "one document per canonical URL"
    rejects = {(r.location, r.stage, r.reason) for r in out if isinstance(r, Reject)}
    return docs, rejects


def test_every_misbehaving_url_ends_as_a_document_or_a_reject_with_its_reason(site, tmp_path):
    b = site.base
    listed = ["/news/a1.html", "/news/a1.html?utm_source=x&fbclid=abc#comments", "/private/secret.html",
              "/news/missing.html", "/flaky/503.html", "/flaky/429.html", "/slow.html", "/loop/a",
              "/chain/0", "/redirect/metadata", "/redirect/private", "/big.html", "/bomb.html",
              "/latin.html", "/data.json", "/redirect/a3"]
    source = {"name": "list", "kind": "urls", "location": [b + p for p in listed]}
    docs, rejects = run(source, tmp_path)

    assert set(docs) == {f"{b}/news/a1.html", f"{b}/flaky/503.html", f"{b}/latin.html", f"{b}/news/a3.html"}
    assert rejects == {
        (f"{b}/private/secret.html", "fetch", "robots"),
        (f"{b}/news/missing.html", "fetch", "http_404"),
        (f"{b}/flaky/429.html", "fetch", "http_429"),
        (f"{b}/slow.html", "fetch", "timeout"),
        (f"{b}/loop/a", "fetch", "redirect_loop"),
        (f"{b}/chain/0", "fetch", "too_many_redirects"),
        (f"{b}/redirect/metadata", "fetch", "ssrf_blocked"),
        (f"{b}/redirect/private", "fetch", "ssrf_blocked"),
        (f"{b}/big.html", "fetch", "too_large"),
        (f"{b}/bomb.html", "fetch", "decompression_bomb"),
        (f"{b}/data.json", "fetch", "not_html"),
        (f"{b}/news/a1.html?utm_source=x&fbclid=abc#comments", "discover", "duplicate"),
    }
    assert site.hits["/private/secret.html"] == 0, "robots.txt disallows it, so it is never requested"
    assert site.hits["/robots.txt"] == 1, "robots.txt is fetched once per host per run"
    assert site.hits["/news/a1.html"] == 1, "tracking-parameter variants are one URL"
    assert site.hits["/flaky/503.html"] == 2, "503 with Retry-After is retried, then succeeds"
    assert site.hits["/flaky/429.html"] == 1 + FAST["retries"]
    assert all(h["user-agent"] == FAST["user_agent"] for _, _, h in site.requests)
    assert docs[f"{b}/latin.html"].hints["encoding"] == "utf-8", "the page declares ISO-8859-1 but is UTF-8"
    assert docs[f"{b}/news/a3.html"].location == f"{b}/news/a3.html", "redirect followed to the article"
    assert b"Harbour ferry returns" in docs[f"{b}/news/a1.html"].content
    assert all(d.kind == "html" and d.source == "list" for d in docs.values())


def test_second_url_with_the_same_rel_canonical_is_a_duplicate(site, tmp_path):
    b = site.base
    source = {"name": "list", "kind": "urls", "location": [f"{b}/news/a2.html", f"{b}/print/a2.html"]}
    docs, rejects = run(source, tmp_path)
    assert set(docs) == {f"{b}/news/a2.html"}
    assert len(rejects) == 1
    ((location, stage, reason),) = rejects
    assert reason == "duplicate" and location in {f"{b}/news/a2.html", f"{b}/print/a2.html"}
    # On a later night the print URL is known to be the same article and is not fetched at all.
    mark = len(site.requests)
    later = {"name": "list2", "kind": "urls", "location": [f"{b}/print/a2.html", f"{b}/news/a2.html"]}
    assert run(later, tmp_path, TODAY + timedelta(days=1)) == ({}, set())
    assert [p for p in site.requests_since(mark) if p != "/robots.txt"] == []


def test_feed_rerun_same_date_replays_from_raw_store_and_later_nights_fetch_only_new(site, tmp_path):
    b = site.base
    source = {"name": "courier-rss", "kind": "feed", "location": f"{b}/feeds/rss.xml", "since_days": 7}
    docs, rejects = run(source, tmp_path)
    assert set(docs) == {f"{b}/news/a1.html", f"{b}/news/a2.html", f"{b}/news/a3.html"}
    assert rejects == {(f"{b}/news/a4.html", "discover", "out_of_window")}
    first = docs[f"{b}/news/a2.html"]
    assert first.hints["title"] == "Library extends evening hours for exam season"
    assert first.hints["authors"] == ["Priya Anand"]
    assert first.hints["language"] == "en-gb"
    assert first.hints["published"].startswith((TODAY - timedelta(days=1)).isoformat())
    assert list((tmp_path / "raw" / f"ingest_date={TODAY}").glob("*.warc.gz")), "raw HTML kept as WARC"
    assert (tmp_path / "_state" / "url_state" / "_delta_log").is_dir(), "URL state kept as a Delta table"

    mark = len(site.requests)
    again_docs, again_rejects = run(source, tmp_path, run_id="rerun")
    assert site.requests_since(mark) == [], "a rerun of the same date fetches nothing"
    assert again_rejects == rejects
    assert {u: (d.content, d.hints, d.location) for u, d in again_docs.items()} == \
           {u: (d.content, d.hints, d.location) for u, d in docs.items()}

    mark = len(site.requests)
    assert run(source, tmp_path, TODAY + timedelta(days=1)) == ({}, set())
    assert [p for p in site.requests_since(mark) if p != "/robots.txt"] == ["/feeds/rss.xml"]
    assert site.requests[-1][2].get("if-none-match"), "the feed is fetched conditionally"

    site.feed_slugs = ["a6", "a1", "a2", "a3"]  # a new story is published
    mark = len(site.requests)
    docs3, _ = run(source, tmp_path, TODAY + timedelta(days=2))
    assert set(docs3) == {f"{b}/news/a6.html"}
    assert sorted(p for p in site.requests_since(mark) if p != "/robots.txt") == ["/feeds/rss.xml", "/news/a6.html"]


def test_failing_url_is_retried_on_later_nights_then_dead(site, tmp_path):
    b = site.base
    source = {"name": "list", "kind": "urls", "location": [f"{b}/always-500.html"]}
    assert run(source, tmp_path)[1] == {(f"{b}/always-500.html", "fetch", "http_500")}
    assert site.hits["/always-500.html"] == 1 + FAST["retries"]
    # A feed that no longer lists it does not matter: due retries come from the state table.
    retry_only = {"name": "list", "kind": "urls", "location": []}
    assert run(retry_only, tmp_path, TODAY + timedelta(days=1))[1] == {(f"{b}/always-500.html", "fetch", "dead")}
    assert site.hits["/always-500.html"] == 2 * (1 + FAST["retries"])
    assert run(source, tmp_path, TODAY + timedelta(days=9)) == ({}, set())
    assert site.hits["/always-500.html"] == 2 * (1 + FAST["retries"]), "a dead URL is not fetched again"


def test_sitemap_index_with_gzipped_child_and_news_sitemap_in_date_window(site, tmp_path):
    b = site.base
    source = {"name": "courier-sitemap", "kind": "sitemap", "location": f"{b}/sitemap_index.xml", "since_days": 3}
    docs, rejects = run(source, tmp_path)
    assert set(docs) == {f"{b}/news/a3.html", f"{b}/news/a4.html", f"{b}/news/a6.html"}
    assert rejects == {(f"{b}/news/a1.html", "discover", "out_of_window")}
    assert site.hits["/sitemaps/archive-2019.xml"] == 0, "a child sitemap untouched since the window opened is skipped"
    news = docs[f"{b}/news/a6.html"].hints
    assert news["title"] == "Divers clear Lock Four" and news["language"] == "en"
    assert news["published"] == f"{TODAY}T06:15:00+00:00"
    assert docs[f"{b}/news/a4.html"].hints["lastmod"].startswith(str(TODAY - timedelta(days=1)))

    mark = len(site.requests)
    assert run(source, tmp_path, TODAY + timedelta(days=1)) == ({}, set())
    later = [p for p in site.requests_since(mark) if p != "/robots.txt"]
    assert "/sitemap_index.xml" in later and not any(p.startswith("/news/") for p in later)


def test_atom_feed_hints_and_host_filter(site, tmp_path):
    b = site.base
    source = {"name": "atom", "kind": "feed", "location": f"{b}/feeds/atom.xml"}
    docs, rejects = run(source, tmp_path)
    assert set(docs) == {f"{b}/news/a5.html", f"{b}/news/a6.html"} and rejects == set()
    assert docs[f"{b}/news/a5.html"].hints["authors"] == ["Jonas Ferreira"]

    other = {"name": "elsewhere", "kind": "feed", "location": f"{b}/feeds/atom.xml", "hosts": ["courier.example"]}
    docs, rejects = run(other, tmp_path / "second")
    assert docs == {}
    assert {r[2] for r in rejects} == {"filtered_host"} and len(rejects) == 2


def test_broken_feed_and_unreachable_location_are_rejects_not_crashes(site, tmp_path):
    b = site.base
    source = {"name": "bad", "kind": "feed", "location": [f"{b}/feeds/broken.xml", f"{b}/feeds/nothing.xml",
                                                          str(tmp_path / "missing.xml")]}
    _, rejects = run(source, tmp_path)
    assert {(loc, reason) for loc, _, reason in rejects} == {
        (f"{b}/feeds/broken.xml", "bad_feed"), (f"{b}/feeds/nothing.xml", "http_404"),
        (str(tmp_path / "missing.xml"), "unreadable: No such file or directory")}


def test_url_list_file_and_files_kind(site, tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# tonight's list\n{site.base}/news/a4.html\n\n{site.base}/news/a5.html?gclid=1\n")
    docs, _ = run({"name": "listed", "kind": "urls", "location": str(listing)}, tmp_path)
    assert set(docs) == {f"{site.base}/news/a4.html", f"{site.base}/news/a5.html"}

    page = tmp_path / "pages" / "one.html"
    page.parent.mkdir()
    page.write_text("<html><body><p>Local page</p></body></html>")
    out = list(collect({"name": "local", "kind": "files", "location": str(page.parent)}, {}, tmp_path, TODAY, "r"))
    assert [(d.location, d.kind) for d in out] == [(str(page), "html")]


def test_failed_child_sitemap_makes_the_index_read_in_full_next_night(site, tmp_path):
    b = site.base
    source = {"name": "courier-sitemap", "kind": "sitemap", "location": f"{b}/sitemap_index.xml", "since_days": 3}
    site.failing_paths = {"/sitemaps/news.xml"}
    docs, rejects = run(source, tmp_path)
    assert set(docs) == {f"{b}/news/a3.html", f"{b}/news/a4.html"}
    assert (f"{b}/sitemaps/news.xml", "discover", "http_503") in rejects
    site.failing_paths = set()
    mark = len(site.requests)
    docs, _ = run(source, tmp_path, TODAY + timedelta(days=1))
    assert set(docs) == {f"{b}/news/a6.html"}
    index_request = next(h for _, path, h in site.requests[mark:] if path == "/sitemap_index.xml")
    assert "if-none-match" not in index_request


def test_progress_and_summary_are_logged(site, tmp_path, caplog):
    caplog.set_level("INFO", logger="broadsheet.fetch")
    run({"name": "atom", "kind": "feed", "location": f"{site.base}/feeds/atom.xml"}, tmp_path)
    messages = [r.getMessage() for r in caplog.records if r.name == "broadsheet.fetch"]
    assert any(m.startswith("source atom: discovered 2, to fetch 2, fetched 0") for m in messages)
    assert any(m.startswith("source atom done (2026-11-25)") and "fetched=2" in m for m in messages)


def test_sitemap_depth_is_bounded_and_a_gzip_bomb_sitemap_is_refused(site, tmp_path):
    b = site.base
    xmlns = "xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'"
    for level in range(3):  # index 0 -> index 1 -> index 2 -> ...
        site.extra_routes[f"/deep/{level}.xml"] = (200, "application/xml", (
            f"<sitemapindex {xmlns}><sitemap><loc>{b}/deep/{level + 1}.xml</loc></sitemap></sitemapindex>").encode())
    site.extra_routes["/bomb-sitemap.xml.gz"] = (200, "application/x-gzip", gzip.compress(b" " * 3_000_000))
    settings = {**FAST, "max_sitemap_depth": 1, "max_discovery_bytes": 1_000_000}
    source = {"name": "deep", "kind": "sitemap", "location": [f"{b}/deep/0.xml", f"{b}/bomb-sitemap.xml.gz"]}
    docs, rejects = run(source, tmp_path, settings=settings)
    assert docs == {}
    assert rejects == {(f"{b}/deep/2.xml", "discover", "sitemap_too_deep"),
                       (f"{b}/bomb-sitemap.xml.gz", "discover", "decompression_bomb")}
    assert site.hits["/deep/2.xml"] == 0


def test_unreachable_robots_txt_blocks_the_host_for_tonight_only(site, tmp_path):
    b = site.base
    source = {"name": "list", "kind": "urls", "location": [f"{b}/news/a1.html"]}
    site.failing_paths = {"/robots.txt"}
    assert run(source, tmp_path) == ({}, {(f"{b}/news/a1.html", "fetch", "robots_unavailable")})
    assert site.hits["/news/a1.html"] == 0
    site.failing_paths = set()
    docs, rejects = run(source, tmp_path, TODAY + timedelta(days=1))
    assert set(docs) == {f"{b}/news/a1.html"} and rejects == set()


def test_rerun_refetches_pages_whose_raw_file_went_missing(site, tmp_path):
    b = site.base
    source = {"name": "list", "kind": "urls", "location": [f"{b}/news/a4.html", f"{b}/news/a5.html"]}
    docs, _ = run(source, tmp_path)
    shutil.rmtree(tmp_path / "raw")
    again, _ = run(source, tmp_path, run_id="rerun")
    assert {u: d.content for u, d in again.items()} == {u: d.content for u, d in docs.items()}
    assert site.hits["/news/a4.html"] == site.hits["/news/a5.html"] == 2


def test_pages_of_a_night_that_never_published_are_owed_to_the_next_night(site, tmp_path):
    source = {"name": "courier-rss", "kind": "feed", "location": site.base + "/feeds/rss.xml"}
    first, _ = run(source, tmp_path, published=False)      # e.g. killed or failed validation
    assert first
    mark = len(site.requests)
    owed, _ = run(source, tmp_path, day=TODAY + timedelta(days=1))
    assert set(first) <= set(owed), "nothing fetched on the failed night is lost"
    assert not [p for p in site.requests_since(mark) if p.startswith("/news/")], "and nothing is fetched twice"
    later, _ = run(source, tmp_path, day=TODAY + timedelta(days=2))
    assert not set(first) & set(later), "once published, they are not owed again"
