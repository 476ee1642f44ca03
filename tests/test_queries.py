"""The ready-made queries in queries/*.sql: each says what it answers, each runs with
`broadsheet sql --file` (and -f), and the README's examples are among them."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from support.warehouses import nights

ROOT = Path(__file__).resolve().parents[1]
QUERIES = sorted((ROOT / "queries").glob("*.sql"))
BROADSHEET = Path(sys.executable).parent / "broadsheet"
# queries that must find rows in the test warehouse (every one, but the one about a named speaker
# only when the name is in it: it is)
MAY_BE_EMPTY: set[str] = set()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return nights(tmp_path_factory.mktemp("queries"), count=2, per_night=2)


def body(path: Path) -> str:
    """The query without its comment lines, whitespace collapsed."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("--")]
    return " ".join(" ".join(lines).split())


def test_there_are_queries_and_each_starts_with_a_comment():
    assert len(QUERIES) >= 8
    for path in QUERIES:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("-- ") and len(first) > 20, f"{path.name} must start with a comment saying what it answers"


def test_the_readmes_examples_are_ready_made_queries():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    examples = re.findall(r'broadsheet sql "([^"]+)"', readme)
    examples = [e for e in examples if e != "QUERY" and not e.startswith("SELECT ...")]
    assert len(examples) >= 2
    bodies = {body(path) for path in QUERIES}
    for example in examples:
        assert " ".join(example.split()) in bodies, f"README example not in queries/: {example}"


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.name)
def test_each_query_runs_and_finds_rows(warehouse, path):
    flag = "-f" if path.name < "m" else "--file"   # both spellings, half the queries each
    done = subprocess.run([str(BROADSHEET), "sql", flag, str(path), "--warehouse", str(warehouse), "--format", "json"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert rows or path.stem in MAY_BE_EMPTY, f"{path.name} found nothing"


def test_query_and_file_are_exclusive_and_a_missing_file_is_named(warehouse, tmp_path):
    both = subprocess.run([str(BROADSHEET), "sql", "SELECT 1", "-f", str(QUERIES[0]), "--warehouse", str(warehouse)],
                          capture_output=True, text=True, timeout=120)
    assert both.returncode == 2 and "one of them" in both.stderr
    missing = subprocess.run([str(BROADSHEET), "sql", "-f", str(tmp_path / "nope.sql"), "--warehouse", str(warehouse)],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "nope.sql" in missing.stderr
