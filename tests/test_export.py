"""`broadsheet export`: one file of a table's slice, its row count and SHA-256 printed, in formats
that other tools open as they are."""
from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from support.warehouses import FIRST_NIGHT, nights

BROADSHEET = Path(sys.executable).parent / "broadsheet"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return nights(tmp_path_factory.mktemp("export"), count=3, per_night=2)


def export(warehouse, *options) -> subprocess.CompletedProcess:
    return subprocess.run([str(BROADSHEET), "export", "--warehouse", str(warehouse), *options],
                          capture_output=True, text=True, timeout=300)


def printed(done: subprocess.CompletedProcess) -> tuple[int, str]:
    assert done.returncode == 0, done.stderr
    words = done.stdout.split()
    return int(words[0]), words[words.index("sha256") + 1]


def test_parquet_opens_in_pandas_and_pyarrow_with_no_options(warehouse, tmp_path):
    import pandas
    import pyarrow.parquet as pq
    out = tmp_path / "articles.parquet"
    rows, digest = printed(export(warehouse, "--table", "articles", "--format", "parquet", "--out", str(out)))
    assert rows == 6
    assert digest == hashlib.sha256(out.read_bytes()).hexdigest()
    frame = pandas.read_parquet(out)
    table = pq.read_table(out)
    assert len(frame) == table.num_rows == 6
    assert str(table.schema.field("published_at").type) in ("timestamp[us, tz=UTC]", "timestamp[us, tz=Etc/UTC]")
    assert table.schema.field("authors").type.value_type == "string"   # lists stay lists
    assert sorted(frame["ingest_date"].astype(str).unique()) == ["2026-11-20", "2026-11-21", "2026-11-22"]


def test_date_range_and_where_select_the_slice(warehouse, tmp_path):
    out = tmp_path / "quotes.jsonl"
    second = FIRST_NIGHT + timedelta(days=1)
    rows, _ = printed(export(warehouse, "--table", "quotes", "--from", str(second), "--to", str(second),
                             "--where", "speaker = 'Joel Varga'", "--format", "jsonl", "--out", str(out)))
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows == len(lines) == 2
    assert {line["speaker"] for line in lines} == {"Joel Varga"}
    assert {line["ingest_date"] for line in lines} == {str(second)}


def test_csv_has_a_header_and_lists_as_json(warehouse, tmp_path):
    out = tmp_path / "articles.csv"
    rows, _ = printed(export(warehouse, "--table", "articles", "--format", "csv", "--out", str(out),
                             "--from", str(FIRST_NIGHT + timedelta(days=2))))
    with open(out, newline="", encoding="utf-8") as handle:
        read = list(csv.DictReader(handle))
    assert rows == len(read) == 2
    assert all(isinstance(json.loads(row["authors"]), list) for row in read)
    assert all("market hall" in row["text"] for row in read)


def test_progress_goes_to_stderr(warehouse, tmp_path):
    done = export(warehouse, "--table", "entities", "--format", "parquet", "--out", str(tmp_path / "e.parquet"))
    assert done.returncode == 0, done.stderr
    assert "export entities:" in done.stderr and " rows/s, about " in done.stderr and " left" in done.stderr


@pytest.mark.parametrize("options, expected", [
    (("--table", "nope", "--format", "csv"), "unknown table 'nope'"),
    (("--table", "articles", "--format", "csv", "--where", "no_such_column = 1"), "--where 'no_such_column = 1'"),
    (("--table", "articles", "--format", "csv", "--from", "2026-12-01", "--to", "2026-11-01"), "is after"),
])
def test_bad_requests_are_one_line_errors_and_leave_no_file(warehouse, tmp_path, options, expected):
    out = tmp_path / "out.csv"
    done = export(warehouse, *options, "--out", str(out))
    assert done.returncode == 2
    assert expected in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not out.exists() and not list(tmp_path.glob(".out.csv*"))
