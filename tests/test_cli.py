"""The `broadsheet` command as users and outside checks call it: real processes, real files."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BROADSHEET = Path(sys.executable).parent / "broadsheet"


def broadsheet(*args, env=None, cwd=ROOT):
    return subprocess.run([str(BROADSHEET), *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, **(env or {})}, timeout=600)


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    wh = tmp_path_factory.mktemp("cli") / "warehouse"
    result = broadsheet("run", "--warehouse", wh, "--date", "2026-11-25", "--quiet")
    return wh, result


def test_run_on_the_bundled_samples_succeeds_and_prints_a_summary(sample_run):
    wh, result = sample_run
    assert result.returncode == 0, result.stderr
    assert "run " in result.stdout and ": success" in result.stdout
    stored = json.loads(broadsheet("sql", "SELECT count(*) AS n FROM articles", "--warehouse", wh,
                                   "--format", "json").stdout)
    samples = [p for p in (ROOT / "samples").rglob("*") if p.suffix in (".txt", ".html", ".htm")]
    assert stored == [{"n": len(samples)}]


def test_sql_formats(sample_run):
    wh, _ = sample_run
    as_csv = broadsheet("sql", "SELECT kind, count(*) AS n FROM quotes GROUP BY kind ORDER BY kind",
                        "--warehouse", wh, "--format", "csv")
    assert as_csv.returncode == 0
    lines = as_csv.stdout.strip().splitlines()
    assert lines[0] == "kind,n" and [l.split(",")[0] for l in lines[1:]] == ["direct", "partial"]
    as_table = broadsheet("sql", "SELECT status FROM runs", "--warehouse", wh)
    assert "success" in as_table.stdout and "(1 row)" in as_table.stdout


def test_warehouse_from_the_environment(sample_run):
    wh, _ = sample_run
    result = broadsheet("sql", "SELECT count(*) AS n FROM runs", "--format", "json",
                        env={"BROADSHEET_WAREHOUSE": str(wh)})
    assert json.loads(result.stdout) == [{"n": 1}]


def test_errors_are_one_line_and_non_zero(tmp_path, sample_run):
    missing = broadsheet("ingest", tmp_path / "nope", "--warehouse", tmp_path / "wh")
    assert missing.returncode != 0
    assert missing.stderr.strip().splitlines()[-1].startswith("broadsheet: no such file")
    bad_sql = broadsheet("sql", "SELECT * FROM no_such_table", "--warehouse", sample_run[0])
    assert bad_sql.returncode == 1
    assert len(bad_sql.stderr.strip().splitlines()) == 1 and "sql failed" in bad_sql.stderr
    no_warehouse = broadsheet("sql", "SELECT count(*) FROM articles", "--warehouse", tmp_path / "typo")
    assert no_warehouse.returncode == 2 and no_warehouse.stdout == ""
    assert no_warehouse.stderr.strip() == f"broadsheet: no warehouse at {tmp_path / 'typo'} (no tables there yet)"
    bad_config = broadsheet("run", "--config", tmp_path / "none.yaml", "--warehouse", tmp_path / "wh")
    assert bad_config.returncode == 2 and "config file not found" in bad_config.stderr
    bad_date = broadsheet("run", "--date", "yesterday")
    assert bad_date.returncode == 2 and "not a date" in bad_date.stderr


def test_ingest_command_on_a_folder(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "one.txt").write_text(
        "Town hall clock restored\n\nThe town hall clock in Bramley struck noon on Friday for the first "
        "time in nine years after volunteers rebuilt its mechanism by hand.\n", encoding="utf-8")
    result = broadsheet("ingest", inputs, "--warehouse", tmp_path / "wh", "--date", "2026-11-20", "--quiet")
    assert result.returncode == 0, result.stderr
    rows = json.loads(broadsheet("sql", "SELECT title, ingest_date FROM articles", "--warehouse",
                                 tmp_path / "wh", "--format", "json").stdout)
    assert rows == [{"title": "Town hall clock restored", "ingest_date": "2026-11-20"}]


def test_ingest_on_a_pool_of_workers_shows_progress_by_shard(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for n, town in enumerate(("Bramley", "Oakhurst", "Fenwick")):
        (inputs / f"story{n}.txt").write_text(
            f"{town} library extends hours\n\nThe library in {town} will open on Sunday afternoons from "
            f"January, the county librarian Imke Salo said on Monday.\n", encoding="utf-8")
    result = broadsheet("ingest", inputs, "--warehouse", tmp_path / "wh", "--date", "2026-11-20",
                        "--workers", "2", "--shard-size", "1")
    assert result.returncode == 0, result.stderr
    assert "extract: 3/3 shards, 3/3 documents" in result.stderr
    assert "enrich: 3/3 shards" in result.stderr and "documents/s, about" in result.stderr
    rows = json.loads(broadsheet("sql", "SELECT count(*) AS n FROM articles", "--warehouse",
                                 tmp_path / "wh", "--format", "json").stdout)
    assert rows == [{"n": 3}]


def test_bad_worker_and_shard_options_are_refused(tmp_path):
    for option in ("--workers", "--shard-size"):
        result = broadsheet("ingest", ROOT / "samples", "--warehouse", tmp_path / "wh", option, "0")
        assert result.returncode == 2 and "not a positive whole number" in result.stderr


# What `broadsheet sql` must never load: each costs a large part of a second at start-up, and a
# query on a local warehouse needs none of them (DuckDB and delta-rs do all the work; pyarrow and
# numpy were half the command's start-up).
HEAVY_FOR_SQL = ("pandas", "great_expectations", "spacy", "airflow", "trafilatura", "celery", "datasketch",
                 "sqlalchemy", "newspaper", "lxml", "pyarrow", "numpy")


def test_sql_imports_none_of_the_heavy_modules(sample_run):
    """A real query over real tables, in a fresh interpreter: fails as soon as anything on the path
    of `sql` (the CLI module, the catalog, the store) imports one of the heavy modules at top level."""
    wh, result = sample_run
    assert result.returncode == 0, result.stderr
    probe = (
        "import json, sys\n"
        "from pipeline.cli import main\n"
        f"code = main(['sql', 'SELECT count(*) FROM articles JOIN entities USING (article_id)', "
        f"'--warehouse', {str(wh)!r}, '--format', 'csv'])\n"
        "print(json.dumps({'code': code, 'loaded': sorted(sys.modules)}))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["code"] == 0
    loaded = set(found["loaded"])
    assert {"duckdb", "deltalake"} <= loaded   # the query did go through the real readers
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY_FOR_SQL)
    assert heavy == [], f"broadsheet sql imported {heavy}"
