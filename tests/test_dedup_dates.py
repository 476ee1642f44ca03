"""Deduplication by content across all dates, earlier and later, and one text per article id."""
from __future__ import annotations

from datetime import date

from pipeline.config import files_config
from pipeline.run import run_all
from pipeline.store.catalog import connect

EARLY, LATE = date(2026, 11, 10), date(2026, 11, 12)

STORY = ("Lifeboat station gets a new crew room\n\nThe lifeboat station at Penmarrow opened its new crew "
         "room on Sunday, paid for by a village fundraiser, the station manager Elin Rhys said.\n")
PAGE = ("<html lang='en'><head><title>Pier lights switched on</title>"
        "<link rel='canonical' href='https://coast.example/news/pier-lights'></head><body><article>"
        "<h1>Pier lights switched on</h1><p>The restored lights on Carrow pier were switched on on "
        "Friday evening, {detail}, the harbour trust said.</p><p>The trust raised the money over two "
        "winters of quiz nights and sponsored swims.</p></article></body></html>")


def query(wh, sql, *params):
    with connect(wh) as con:
        return con.execute(sql, list(params)).fetchall()


def test_a_night_ingested_late_does_not_store_again_what_a_later_date_holds(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "lifeboat.txt").write_text(STORY, encoding="utf-8")
    wh = tmp_path / "wh"
    assert run_all(files_config([str(folder)]), wh, LATE)["articles"] == 1
    earlier_night = run_all(files_config([str(folder)]), wh, EARLY)
    assert earlier_night["articles"] == 0 and earlier_night["duplicates"] == 1
    assert query(wh, "SELECT reason FROM rejects WHERE ingest_date = ?", EARLY)[0][0].endswith(f"stored on {LATE}")
    rerun = run_all(files_config([str(folder)]), wh, LATE)
    assert rerun["articles"] == 1 and rerun["duplicates"] == 0, "a rerun of a date keeps its own articles"
    assert query(wh, "SELECT count(*) FROM articles") == [(1,)]


def test_a_changed_article_at_a_known_url_is_a_new_version_with_its_own_id(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    for folder, detail in ((first, "two weeks early"), (second, "two weeks early and under budget")):
        folder.mkdir()
        (folder / "pier.html").write_text(PAGE.format(detail=detail), encoding="utf-8")
    wh = tmp_path / "wh"
    run_all(files_config([str(first)]), wh, EARLY)
    run_all(files_config([str(second)]), wh, LATE)
    rows = query(wh, "SELECT article_id, url, content_hash FROM articles ORDER BY ingest_date")
    assert len(rows) == 2 and rows[0][1] == rows[1][1] == "https://coast.example/news/pier-lights"
    assert rows[0][0] != rows[1][0], "two texts, two ids"
    assert query(wh, "SELECT count(*) FROM (SELECT article_id FROM articles GROUP BY 1 HAVING count(DISTINCT content_hash) > 1)") == [(0,)]
    run_all(files_config([str(second)]), wh, LATE)
    assert query(wh, "SELECT article_id FROM articles WHERE ingest_date = ?", LATE) == [(rows[1][0],)], \
        "the same text at the same URL keeps its id on a rerun"
