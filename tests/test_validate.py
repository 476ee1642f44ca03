"""The Great Expectations suites, run for real on small frames and chunks."""
import json
import re

import pandas as pd
import pyarrow as pa
import pytest

from pipeline.store.schemas import TABLES, column_names
from pipeline.validate import docs
from pipeline.validate.derived import DERIVED_COLUMNS, boilerplate_lines
from pipeline.validate.gx import Validator, build_suite, critical_failures, validate_frames, warnings
from pipeline.validate.suites import columns_of, load_suite, severity, suite_tables
from pipeline.store.storage import Storage


def article(n, text="A body with more than five words in it.", **extra):
    row = {"article_id": f"{n:016x}", "content_hash": f"{n:064x}", "text": text,
           "word_count": len(text.split()), "language": "en", "source": "s"}
    row.update(extra)
    return row


def outcome(outcomes, suite, expectation, column=None):
    found = [o for o in outcomes if o.suite == suite and o.expectation == expectation
             and (column is None or o.column == column)]
    assert len(found) == 1, (suite, expectation, column, found)
    return found[0]


def test_every_suite_loads_completely_in_gx_and_names_real_columns():
    import great_expectations as gx
    assert set(suite_tables()) <= set(TABLES)
    for table in suite_tables():
        spec = load_suite(table)
        suite = build_suite(gx, spec)
        assert len(suite.expectations) == len(spec["expectations"])
        known = set(column_names(table)) | set(DERIVED_COLUMNS.get(table, {}))
        for expectation in spec["expectations"]:
            assert set(columns_of(expectation)) <= known, (table, expectation)
            assert severity(expectation) in ("critical", "warning")


def test_unknown_expectation_is_an_error_not_a_silent_skip():
    import great_expectations as gx
    spec = {"name": "t", "expectations": [{"type": "expect_no_such_thing", "kwargs": {"column": "a"}}]}
    with pytest.raises(ValueError, match="expect_no_such_thing"):
        build_suite(gx, spec)


@pytest.mark.parametrize("meta, error", [
    ({"level": "row", "severity": "fatal"}, "severity must be"),
    ({"level": "row"}, "cannot be level 'row'"),
    ({"level": "sometimes"}, "needs meta.level"),
])
def test_suite_meta_is_checked_when_loaded(tmp_path, monkeypatch, meta, error):
    suite = {"name": "articles", "expectations": [
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "article_id"}, "meta": meta}]}
    (tmp_path / "articles.json").write_text(json.dumps(suite))
    monkeypatch.setenv("BROADSHEET_EXPECTATIONS", str(tmp_path))
    with pytest.raises(ValueError, match=error):
        load_suite("articles")


def test_row_failures_name_rows_and_batch_failures_name_expectations(tmp_path):
    frames = {
        "articles": pd.DataFrame([article(1), article(2, text="", word_count=0), article(3, language="English")]),
        "quotes": pd.DataFrame([{"article_id": "a", "quote": "\"Fine\"", "kind": "direct", "start_char": 0,
                                 "end_char": 6, "article_known": True, "span_in_article": True,
                                 "span_matches_text": True},
                                {"article_id": "a", "quote": "\"Odd\"", "kind": "rumour", "start_char": 9,
                                 "end_char": 4, "article_known": True, "span_in_article": False,
                                 "span_matches_text": False}]),
    }
    verdicts, outcomes = validate_frames(frames, tmp_path)
    assert set(verdicts["articles"].row_failures) == {1, 2}
    assert any("word_count" in r for r in verdicts["articles"].row_failures[1])
    assert any("language" in r for r in verdicts["articles"].row_failures[2])
    assert set(verdicts["quotes"].row_failures) == {1}
    assert len(verdicts["quotes"].row_failures[1]) == 4   # kind, offsets, outside the text, not the text
    kind = outcome(outcomes, "quotes", "expect_column_values_to_be_in_set", "kind")
    assert (kind.success, kind.unexpected_count, kind.sample, kind.severity) == (False, 1, ["rumour"], "warning")
    assert not any(o.startswith("articles") for o in critical_failures(outcomes))


def test_mostly_empty_bodies_fail_the_night_as_critical(tmp_path):
    frame = pd.DataFrame([article(1)] + [article(n, text="", word_count=0) for n in range(2, 5)])
    _, outcomes = validate_frames({"articles": frame}, tmp_path)
    assert any("expect_column_value_lengths_to_be_between(text, min_value=1, mostly=0.5)" in f
               for f in critical_failures(outcomes))


def test_a_suite_is_reported_once_per_night_with_chunks_summed_and_keys_checked_across_chunks(tmp_path):
    validator = Validator(tmp_path)
    ids = [1, 2, 3, 4, 5, 3]     # the repeated id is in another chunk than its first
    for start in range(0, 6, 2):
        rows = [article(n, content_hash=f"{n * 7 + i:064x}") for i, n in enumerate(ids[start:start + 2], start)]
        validator.validate("articles", pa.Table.from_pylist(rows))
    outcomes = validator.finish()
    assert len(outcomes) == len(load_suite("articles")["expectations"])
    words = outcome(outcomes, "articles", "expect_column_values_to_be_between", "word_count")
    assert (words.element_count, words.unexpected_count, words.success) == (6, 0, True)
    unique = outcome(outcomes, "articles", "expect_column_values_to_be_unique", "article_id")
    assert (unique.success, unique.unexpected_count, unique.severity) == (False, 2, "critical")
    assert any("expect_column_values_to_be_unique(article_id" in f for f in critical_failures(outcomes))


def test_mostly_is_judged_over_the_night_not_per_chunk(tmp_path):
    validator = Validator(tmp_path)
    # 3 empty bodies of 8 in all: under half, though the first chunk alone is 3 of 4
    chunk1 = [article(1), article(2, text=""), article(3, text=""), article(4, text="")]
    chunk2 = [article(n) for n in range(5, 9)]
    for rows in (chunk1, chunk2):
        validator.validate("articles", pa.Table.from_pylist(rows))
    outcomes = validator.finish()
    mostly = [o for o in outcomes if o.column == "text" and o.severity == "critical"][0]
    assert (mostly.success, mostly.unexpected_count, mostly.element_count) == (True, 3, 8)


def test_row_counts_are_compared_with_the_previous_nights(tmp_path):
    frame = pd.DataFrame([article(n) for n in range(1, 11)])
    _, outcomes = validate_frames({"articles": frame}, tmp_path, history={"articles": [100, 90, 110]})
    rows = outcome(outcomes, "articles", "expect_table_row_count_to_be_between")
    assert (rows.success, rows.severity, rows.kwargs["min_value"]) == (False, "warning", 50)
    assert any("expect_table_row_count_to_be_between" in w for w in warnings(outcomes))
    _, outcomes = validate_frames({"articles": frame}, tmp_path, history={"articles": [12, 9]})
    assert outcome(outcomes, "articles", "expect_table_row_count_to_be_between").success


def test_boilerplate_left_in_a_body_is_counted_by_the_cleaners_rules():
    assert boilerplate_lines("Inspectors found rust on the east span of the bridge on Monday.", "Rust") == 0
    assert boilerplate_lines("Inspectors found rust on the east span of the bridge on Monday.\n"
                             "Login/Register\n0 0", "Rust") == 2


def test_data_docs_are_one_offline_page_per_night_and_an_index(tmp_path):
    frame = pd.DataFrame([article(1), article(1, content_hash="f" * 64)])
    _, outcomes = validate_frames({"articles": frame}, tmp_path)
    rows = [o.row("run-1", "2026-11-25") for o in outcomes]
    storage = Storage.of(tmp_path)
    page = docs.write_night(storage, rows, "2026-11-25", "run-1", "failed")
    html = open(page, encoding="utf-8").read()
    index = open(docs.index_page(storage), encoding="utf-8").read()
    assert "expect_column_values_to_be_unique" in html and "failed (critical)" in html
    assert "nights/2026-11-25/run-1.html" in index
    assert docs.index_page(storage).endswith("gx/uncommitted/data_docs/local_site/index.html")
    for text in (html, index):
        assert "<script" not in text.lower() and "<link" not in text.lower()
        assert not re.search(r"(src|href)\s*=\s*['\"]?(https?:)?//", text), "nothing may load from the network"
