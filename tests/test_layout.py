"""The layout the analysts' questions rely on: rows sorted within a partition so that row groups
cover narrow key ranges (min/max statistics skip the others), low-cardinality columns
dictionary-encoded, free text not; a filter on the key then reads a fraction of the row groups."""
from __future__ import annotations

import random
from datetime import date

import pyarrow.parquet as pq

from pipeline.store import delta
from pipeline.store.catalog import connect
from pipeline.store.parquet import write_parquet_atomic
from pipeline.store.schemas import to_arrow
from pipeline.store.storage import Storage

DAY = date(2026, 11, 25)


def quotes(n: int) -> list[dict]:
    rng = random.Random(3)
    speakers = [f"Speaker {i:03d}" for i in range(200)]
    rows = []
    for i in range(n):
        speaker = rng.choice(speakers)
        rows.append({"article_id": f"{i // 4:016x}", "quote": f"\u201cWords number {i} {rng.random()}\u201d",
                     "kind": rng.choice(["direct", "partial"]), "start_char": i % 900, "end_char": i % 900 + 30,
                     "speaker": speaker, "speaker_mention": speaker, "speaker_start": 0, "speaker_end": 5,
                     "cue": "said", "speaker_key": "person:" + speaker.lower(), "host": f"host{i % 7}.example",
                     "run_id": "r1", "ingest_date": DAY})
    return rows


def test_a_partition_is_sorted_into_narrow_row_groups_and_filters_skip_the_rest(tmp_path, monkeypatch):
    monkeypatch.setattr(delta, "ROW_GROUP_ROWS", 2_000)
    storage = Storage.of(tmp_path / "wh")
    staged = write_parquet_atomic(storage, storage.path("staged", "quotes.parquet"), to_arrow("quotes", quotes(20_000)))
    delta.commit_table(storage, "quotes", DAY, staged, "r1", "publish:r1")
    files = delta.open_table(storage, "quotes").file_uris()
    metadata = pq.ParquetFile(files[0]).metadata
    assert len(files) == 1 and metadata.num_row_groups == 10
    key = metadata.schema.to_arrow_schema().get_field_index("speaker_key")
    ranges = [(metadata.row_group(g).column(key).statistics.min, metadata.row_group(g).column(key).statistics.max)
              for g in range(metadata.num_row_groups)]
    assert all(ranges[g][1] <= ranges[g + 1][0] for g in range(len(ranges) - 1)), "sorted by speaker_key"

    columns = {metadata.row_group(0).column(i).path_in_schema: metadata.row_group(0).column(i)
               for i in range(metadata.num_columns)}
    assert columns["kind"].has_dictionary_page and columns["host"].has_dictionary_page
    assert not columns["quote"].has_dictionary_page

    with connect(storage) as con:
        plan = con.execute("EXPLAIN ANALYZE SELECT count(*) FROM quotes WHERE speaker_key = 'person:speaker 123'"
                           ).fetchall()[0][1]
        assert con.execute("SELECT count(*) FROM quotes WHERE speaker_key = 'person:speaker 123'").fetchone()[0] > 0
    scanned = plan.split("Row Groups Scanned:")[1].split()[0]
    assert int(scanned) <= 2, plan
