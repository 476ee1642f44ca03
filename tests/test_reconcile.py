"""Reconciliation: every input the plan found has exactly one fate (an article or a reject), per
source; a night where a stage lost or doubled a document fails before it publishes."""
from __future__ import annotations

import json
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.config import parse_config
from pipeline.run import run_all
from pipeline.stages import dedup, enrich, extract, plan, validate
from pipeline.stages.context import RunFailed, open_night
from pipeline.store.catalog import connect

DAY = date(2026, 11, 29)


def story(town: str) -> str:
    return (f"{town} opens its new ferry pier\n\nThe ferry pier in {town} opened on Saturday after two years "
            f"of building, the harbour master Lena Ortiz said. \"It changes the mornings here,\" Ortiz said.\n")


def sources(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "a.txt").write_text(story("Ashby"), encoding="utf-8")
    (first / "b.txt").write_text(story("Brill"), encoding="utf-8")
    (first / "copy-of-a.txt").write_text(story("Ashby"), encoding="utf-8")   # a duplicate
    (first / "notes.docx").write_bytes(b"PK\x03\x04")                          # unsupported
    (second / "c.txt").write_text(story("Corran"), encoding="utf-8")
    (second / "empty.html").write_text("<html><body></body></html>", encoding="utf-8")
    return parse_config({"sources": [{"name": "first", "kind": "files", "location": str(first)},
                                     {"name": "second", "kind": "files", "location": str(second)}]},
                        tmp_path, "test.yaml")


def test_a_night_accounts_for_every_input_of_every_source_in_runs(tmp_path):
    wh = tmp_path / "wh"
    summary = run_all(sources(tmp_path), wh, DAY)
    assert summary["status"] == "success"
    with connect(wh) as con:
        [(stage_counts,)] = con.execute("SELECT stage_counts FROM runs").fetchall()
        per_source = dict(con.execute("SELECT source, count(*) FROM articles GROUP BY source").fetchall())
    figures = json.loads(stage_counts)["reconcile"]
    assert figures == {
        "first": {"discovered": 4, "articles": 2, "rejects": 1, "already_known": 1, "gap": 0},
        "second": {"discovered": 2, "articles": per_source["second"], "rejects": 2 - per_source["second"],
                   "already_known": 0, "gap": 0},
    }


def staged_night(tmp_path):
    ctx = open_night(str(tmp_path / "wh"), DAY, sources(tmp_path), "reconcile-test")
    plan.run(ctx)
    extract.run(ctx)
    return ctx


def drop_first_row(path: str) -> None:
    table = pq.read_table(path)
    pq.write_table(table.slice(1), path)


def test_a_document_lost_between_stages_fails_the_night_naming_the_source(tmp_path):
    ctx = staged_night(tmp_path)
    [shard] = [s for s in ctx.staging.shards() if s.source == "second"]
    # a stage "forgot" one article: its row and its signature
    drop_first_row(ctx.staging.extracted(shard.id))
    drop_first_row(ctx.staging.signatures(shard.id))
    dedup.run(ctx)
    enrich.run(ctx)
    with pytest.raises(RunFailed, match=r"reconciliation failed: source 'second': 1 input\(s\) lost "
                                        r"\(2 discovered, 0 articles, 1 rejects\)"):
        validate.run(ctx)


def test_a_document_counted_twice_fails_the_night(tmp_path):
    ctx = staged_night(tmp_path)
    [shard] = [s for s in ctx.staging.shards() if s.source == "first"]
    path = ctx.staging.extract_rejects(shard.id)
    table = pq.read_table(path)
    pq.write_table(pa.concat_tables([table, table.slice(0, 1)]), path)       # one reject written twice
    dedup.run(ctx)
    enrich.run(ctx)
    with pytest.raises(RunFailed, match=r"source 'first': 1 input\(s\) doubled"):
        validate.run(ctx)
