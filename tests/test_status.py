"""`broadsheet status`: the last nights with their counts, rejects by reason and duration; each
table's size and version; what the next night owes."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support.warehouses import nights

BROADSHEET = Path(sys.executable).parent / "broadsheet"


def test_status_shows_nights_tables_and_what_is_owed(tmp_path):
    warehouse = nights(tmp_path, count=2, per_night=2)
    (warehouse / "_staging" / "run-left-part-way").mkdir(parents=True)   # a killed night's leftovers
    done = subprocess.run([str(BROADSHEET), "status", "--warehouse", str(warehouse)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    night_lines = [line for line in out.splitlines() if line.startswith("  2026-11-")]
    assert [line.split()[0] for line in night_lines] == ["2026-11-21", "2026-11-20"]
    assert all(" success " in line and "articles 2" in line and " took " in line for line in night_lines)
    assert out.count("rejects  read: empty_file") == 2, out
    articles = next(line for line in out.splitlines() if line.strip().startswith("articles "))
    assert "rows 4 " in articles and "version 1" in articles
    assert "resume night run-left-part-way" in out


def test_status_of_a_missing_warehouse_is_a_one_line_error(tmp_path):
    done = subprocess.run([str(BROADSHEET), "status", "--warehouse", str(tmp_path / "nowhere")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "no warehouse at" in done.stderr


def test_owed_counts_pages_unpublished_unfetched_and_due_for_retry(tmp_path):
    from datetime import date

    from pipeline.store.status import owed
    from pipeline.store.storage import Storage
    from pipeline.store.url_state import FAILED, OK, PENDING, UrlState, save_changes
    day = date(2026, 11, 25)
    rows = [UrlState(f"https://a.example/{n}", "web", "page", day, status=OK, ingest_date=day) for n in range(3)]
    rows += [UrlState("https://a.example/new", "web", "page", day, status=PENDING)]
    rows += [UrlState("https://a.example/slow", "web", "page", day, status=FAILED, reason="timeout",
                      next_retry_at=day)]
    rows += [UrlState("https://a.example/later", "web", "page", day, status=FAILED, reason="http_503",
                      next_retry_at=date(2026, 12, 30))]
    save_changes(tmp_path, {r.canonical_url: r for r in rows})
    lines = owed(Storage.of(tmp_path), date(2026, 11, 26))
    assert "3 page(s) fetched but not yet published (re-extracted from the raw store)" in lines
    assert "1 page(s) discovered, not yet fetched (over a night's budget)" in lines
    assert "1 page(s) due for another try: timeout 1" in lines

    # a published page is owed no more; feeds are not pages; the commonest reason comes first, and
    # a failure with no retry date or no reason is due all the same
    rows = [UrlState("https://a.example/0", "web", "page", day, status=OK, ingest_date=day, published_on=day),
            UrlState("https://a.example/feed", "web", "feed", day, status=PENDING),
            UrlState("https://a.example/slow2", "web", "page", day, status=FAILED, reason="timeout"),
            UrlState("https://a.example/odd", "web", "page", day, status=FAILED)]
    save_changes(tmp_path, {r.canonical_url: r for r in rows})
    lines = owed(Storage.of(tmp_path), date(2026, 11, 26))
    assert "2 page(s) fetched but not yet published (re-extracted from the raw store)" in lines
    assert "1 page(s) discovered, not yet fetched (over a night's budget)" in lines
    assert "3 page(s) due for another try: timeout 2, failed 1" in lines, lines
