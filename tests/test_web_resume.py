"""Web nights that are bounded, killed or stopped: what they fetched is kept, the rest is owed to
the rerun or to later nights, and nothing half-written is left behind. Real HTTP on 127.0.0.1,
real URL state (Delta) and raw WARCs, real processes killed with real signals."""
from __future__ import annotations

import os
import signal
from datetime import date, timedelta
from pathlib import Path

import pytest

from pipeline.config import ConfigError, load_config, parse_config
from pipeline.records import RawDocument, Reject
from pipeline.sources import collect
from pipeline.store.url_state import OK, PENDING, load_state, mark_published
from support.killed import run_and_kill_when
from webfixture.evil import start_evil_site

TODAY = date(2026, 11, 25)
FAST = dict(user_agent="BroadsheetTest/1.0", connect_timeout=0.5, read_timeout=2.0, total_timeout=3.0,
            per_host_delay=0.0, max_crawl_delay=0.0, backoff_base=0.01, max_retry_wait=0.05,
            allow_private=["127.0.0.1"])
ONE_AT_A_TIME = dict(FAST, global_concurrency=1, per_host_concurrency=1)


@pytest.fixture
def evil():
    server = start_evil_site()
    yield server
    server.stop()


def night(source, settings, warehouse, day=TODAY, run_id="night"):
    out = list(collect(source, settings, warehouse, day, f"{run_id}-{day}"))
    docs = [d.url for d in out if isinstance(d, RawDocument)]
    assert len(docs) == len(set(docs))
    return set(docs), [r for r in out if isinstance(r, Reject)]


def leftovers(warehouse: Path) -> list[Path]:
    return [p for p in warehouse.rglob("*") if p.name.endswith((".tmp", ".part"))]


def url_list(tmp_path: Path, evil, count: int) -> dict:
    listing = tmp_path / "urls.txt"
    listing.write_text("".join(f"{evil.base}/page/{n}.html\n" for n in range(1, count + 1)), encoding="utf-8")
    return {"name": "many", "kind": "urls", "location": str(listing)}


# --- bounded discovery --------------------------------------------------------------------------

def test_max_urls_per_night_owes_the_rest_to_later_nights(evil, tmp_path):
    source = url_list(tmp_path, evil, 10)
    settings = dict(FAST, max_urls_per_night=4)
    wh = tmp_path / "wh"
    first, _ = night(source, settings, wh)
    assert len(first) == 4 and len(evil.page_requests()) == 4
    assert sorted(r.status for r in load_state(wh).values() if r.kind == "page") == [OK] * 4 + [PENDING] * 6

    mark = len(evil.requests)
    rerun, _ = night(source, settings, wh, run_id="rerun")
    assert rerun == first and evil.page_requests(mark) == [], "a rerun of the date fetches no more"
    mark_published(wh, TODAY)
    second, _ = night(source, settings, wh, TODAY + timedelta(days=1))
    mark_published(wh, TODAY + timedelta(days=1))
    third, _ = night(source, settings, wh, TODAY + timedelta(days=2))
    assert (len(second), len(third)) == (4, 2)
    assert first | second | third == {f"{evil.base}/page/{n}.html" for n in range(1, 11)}
    assert len(evil.page_requests()) == 10, "each page fetched once"


def test_max_urls_per_sitemap_takes_the_next_new_entries_each_night(evil, tmp_path):
    evil.sitemap_links = [f"{evil.base}/page/{n}.html" for n in range(1, 13)]
    source = {"name": "map", "kind": "sitemap", "location": f"{evil.base}/sitemap.xml"}
    settings = dict(FAST, max_urls_per_sitemap=5)
    wh = tmp_path / "wh"
    taken = []
    for offset in range(4):
        day = TODAY + timedelta(days=offset)
        docs, _ = night(source, settings, wh, day)
        mark_published(wh, day)
        taken.append(docs)
    assert [len(t) for t in taken] == [5, 5, 2, 0]
    assert set().union(*taken) == set(evil.sitemap_links)


def test_discovery_bounds_are_configurable_and_checked(tmp_path):
    def config(fetch: str) -> Path:
        path = tmp_path / "sources.yaml"
        path.write_text(f"sources:\n  - name: s\n    kind: urls\n    location: https://news.test/a\nfetch:\n{fetch}",
                        encoding="utf-8")
        return path
    loaded = load_config(config("  max_urls_per_night: 25\n  max_urls_per_sitemap: 100\n"))
    from pipeline.fetch.settings import FetchSettings
    settings = FetchSettings.from_dict(loaded.fetch)
    assert (settings.max_urls_per_night, settings.max_urls_per_sitemap) == (25, 100)
    assert (FetchSettings().max_urls_per_night, FetchSettings().max_urls_per_sitemap) == (10_000, 50_000)
    with pytest.raises(ConfigError, match=r"sources\.yaml: fetch: unknown setting\(s\) 'max_urls_per_nite'"):
        load_config(config("  max_urls_per_nite: 25\n"))
    with pytest.raises(ConfigError, match=r"sources\.yaml: fetch: max_urls_per_night must be int >= 0, not 'lots'"):
        load_config(config("  max_urls_per_night: lots\n"))
    with pytest.raises(ConfigError, match="max_urls_per_sitemap must be at least 1"):
        load_config(config("  max_urls_per_sitemap: 0\n"))


# --- killed and stopped nights ------------------------------------------------------------------

def _collect_all(source: dict, settings: dict, warehouse: str) -> None:
    for _ in collect(source, settings, warehouse, TODAY, "killed"):
        pass


def waiting_on_page(evil, number: int, grace: float = 0.5):
    """True once page `number` has been asked for (and held) for `grace` seconds: by then the night
    has recorded every page before it and waits on this one."""
    import time
    seen = []

    def condition() -> bool:
        if evil.pages_served >= number and not seen:
            seen.append(time.monotonic())
        return bool(seen) and time.monotonic() - seen[0] >= grace
    return condition


def test_a_night_killed_after_217_pages_keeps_those_217(evil, tmp_path):
    source = url_list(tmp_path, evil, 250)
    settings = dict(ONE_AT_A_TIME, checkpoint_pages=100, checkpoint_seconds=600)
    wh = tmp_path / "wh"
    evil.hold_after = 217       # the 218th page never comes: the night is killed waiting for it
    code = run_and_kill_when(waiting_on_page(evil, 218), _collect_all, source, settings, str(wh))
    assert code == -signal.SIGKILL
    checkpointed = {k for k, r in load_state(wh).items() if r.kind == "page" and r.status == OK}
    assert len(checkpointed) == 200, "two checkpoints of 100 pages each were saved before the kill"
    assert leftovers(wh), "the 17 pages after the last checkpoint are in the killed night's spool"

    evil.hold_after = None
    evil.release.set()
    mark = len(evil.requests)
    docs, rejects = night(source, settings, wh, run_id="rerun")
    refetched = evil.page_requests(mark)
    assert sorted(refetched) == sorted(f"/page/{n}.html" for n in range(218, 251)), \
        "none of the 217 pages fetched before the kill is fetched again"
    assert rejects == [] and len(docs) == 250, "the rerun yields every page: 217 kept, 33 fetched now"
    assert leftovers(wh) == [], "the dead night's spool is published or swept, not left behind"
    assert len({k for k, r in load_state(wh).items() if r.kind == "page" and r.status == OK}) == 250


def _night_until_stopped(config_path: str, warehouse: str) -> None:
    from pipeline.run import run_all
    try:
        run_all(load_config(config_path), warehouse, TODAY)
    except KeyboardInterrupt:
        os._exit(3)


def test_a_web_night_stopped_by_sigterm_after_7_of_20_pages_resumes_without_fetching_them_again(evil, tmp_path):
    from pipeline.run import run_all
    from pipeline.store.catalog import connect

    listing = tmp_path / "urls.txt"
    listing.write_text("".join(f"{evil.base}/page/{n}.html\n" for n in range(1, 21)), encoding="utf-8")
    config_path = tmp_path / "sources.yaml"
    fetch = "".join(f"  {k}: {v!r}\n" if not isinstance(v, list) else f"  {k}: {v}\n" for k, v in ONE_AT_A_TIME.items())
    config_path.write_text(f"sources:\n  - name: web\n    kind: urls\n    location: {listing}\nfetch:\n{fetch}",
                           encoding="utf-8")
    wh = tmp_path / "wh"
    evil.hold_after = 7
    code = run_and_kill_when(lambda: evil.pages_served > 7, _night_until_stopped, str(config_path), str(wh),
                             sig=signal.SIGTERM)
    assert code == 3, "SIGTERM stops the night as an interruption"
    first = evil.page_requests()
    assert len(first) == 8   # seven served, the eighth held when the night was stopped
    with connect(wh) as con:
        assert con.execute("SELECT status FROM runs").fetchall() == [("interrupted",)]
    assert leftovers(wh) == [], "an orderly stop leaves no half-written file"

    evil.hold_after = None
    evil.release.set()
    mark = len(evil.requests)
    summary = run_all(load_config(config_path), wh, TODAY)
    again = evil.page_requests(mark)
    assert not set(again) & set(first[:7]), "the seven pages fetched before the stop are not fetched again"
    assert len(again) == 13
    assert summary["status"] == "success" and summary["articles"] == 20
    with connect(wh) as con:
        assert sorted(con.execute("SELECT status FROM runs").fetchall()) == [("interrupted",), ("success",)]
        assert con.execute("SELECT count(DISTINCT url) FROM articles").fetchone()[0] == 20
    assert leftovers(wh) == []
