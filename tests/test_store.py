"""Schemas, staged Parquet, Delta publishing and crash recovery, on real files."""
import json
import os
import shutil
from datetime import date, datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.store import catalog, delta, parquet
from pipeline.store.storage import Storage
from pipeline.store.schemas import TABLES, arrow_schema, parse_type, table_spec, to_arrow

DAY = date(2026, 11, 20)


def entity(article_id="a" * 16, mention="Ada Lovelace", run_id="r1", day=DAY):
    return {"article_id": article_id, "mention": mention, "label": "PERSON", "start_char": 0,
            "end_char": len(mention), "canonical": mention, "entity_key": "person:" + mention.lower(),
            "run_id": run_id, "ingest_date": day}


def test_every_table_has_a_schema_with_described_columns():
    for table in TABLES:
        spec = table_spec(table)
        assert spec["columns"], table
        for column in spec["columns"]:
            assert column["description"].strip(), f"{table}.{column['name']} has no description"
        assert "ingest_date" in {c["name"] for c in spec["columns"]}


def test_issue_contract_columns_exist():
    required = {
        "articles": "article_id url source title authors published_at language text word_count "
                    "content_hash extractor ingest_date run_id",
        "entities": "article_id mention label start_char end_char canonical",
        "quotes": "article_id quote kind start_char end_char speaker speaker_mention speaker_start "
                  "speaker_end cue",
        "rejects": "run_id ingest_date source location stage reason",
        "runs": "run_id started_at finished_at status articles entities quotes rejects validation_success",
    }
    for table, names in required.items():
        assert set(names.split()) <= set(arrow_schema(table).names), table


def test_parse_type_handles_nested_types():
    parsed = parse_type("list<struct<rule:string,start_char:int32>>")
    assert parsed == pa.list_(pa.struct([("rule", pa.string()), ("start_char", pa.int32())]))
    with pytest.raises(ValueError):
        parse_type("map<string,string>")


def test_to_arrow_refuses_a_missing_required_column():
    row = entity()
    del row["canonical"]
    with pytest.raises(ValueError, match="entities.canonical is required"):
        to_arrow("entities", [row])


def test_to_arrow_keeps_schema_order_and_types():
    table = to_arrow("entities", [entity()])
    assert table.schema == arrow_schema("entities")
    assert table.column("ingest_date").to_pylist() == [DAY]


def _stage(tmp_path, rows, name="entities.parquet", table="entities"):
    storage = Storage.of(tmp_path)
    return parquet.write_parquet_atomic(storage, storage.path("staged", name), to_arrow(table, rows))


def _commit(wh, table, day, staged, run_id):
    return delta.commit_table(Storage.of(wh), table, day, staged, run_id, f"publish:{run_id}:{day}")


def _rows(wh, table, column):
    return sorted(delta.open_table(wh, table).to_pyarrow_table().column(column).to_pylist())


def test_publish_replaces_the_partition_of_the_same_date_in_one_commit_each(tmp_path):
    wh = tmp_path / "wh"
    _commit(wh, "entities", DAY, _stage(tmp_path, [entity(mention="A"), entity(mention="B")]), "r1")
    _commit(wh, "entities", date(2026, 11, 21), _stage(tmp_path, [entity(mention="Z", day=date(2026, 11, 21))]), "r1")
    _commit(wh, "entities", DAY, _stage(tmp_path, [entity(mention="C", run_id="r2")]), "r2")
    table = delta.open_table(wh, "entities")
    assert table.version() == 2
    assert _rows(wh, "entities", "mention") == ["C", "Z"]
    assert [h.get("broadsheet.run_id") for h in table.history()] == ["r2", "r1", "r1"]
    first = delta.open_table(wh, "entities", as_of=0).to_pyarrow_table().column("mention").to_pylist()
    assert sorted(first) == ["A", "B"], "the first version stays readable (time travel)"


def test_a_publish_repeated_after_a_crash_commits_each_table_once(tmp_path):
    wh = tmp_path / "wh"
    staged = _stage(tmp_path, [entity(mention="A")])
    assert _commit(wh, "entities", DAY, staged, "r1") is True
    assert _commit(wh, "entities", DAY, staged, "r1") is False, "the same publish id commits once"
    assert delta.open_table(wh, "entities").version() == 0


def test_runs_table_is_appended_not_replaced(tmp_path):
    wh = tmp_path / "wh"
    for run_id in ("r1", "r2"):
        row = {"run_id": run_id, "ingest_date": DAY, "started_at": datetime.now(timezone.utc),
               "finished_at": datetime.now(timezone.utc), "status": "success", "inputs": 1, "articles": 1,
               "entities": 0, "quotes": 0, "rejects": 0, "duplicates": 0, "validation_success": True,
               "message": None, "stage_counts": "{}"}
        _commit(wh, "runs", DAY, _stage(tmp_path, [row], f"{run_id}.parquet", "runs"), run_id)
    assert _rows(wh, "runs", "run_id") == ["r1", "r2"]


def test_staged_writer_streams_row_groups_and_appears_only_on_close(tmp_path):
    storage = Storage.of(tmp_path)
    path = storage.path("s", "entities.parquet")
    writer = parquet.StagedTableWriter(storage, path, "entities", rows_per_group=10)
    writer.write_many(entity(mention=f"M{i}") for i in range(25))
    assert not storage.exists(path)
    writer.close()
    assert pq.ParquetFile(path).metadata.num_row_groups == 3
    assert [r["mention"] for r in parquet.read_staged(storage, path)] == [f"M{i}" for i in range(25)]


def test_staged_writer_leaves_nothing_when_aborted(tmp_path):
    storage = Storage.of(tmp_path)
    path = storage.path("s", "entities.parquet")
    with pytest.raises(RuntimeError):
        with parquet.StagedTableWriter(storage, path, "entities") as writer:
            writer.write(entity())
            raise RuntimeError("boom")
    assert list((tmp_path / "s").iterdir()) == []


def test_recover_rolls_a_journalled_publish_forward(tmp_path):
    wh = tmp_path / "wh"
    storage = Storage.of(wh)
    _commit(wh, "entities", DAY, _stage(tmp_path, [entity(mention="old")]), "r1")
    staging = storage.path("_staging", "r2")
    new = parquet.write_parquet_atomic(storage, f"{staging}/final/entities.parquet",
                                       to_arrow("entities", [entity(mention="new", run_id="r2")]))
    storage.write_text(storage.path("_journal", "r2.json"), json.dumps(
        {"run_id": "r2", "publish_id": "publish:r2", "ingest_date": DAY.isoformat(),
         "staged": {"entities": new}, "staging": staging}))
    actions = delta.recover(wh)
    assert any("rolled forward" in a for a in actions)
    assert not (wh / "_journal" / "r2.json").exists() and not (wh / "_staging" / "r2").exists()
    assert _rows(wh, "entities", "mention") == ["new"]
    assert delta.recover(wh) == [], "nothing left to repair"


def test_catalog_relations_exist_before_any_data_and_read_partitions(tmp_path):
    wh = tmp_path / "wh"
    with catalog.connect(wh) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (0,)
        columns = [d[0] for d in con.execute("SELECT * FROM quotes").description]
        assert "speaker_mention" in columns
    _commit(wh, "entities", DAY, _stage(tmp_path, [entity(mention="A")]), "r1")
    _commit(wh, "entities", date(2026, 11, 21), _stage(tmp_path, [entity(mention="B", day=date(2026, 11, 21))]), "r1")
    with catalog.connect(wh) as con:
        assert con.execute("SELECT ingest_date, mention FROM entities ORDER BY 1").fetchall() == \
            [(DAY, "A"), (date(2026, 11, 21), "B")]
        plan = "".join(r[1] for r in con.execute(
            "EXPLAIN SELECT mention FROM entities WHERE ingest_date = DATE '2026-11-21'").fetchall())
        assert "Scanning Files: 1/2" in plan, "a date filter reads only that date's partition"
    path = catalog.refresh_catalog(wh)
    import duckdb
    with duckdb.connect(str(path), read_only=True) as con:
        con.execute("SET file_search_path = ?", [str(wh)])
        rows = con.execute("SELECT ingest_date, mention FROM entities ORDER BY 1").fetchall()
    assert rows == [(DAY, "A"), (date(2026, 11, 21), "B")]


def test_the_catalog_file_is_swapped_in_while_a_reader_holds_the_old_one(tmp_path):
    import duckdb
    wh = tmp_path / "wh"
    _commit(wh, "entities", DAY, _stage(tmp_path, [entity(mention="A")]), "r1")
    path = catalog.refresh_catalog(wh)
    reader = duckdb.connect(str(path), read_only=True)
    try:
        _commit(wh, "entities", DAY, _stage(tmp_path, [entity(mention="B", run_id="r2")]), "r2")
        assert catalog.refresh_catalog(wh) == path, "a reader's lock does not stop the refresh"
    finally:
        reader.close()
    moved = tmp_path / "moved"
    shutil.move(str(wh), moved)
    with duckdb.connect(str(moved / catalog.CATALOG_NAME), read_only=True) as con:
        con.execute("SET file_search_path = ?", [str(moved)])
        assert con.execute("SELECT mention FROM entities").fetchall() == [("B",)], "paths are relative"


def test_data_dictionary_in_docs_matches_the_schemas():
    from pipeline.store.dictionary import render_markdown
    committed = (Path(__file__).resolve().parents[1] / "docs" / "data_dictionary.md").read_text(encoding="utf-8")
    assert committed == render_markdown(), "docs/data_dictionary.md is stale: run `broadsheet schema > docs/data_dictionary.md`"
    for table in TABLES:
        for name in arrow_schema(table).names:
            assert f"| `{name}` |" in committed


def test_recover_removes_only_abandoned_staging_areas(tmp_path):
    wh = tmp_path / "wh"
    old, live = wh / "_staging" / "old-run", wh / "_staging" / "live-run"
    for folder in (old, live):
        folder.mkdir(parents=True)
        (folder / "run.json").write_text("{}")
    two_days_ago = datetime.now().timestamp() - delta.STALE_STAGING_SECONDS - 60
    os.utime(old / "run.json", (two_days_ago, two_days_ago))
    actions = delta.recover(wh)
    assert not old.exists() and live.exists()
    assert any("old-run" in a for a in actions)


def test_the_article_record_has_exactly_the_columns_of_the_articles_schema():
    from pipeline.records import ARTICLE_FIELDS
    assert list(ARTICLE_FIELDS) == [c["name"] for c in table_spec("articles")["columns"]]


def test_exists_answers_false_only_for_what_is_not_there(tmp_path):
    storage = Storage.of(tmp_path)
    (tmp_path / "file").write_text("x")
    assert storage.exists(str(tmp_path / "file"))
    assert not storage.exists(str(tmp_path / "missing"))
    assert not storage.exists(str(tmp_path / "file" / "below-a-file"))
    # a path that cannot be looked at is an error, not a missing file (root ignores permissions,
    # so a symlink loop stands for every such path here)
    (tmp_path / "loop-a").symlink_to(tmp_path / "loop-b")
    (tmp_path / "loop-b").symlink_to(tmp_path / "loop-a")
    with pytest.raises(OSError, match="loop-a"):
        storage.exists(str(tmp_path / "loop-a"))
