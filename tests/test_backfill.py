"""`airflow backfill create` over three dates on a real scheduler (CeleryExecutor, two workers): one
night per logical date, and a second backfill over the same range (reprocessing the completed
nights) changes no published row."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from support.backfill import backfill, changes, snapshot
from support.newsgen import write_articles

pytestmark = pytest.mark.slow

FIRST, LAST = date(2026, 11, 20), date(2026, 11, 22)


@pytest.fixture(scope="module")
def place(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("backfill")
    for name, seed in (("county", 11), ("harbour", 12)):
        write_articles(root / name, 3, seed=seed, paragraphs=3)
    (root / "sources.yaml").write_text(
        "sources:\n" + "".join(f"  - {{name: {n}, kind: files, location: {root / n}}}\n" for n in ("county", "harbour")))
    return root


@pytest.fixture(scope="module")
def celery_worker_env(place):
    return {"BROADSHEET_WAREHOUSE": str(place / "warehouse"), "BROADSHEET_CONFIG": str(place / "sources.yaml")}


def test_a_backfill_runs_one_night_per_date_and_a_second_one_changes_nothing(celery_airflow, place):
    wh = place / "warehouse"
    first = backfill(celery_airflow, FIRST, LAST)
    assert [r["state"] for r in first["runs"]] == ["success"] * 3, first
    assert [r["logical_date"].date() for r in first["runs"]] == [FIRST, date(2026, 11, 21), LAST]
    from pipeline.store.catalog import connect
    with connect(wh) as con:
        nights = con.execute("SELECT ingest_date::VARCHAR, status FROM runs ORDER BY 1").fetchall()
        articles = con.execute("SELECT ingest_date::VARCHAR, count(*) FROM articles GROUP BY 1").fetchall()
    assert nights == [(d, "success") for d in ("2026-11-20", "2026-11-21", "2026-11-22")]
    # the first night stores the six articles; the later ones find them already stored
    assert articles == [("2026-11-20", 6)]
    before = snapshot(wh)
    assert sum(before["rejects"].values()) == 12   # 2 nights x 6 known articles

    second = backfill(celery_airflow, FIRST, LAST, reprocess="completed")
    assert [r["state"] for r in second["runs"]] == ["success"] * 3, second
    assert changes(before, snapshot(wh)) == {table: 0 for table in before}
    with connect(wh) as con:
        assert con.execute("SELECT count(*) FROM runs WHERE status = 'success'").fetchone() == (6,)
