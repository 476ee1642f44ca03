"""The Great Expectations suites, run for real on small frames."""
from datetime import date

import pandas as pd
import pytest

from pipeline.store.schemas import TABLES, column_names
from pipeline.validate.gx import build_suite, validate_frames
from pipeline.validate.suites import load_suite, suite_tables


def article(n, text="A body with more than five words in it.", **extra):
    row = {"article_id": f"{n:016x}", "content_hash": f"{n:064x}", "text": text,
           "word_count": len(text.split()), "language": "en"}
    row.update(extra)
    return row


def test_every_suite_loads_completely_in_gx_and_names_real_columns():
    import great_expectations as gx
    assert set(suite_tables()) <= set(TABLES)
    for table in suite_tables():
        spec = load_suite(table)
        suite = build_suite(gx, spec)
        assert len(suite.expectations) == len(spec["expectations"])
        for expectation in spec["expectations"]:
            for key in ("column", "column_A", "column_B"):
                if key in expectation["kwargs"]:
                    assert expectation["kwargs"][key] in column_names(table), (table, expectation)


def test_unknown_expectation_is_an_error_not_a_silent_skip():
    import great_expectations as gx
    spec = {"name": "t", "expectations": [{"type": "expect_no_such_thing", "kwargs": {"column": "a"}}]}
    with pytest.raises(ValueError, match="expect_no_such_thing"):
        build_suite(gx, spec)


def test_row_failures_name_rows_and_batch_failures_name_expectations(tmp_path):
    frames = {
        "articles": pd.DataFrame([article(1), article(2, text="", word_count=0), article(3, language="English")]),
        "quotes": pd.DataFrame([{"quote": "\"Fine\"", "kind": "direct", "start_char": 0, "end_char": 6},
                                {"quote": "\"Odd\"", "kind": "rumour", "start_char": 9, "end_char": 4}]),
    }
    verdicts = validate_frames(frames, tmp_path, "t1")
    assert set(verdicts["articles"].row_failures) == {1, 2}
    assert any("word_count" in r for r in verdicts["articles"].row_failures[1])
    assert any("language" in r for r in verdicts["articles"].row_failures[2])
    assert verdicts["articles"].batch_ok
    assert set(verdicts["quotes"].row_failures) == {1}
    assert len(verdicts["quotes"].row_failures[1]) == 2
    assert (tmp_path / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html").exists()


def test_mostly_empty_bodies_fail_the_batch(tmp_path):
    frame = pd.DataFrame([article(1)] + [article(n, text="", word_count=0) for n in range(2, 5)])
    verdict = validate_frames({"articles": frame}, tmp_path, "t2")["articles"]
    assert not verdict.batch_ok
    assert any("expect_column_value_lengths_to_be_between(text" in f for f in verdict.batch_failures)


def test_duplicate_article_ids_fail_the_batch(tmp_path):
    frame = pd.DataFrame([article(1), article(1)])
    verdict = validate_frames({"articles": frame}, tmp_path, "t3")["articles"]
    assert any("expect_column_values_to_be_unique(article_id" in f for f in verdict.batch_failures)
