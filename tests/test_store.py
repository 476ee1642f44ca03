"""Schemas, Parquet publishing and crash recovery, on real files."""
import json
import os
from datetime import date, datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.store import catalog, parquet
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


def _stage(tmp_path, rows, name="entities.parquet"):
    return parquet.write_parquet_atomic(tmp_path / "staged" / name, to_arrow("entities", rows))


def test_publish_replaces_the_partition_of_the_same_date(tmp_path):
    wh = tmp_path / "wh"
    parquet.publish_table(wh, "entities", DAY, _stage(tmp_path, [entity(mention="A"), entity(mention="B")]), "r1")
    parquet.publish_table(wh, "entities", DAY, _stage(tmp_path, [entity(mention="C", run_id="r2")]), "r2")
    files = parquet.published_files(wh, "entities")
    assert [f.name for f in files] == ["part-r2.parquet"]
    assert pq.read_table(files[0]).column("mention").to_pylist() == ["C"]
    assert not list((wh / "entities").glob(".*"))


def test_runs_table_is_appended_not_replaced(tmp_path):
    wh = tmp_path / "wh"
    for run_id in ("r1", "r2"):
        row = {"run_id": run_id, "ingest_date": DAY, "started_at": datetime.now(timezone.utc),
               "finished_at": datetime.now(timezone.utc), "status": "success", "inputs": 1, "articles": 1,
               "entities": 0, "quotes": 0, "rejects": 0, "duplicates": 0, "validation_success": True,
               "message": None, "stage_counts": "{}"}
        staged = parquet.write_parquet_atomic(tmp_path / f"{run_id}.parquet", to_arrow("runs", [row]))
        parquet.publish_table(wh, "runs", DAY, staged, run_id)
    assert len(parquet.published_files(wh, "runs")) == 2


def test_staged_writer_streams_row_groups_and_appears_only_on_close(tmp_path):
    path = tmp_path / "s" / "entities.parquet"
    writer = parquet.StagedTableWriter(path, "entities", rows_per_group=10)
    writer.write_many(entity(mention=f"M{i}") for i in range(25))
    assert not path.exists()
    writer.close()
    assert pq.ParquetFile(path).metadata.num_row_groups == 3
    assert [r["mention"] for r in parquet.read_staged(path)] == [f"M{i}" for i in range(25)]


def test_staged_writer_leaves_nothing_when_aborted(tmp_path):
    path = tmp_path / "s" / "entities.parquet"
    with pytest.raises(RuntimeError):
        with parquet.StagedTableWriter(path, "entities") as writer:
            writer.write(entity())
            raise RuntimeError("boom")
    assert list(path.parent.iterdir()) == []


def test_recover_restores_a_partition_moved_aside_by_a_killed_publish(tmp_path):
    wh = tmp_path / "wh"
    parquet.publish_table(wh, "entities", DAY, _stage(tmp_path, [entity(mention="old")]), "r1")
    partition = parquet.partition_dir(wh, "entities", DAY)
    # what a SIGKILL between the two renames leaves behind: old partition aside, new one incoming
    os.replace(partition, partition.with_name(f".replaced-r2-{partition.name}"))
    (partition.with_name(f".incoming-r2-{partition.name}")).mkdir()
    actions = parquet.recover(wh)
    assert any("restored" in a for a in actions)
    assert pq.read_table(partition).column("mention").to_pylist() == ["old"]
    assert not list((wh / "entities").glob(".*"))


def test_recover_rolls_a_journalled_publish_forward(tmp_path):
    wh = tmp_path / "wh"
    parquet.publish_table(wh, "entities", DAY, _stage(tmp_path, [entity(mention="old")]), "r1")
    staged_dir = parquet.staging_dir(wh, "r2") / "final"
    new = parquet.write_parquet_atomic(staged_dir / "entities.parquet", to_arrow("entities", [entity(mention="new", run_id="r2")]))
    journal = wh / "_journal" / "r2.json"
    journal.parent.mkdir(parents=True)
    journal.write_text(json.dumps({"run_id": "r2", "ingest_date": DAY.isoformat(),
                                   "staged": {"entities": str(new)}}))
    parquet.recover(wh)
    assert not journal.exists()
    assert pq.read_table(parquet.partition_dir(wh, "entities", DAY)).column("mention").to_pylist() == ["new"]


def test_catalog_views_exist_before_any_data_and_read_partitions(tmp_path):
    wh = tmp_path / "wh"
    with catalog.connect(wh) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (0,)
        columns = [d[0] for d in con.execute("SELECT * FROM quotes").description]
        assert "speaker_mention" in columns
    parquet.publish_table(wh, "entities", DAY, _stage(tmp_path, [entity(mention="A")]), "r1")
    parquet.publish_table(wh, "entities", date(2026, 11, 21),
                          _stage(tmp_path, [entity(mention="B", day=date(2026, 11, 21))]), "r1")
    path = catalog.refresh_catalog(wh)
    import duckdb
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute("SELECT ingest_date, mention FROM entities ORDER BY 1").fetchall()
    assert rows == [(DAY, "A"), (date(2026, 11, 21), "B")]


def test_data_dictionary_in_docs_matches_the_schemas():
    from pipeline.store.dictionary import render_markdown
    committed = (Path(__file__).resolve().parents[1] / "docs" / "data_dictionary.md").read_text(encoding="utf-8")
    assert committed == render_markdown(), "docs/data_dictionary.md is stale: run `broadsheet schema > docs/data_dictionary.md`"
    for table in TABLES:
        for name in arrow_schema(table).names:
            assert f"| `{name}` |" in committed


def test_recover_removes_only_abandoned_staging_areas(tmp_path):
    wh = tmp_path / "wh"
    old, live = parquet.staging_dir(wh, "old-run"), parquet.staging_dir(wh, "live-run")
    for folder in (old, live):
        folder.mkdir(parents=True)
        (folder / "run.json").write_text("{}")
    two_days_ago = datetime.now().timestamp() - parquet.STALE_STAGING_SECONDS - 60
    os.utime(old / "run.json", (two_days_ago, two_days_ago))
    os.utime(old, (two_days_ago, two_days_ago))
    actions = parquet.recover(wh)
    assert not old.exists() and live.exists()
    assert any("old-run" in a for a in actions)


def test_the_article_record_has_exactly_the_columns_of_the_articles_schema():
    from pipeline.records import ARTICLE_FIELDS
    assert list(ARTICLE_FIELDS) == [c["name"] for c in table_spec("articles")["columns"]]
