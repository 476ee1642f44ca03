"""The whole path on local files, in-process: real extraction, spaCy, Great Expectations, Parquet, DuckDB."""
import json
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.config import files_config
from pipeline.run import RunFailed, run_all
from pipeline.store.catalog import connect
from pipeline.store.delta import open_table

DAY1, DAY2 = date(2026, 11, 23), date(2026, 11, 24)

GOOD_TEXT = """Harbour board approves night ferry trial

0 0
Harbour board approves night ferry trial

Port Calloway: The harbour board of Port Calloway voted on Monday to run a night ferry between the old pier and Gull Island for six months, ending a dispute that had stalled the service since spring.

Board chair Miriam Ostrowski said the trial would start in February. "We owe the island's nurses and bakers a way home after midnight," Ostrowski told reporters after the vote.

The island's residents association had called the daytime-only timetable "a quiet eviction," according to its secretary, Tobias Wren.

  • Tags:
To comment or like please login first....
Login/Register
"""

GOOD_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Library reopens after flood repairs | Valley Courier</title>
<meta property="og:title" content="Library reopens after flood repairs">
</head><body>
<nav><a href="/">Home</a> <a href="/local">Local</a> <a href="/sport">Sport</a></nav>
<article>
<h1>Library reopens after flood repairs</h1>
<p>The central library in Ashford Vale reopened on Saturday, eleven months after floodwater ruined its ground floor and most of its children's collection.</p>
<p>Head librarian Colm Avery said the building now stands on raised foundations. "The river will come back, but the books will be upstairs," Avery said as the first visitors queued outside.</p>
<p>The county council paid for most of the repairs, and volunteers from the Ashford Vale Historical Society spent the autumn cataloguing donated books for the new shelves.</p>
</article>
<aside><h3>Related</h3><ul><li><a href="/a">Council budget vote delayed</a></li></ul></aside>
<footer>We use cookies to improve your experience. Accept all cookies.</footer>
</body></html>
"""

NO_ARTICLE_HTML = """<html><head><title>Search</title></head><body>
<nav><a href="/">Home</a> <a href="/about">About</a> <a href="/contact">Contact</a></nav>
<form><input name="q"><button>Search</button></form></body></html>"""


def write_inputs(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ferry.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (folder / "pages").mkdir(exist_ok=True)
    (folder / "pages" / "library.html").write_text(GOOD_HTML, encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.html").write_bytes(bytes(range(256)) * 8)
    (folder / "latin1.txt").write_bytes("Caf\xe9 owners protest\n\nThe caf\xe9 owners of the old town marched.".encode("latin-1"))
    (folder / "search.html").write_text(NO_ARTICLE_HTML, encoding="utf-8")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4 not an article")
    return folder


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("pipeline")
    inputs = write_inputs(root / "inputs")
    wh = root / "warehouse"
    summary = run_all(files_config([str(inputs)]), wh, DAY1, run_id="first")
    return {"root": root, "inputs": inputs, "wh": wh, "summary": summary}


def query(wh, sql, *params):
    with connect(wh) as con:
        return con.execute(sql, list(params)).fetchall()


def test_good_articles_are_published_and_bad_inputs_rejected_with_reasons(warehouse):
    wh = warehouse["wh"]
    titles = sorted(t for (t,) in query(wh, "SELECT title FROM articles"))
    assert titles == ["Harbour board approves night ferry trial", "Library reopens after flood repairs"]
    rejects = {Path(loc).name: (stage, reason) for loc, stage, reason in
               query(wh, "SELECT location, stage, reason FROM rejects")}
    assert set(rejects) == {"empty.txt", "binary.html", "latin1.txt", "search.html", "notes.pdf"}
    assert rejects["empty.txt"] == ("read", "empty_file")
    assert rejects["binary.html"][1].startswith("binary_content")
    assert rejects["latin1.txt"][1].startswith("undecodable")
    assert rejects["search.html"][0] == "extract"
    assert rejects["notes.pdf"][1].startswith("unsupported_file_type")
    summary = warehouse["summary"]
    assert (summary["status"], summary["articles"], summary["rejects"]) == ("success", 2, 5)


def test_text_article_is_cleaned_and_boilerplate_traced(warehouse):
    [(text, removed, extractor)] = query(warehouse["wh"],
        "SELECT text, removed, extractor FROM articles WHERE source = 'files' AND title LIKE 'Harbour%'")
    assert text.startswith("Port Calloway: The harbour board")
    assert text.endswith("Tobias Wren.")
    assert text.count("\n\n") == 2
    for residue in ("0 0", "Tags", "login", "Login/Register", "night ferry trial\n"):
        assert residue not in text
    rules = {r["rule"] for r in removed}
    assert len(removed) >= 5 and "repeated_headline" in rules
    assert extractor == "text"


def test_entities_and_quotes_point_into_the_stored_text(warehouse):
    wh = warehouse["wh"]
    rows = query(wh, "SELECT a.text, e.mention, e.start_char, e.end_char, e.canonical FROM entities e "
                     "JOIN articles a USING (article_id)")
    assert rows
    for text, mention, start, end, _ in rows:
        assert text[start:end] == mention
    canon = {m: c for _, m, _, _, c in rows}
    assert canon.get("Ostrowski") == "Miriam Ostrowski"
    quotes = query(wh, "SELECT a.text, q.quote, q.start_char, q.end_char, q.speaker, q.kind FROM quotes q "
                       "JOIN articles a USING (article_id)")
    for text, quote, start, end, _, _ in quotes:
        assert text[start:end] == quote
    by_start = {q[1][:12]: (q[4], q[5]) for q in quotes}
    assert by_start["\"We owe the "] == ("Miriam Ostrowski", "direct")
    assert by_start["\"The river w"] == ("Colm Avery", "direct")


def test_runs_row_and_duckdb_catalog_file(warehouse):
    wh = warehouse["wh"]
    [(status, articles, rejects, ok)] = query(wh, "SELECT status, articles, rejects, validation_success FROM runs")
    assert (status, articles, rejects, ok) == ("success", 2, 5, True)
    assert (wh / "broadsheet.duckdb").exists()
    assert (wh / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html").exists()
    assert not (wh / "_staging" / "first").exists()


def test_rerun_of_the_same_date_replaces_and_duplicates_nothing(warehouse):
    wh = warehouse["wh"]
    before = query(wh, "SELECT article_id, content_hash FROM articles ORDER BY 1")
    entities_before = query(wh, "SELECT count(*) FROM entities")
    summary = run_all(files_config([str(warehouse["inputs"])]), wh, DAY1, run_id="again")
    assert summary["duplicates"] == 0
    assert query(wh, "SELECT article_id, content_hash FROM articles ORDER BY 1") == before
    assert query(wh, "SELECT count(*) FROM entities") == entities_before
    assert query(wh, "SELECT count(*) FROM rejects") == [(5,)]
    articles = open_table(wh, "articles")
    assert len(articles.file_uris()) == 1 and articles.history(1)[0]["broadsheet.run_id"] == "again", \
        "the rerun's one commit replaced the date's partition"
    assert query(wh, "SELECT count(*) FROM runs") == [(2,)]


def test_a_later_date_does_not_store_content_again(warehouse):
    wh = warehouse["wh"]
    later = warehouse["root"] / "later"
    later.mkdir()
    (later / "ferry-copy.txt").write_text(GOOD_TEXT, encoding="utf-8")
    summary = run_all(files_config([str(later)]), wh, DAY2, run_id="later")
    assert (summary["articles"], summary["duplicates"]) == (0, 1)
    [(stage, reason)] = query(wh, "SELECT stage, reason FROM rejects WHERE ingest_date = ?", DAY2)
    assert stage == "dedup" and reason.startswith("duplicate: same content as article")
    assert query(wh, "SELECT count(*) FROM articles") == [(2,)]


def test_a_batch_of_empty_bodies_fails_and_publishes_nothing(tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for n in range(3):
        (inputs / f"stub{n}.txt").write_text(f"Headline number {n}\n\n0 0\nLogin/Register\n", encoding="utf-8")
    wh = tmp_path / "wh"
    with pytest.raises(RunFailed, match="batch validation failed.*articles"):
        run_all(files_config([str(inputs)]), wh, DAY1, run_id="bad")
    assert not list(wh.glob("articles/*/*.parquet"))
    [(status, ok, message)] = query(wh, "SELECT status, validation_success, message FROM runs")
    assert status == "failed" and ok is False and "expect_column_value_lengths_to_be_between" in message


def test_non_english_articles_are_stored_without_english_nlp(tmp_path):
    fixtures = Path(__file__).resolve().parent / "fixtures" / "html"
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("german_article.html", "jsonld_article.html"):
        (inputs / name).write_bytes((fixtures / name).read_bytes())
    wh = tmp_path / "wh"
    run_all(files_config([str(inputs)]), wh, DAY1, run_id="langs")
    rows = dict((lang, (skipped, aid)) for lang, skipped, aid in
                query(wh, "SELECT language, nlp_skipped, article_id FROM articles"))
    assert set(rows) == {"de", "en"}
    assert rows["de"][0] == "non_english" and rows["en"][0] is None
    german = rows["de"][1]
    assert query(wh, "SELECT count(*) FROM entities WHERE article_id = ?", german) == [(0,)]
    assert query(wh, "SELECT count(*) FROM quotes WHERE article_id = ?", german) == [(0,)]
    assert query(wh, "SELECT count(*) FROM entities WHERE article_id = ?", rows["en"][1])[0][0] > 0
