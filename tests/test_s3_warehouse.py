"""The whole path with the warehouse, its staging, raw pages and URL state on an S3-compatible server
(moto's, on 127.0.0.1, spoken to over HTTP as AWS would be): a night, a rerun, a later night, a
night killed before publishing and the rerun after it, a web night, and a read through every reader.
Each warehouse on S3 must hold exactly what the same nights give on local disk."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from pipeline.config import files_config, parse_config
from pipeline.run import run_all
from pipeline.store.catalog import connect
from support.killed import run_until_killed
from webfixture.server import start_site

DAY1, DAY2 = date(2026, 11, 25), date(2026, 11, 26)
TABLES = ("articles", "entities", "quotes", "rejects", "article_signatures")

STORIES = {
    "tram.txt": "Tram line reaches the harbour\n\nThe new tram line in Port Elmore reached the harbour on "
                "Monday, two months early, the transport director Salome Varga said. \"Commuters told us "
                "the bus was never an answer,\" Varga said at the opening.\n",
    "school.txt": "School roof repaired before winter\n\nThe leaking roof of Greyfield primary school was "
                  "repaired over the half-term break, head teacher Ivo Brandt told parents on Friday.\n",
    "page.html": "<html lang='en'><head><title>Night buses return</title></head><body><article><h1>Night "
                 "buses return</h1><p>Night buses return to the Lowgate routes from Saturday after the city "
                 "found drivers for the late shifts, the council said.</p><p>\"We heard the nurses and the "
                 "cooks,\" councillor Amara Osei said on Thursday.</p></article></body></html>",
    "empty.txt": "",
}
LATER = {"ferry.txt": "Ferry fares frozen\n\nFerry fares to Skerry Island stay the same next year, the "
                      "operator said on Tuesday, after a season of record passenger numbers.\n"}


@pytest.fixture(scope="module")
def s3(s3_env):
    return s3_env


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("s3inputs")
    first, second = root / "first", root / "second"
    for folder, stories in ((first, STORIES), (second, {**STORIES, **LATER})):
        folder.mkdir()
        for name, text in stories.items():
            (folder / name).write_text(text, encoding="utf-8")
    return first, second


def rows(location, day: date) -> dict[str, list]:
    with connect(location) as con:
        return {t: sorted(con.execute(f"SELECT * EXCLUDE (run_id) FROM {t} WHERE ingest_date = ?", [day]).fetchall(),
                          key=repr) for t in TABLES}


def keys(s3, prefix: str) -> list[str]:
    """The objects under a prefix (not the empty "folder/" markers pyarrow leaves for parents)."""
    listed = s3.client().list_objects_v2(Bucket=s3.bucket, Prefix=prefix)
    return [item["Key"] for item in listed.get("Contents", []) if not item["Key"].endswith("/")]


@pytest.fixture(scope="module")
def nights(s3, inputs, tmp_path_factory):
    """The same two nights on S3 and on local disk."""
    first, second = inputs
    local = tmp_path_factory.mktemp("s3local") / "warehouse"
    remote = s3.uri("nights")
    results = {}
    for where in (local, remote):
        one = run_all(files_config([str(first)], shard_size=2), where, DAY1, workers=1)
        again = run_all(files_config([str(first)], shard_size=2), where, DAY1, workers=1)
        two = run_all(files_config([str(second)], shard_size=2), where, DAY2, workers=1)
        results[str(where)] = (one, again, two)
    return {"local": local, "remote": remote, "summaries": results}


def test_nights_on_s3_equal_nights_on_local_disk(nights, s3):
    local, remote = nights["local"], nights["remote"]
    one, again, two = nights["summaries"][remote]
    assert one["articles"] == 3 and again["articles"] == 3 and again["duplicates"] == 0
    assert two["articles"] == 1 and two["duplicates"] == 3, "the later night stores only what is new"
    for day in (DAY1, DAY2):
        assert rows(remote, day) == rows(local, day)
    stored = keys(s3, "nights/")
    assert any(k.startswith("nights/articles/_delta_log/") for k in stored)
    assert any(k.startswith("nights/articles/ingest_date=2026-11-25/") and k.endswith(".parquet") for k in stored)
    assert not any(k.startswith("nights/_staging/") or k.startswith("nights/_journal/") for k in stored), \
        "published nights leave no staging and no journal behind"


def test_every_reader_opens_the_tables_on_s3(nights, s3):
    import polars
    from deltalake import DeltaTable

    remote = nights["remote"]
    uri = f"{remote}/articles"
    options = dict(s3.storage_options)
    pandas_frame = DeltaTable(uri, storage_options=options).to_pandas()
    polars_frame = polars.read_delta(uri, storage_options=options)
    arrow_rows = DeltaTable(uri, storage_options=options).to_pyarrow_dataset().count_rows()
    assert len(pandas_frame) == len(polars_frame) == arrow_rows == 4
    assert sorted(pandas_frame["title"]) == sorted(polars_frame["title"].to_list())
    assert set(pandas_frame["ingest_date"].astype(str)) == {"2026-11-25", "2026-11-26"}

    command = subprocess.run([str(Path(sys.executable).parent / "broadsheet"), "sql",
                              "SELECT ingest_date, count(*) AS n FROM articles GROUP BY 1 ORDER BY 1",
                              "--warehouse", remote, "--format", "json"],
                             capture_output=True, text=True, env={**os.environ, **s3.env}, timeout=300)
    assert command.returncode == 0, command.stderr
    assert json.loads(command.stdout) == [{"ingest_date": "2026-11-25", "n": 3}, {"ingest_date": "2026-11-26", "n": 1}]
    earlier = subprocess.run([str(Path(sys.executable).parent / "broadsheet"), "sql", "SELECT count(*) AS n FROM articles",
                              "--warehouse", remote, "--format", "json", "--as-of", "0"],
                             capture_output=True, text=True, env={**os.environ, **s3.env}, timeout=300)
    assert json.loads(earlier.stdout) == [{"n": 3}], "time travel: the first night alone"


def _night(inputs: str, warehouse: str) -> None:
    run_all(files_config([inputs], shard_size=2), warehouse, DAY1, workers=1)


def test_a_night_killed_before_publishing_on_s3_resumes_to_the_same_tables(nights, s3, inputs):
    first, _ = inputs
    remote = s3.uri("killed")
    assert run_until_killed("publish:begin", _night, str(first), remote, env=s3.env) == -9
    assert any(k.startswith("killed/_staging/") for k in keys(s3, "killed/")), "the staging waits in the bucket"
    with connect(remote) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (0,)
    resumed = run_all(files_config([str(first)], shard_size=2), remote, DAY1, workers=1)
    assert resumed["articles"] == 3
    assert rows(remote, DAY1) == rows(nights["local"], DAY1)
    assert not any(k.startswith("killed/_staging/") for k in keys(s3, "killed/"))


def test_a_web_night_keeps_its_pages_and_url_state_in_the_bucket(s3, tmp_path):
    site = start_site(DAY1)
    try:
        config = parse_config({"sources": [{"name": "list", "kind": "urls", "location": [
            f"{site.base}/news/a1.html", f"{site.base}/news/a2.html", f"{site.base}/news/missing.html"]}],
            "fetch": {"allow_private": ["127.0.0.1"], "per_host_delay": 0, "max_crawl_delay": 0}},
            tmp_path, "test.yaml")
        remote = s3.uri("web")
        first = run_all(config, remote, DAY1, workers=1)
        fetched = len(site.requests)
        again = run_all(config, remote, DAY1, workers=1)
    finally:
        site.shutdown()
        site.server_close()
    assert first["articles"] == 2 and again["articles"] == 2
    assert [p for p, _, _ in site.requests[fetched:] if p.startswith("/news/")] == [], "the rerun fetched nothing"
    stored = keys(s3, "web/")
    assert any(k.startswith("web/raw/ingest_date=2026-11-25/") and k.endswith(".warc.gz") for k in stored)
    assert any(k.startswith("web/_state/url_state/_delta_log/") for k in stored)
    with connect(remote) as con:
        assert con.execute("SELECT reason FROM rejects").fetchall() == [("http_404",)]
