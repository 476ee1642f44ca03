"""Manifests per published partition, and `broadsheet verify` checking the warehouse against them."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.store.delta import maintain, open_table
from pipeline.store.manifests import manifest_path, verify
from pipeline.store.storage import Storage
from support.warehouses import nights

BROADSHEET = Path(sys.executable).parent / "broadsheet"


@pytest.fixture()
def warehouse(tmp_path):
    return nights(tmp_path, count=2, per_night=2)


def run_verify(warehouse) -> subprocess.CompletedProcess:
    return subprocess.run([str(BROADSHEET), "verify", "--warehouse", str(warehouse)],
                          capture_output=True, text=True, timeout=300)


def test_every_partition_has_a_manifest_that_matches_its_files(warehouse):
    storage = Storage.of(warehouse)
    manifest = json.loads(storage.read_text(manifest_path(storage, "articles", "2026-11-21")))
    assert manifest["rows"] == 2 and manifest["schema_version"] == 1
    for each in manifest["files"]:
        data = (warehouse / "articles" / each["path"]).read_bytes()
        assert len(data) == each["bytes"] and hashlib.sha256(data).hexdigest() == each["sha256"]
    done = run_verify(warehouse)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no problem(s)" in done.stdout
    # two nights of each nightly table: articles, entities, quotes, rejects, runs, article_signatures,
    # validations and source_health
    assert verify(warehouse).partitions == 2 * 8


def test_a_damaged_file_fails_verify_naming_it(warehouse):
    victim = sorted((warehouse / "quotes").glob("ingest_date=2026-11-20/*.parquet"))[0]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF   # one flipped byte: same size, different content
    victim.write_bytes(bytes(data))
    done = run_verify(warehouse)
    assert done.returncode == 1
    assert f"quotes/ingest_date=2026-11-20/{victim.name}: SHA-256" in done.stdout, done.stdout
    victim.write_bytes(bytes(data[:100]))
    assert f"{victim.name}: 100 bytes, the manifest says {len(data)}" in run_verify(warehouse).stdout


def test_compaction_keeps_the_manifests_true(warehouse):
    maintain(warehouse, vacuum=True)
    assert verify(warehouse).problems == []
    (warehouse / "_manifests" / "entities" / "ingest_date=2026-11-21.json").unlink()
    problems = [str(p) for p in verify(warehouse).problems]
    assert problems == ["entities ingest_date=2026-11-21: no manifest"]


def test_schema_version_is_in_each_tables_commit_metadata(warehouse):
    from pipeline.store.delta import schema_version_of
    from pipeline.store.schemas import TABLES, schema_version
    written = {table: open_table(warehouse, table) for table in TABLES}
    assert {t for t, found in written.items() if found is None} == {"compactions"}   # no compaction ran
    for table, found in written.items():
        if found is not None:
            assert schema_version_of(found) == schema_version(table)
