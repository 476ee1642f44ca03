"""A schema change that would break readers must raise the table's schema version.

tests/data/schema_baseline.json is what readers were last promised: each table's version with its
columns. When a change is breaking, raise `version` in schemas/<table>.json and record the new
columns in the baseline (the message says how)."""
from __future__ import annotations

import copy
import json
from pathlib import Path

from pipeline.store.schemas import TABLES, breaking_changes, table_spec

BASELINE = Path(__file__).parent / "data" / "schema_baseline.json"


def test_no_breaking_change_without_a_new_version():
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    assert set(baseline) == set(TABLES)
    for table in TABLES:
        current, promised = table_spec(table), baseline[table]
        assert current["version"] >= promised["version"], f"{table}: schema version went down"
        if current["version"] == promised["version"]:
            broken = breaking_changes(promised, current)
            assert not broken, (f"{table}: {'; '.join(broken)}: raise its version in schemas/{table}.json "
                                f"and record the new columns in {BASELINE.name}")


def test_breaking_changes_are_recognised_and_additions_are_not():
    before = table_spec("quotes")
    added = copy.deepcopy(before)
    added["columns"].append({"name": "speaker_key", "type": "string", "nullable": True, "description": "x"})
    assert breaking_changes(before, added) == []
    dropped = copy.deepcopy(before)
    dropped["columns"] = [c for c in dropped["columns"] if c["name"] != "cue"]
    retyped = copy.deepcopy(before)
    next(c for c in retyped["columns"] if c["name"] == "start_char")["type"] = "int64"
    loosened = copy.deepcopy(before)
    next(c for c in loosened["columns"] if c["name"] == "quote")["nullable"] = True
    required = copy.deepcopy(before)
    required["columns"].append({"name": "weight", "type": "int32", "nullable": False, "description": "x"})
    assert breaking_changes(before, dropped) == ["column cue dropped"]
    assert breaking_changes(before, retyped) == ["column start_char: type int32 -> int64"]
    assert breaking_changes(before, loosened) == ["column quote may now be null"]
    assert breaking_changes(before, required) == ["column weight added as required"]
