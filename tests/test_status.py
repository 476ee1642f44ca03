"""`broadsheet status`: the last nights with their counts, rejects by reason and duration; each
table's size and version; what the next night owes."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support.warehouses import nights

BROADSHEET = Path(sys.executable).parent / "broadsheet"


def test_status_shows_nights_tables_and_what_is_owed(tmp_path):
    warehouse = nights(tmp_path, count=2, per_night=2)
    (warehouse / "_staging" / "run-left-part-way").mkdir(parents=True)   # a killed night's leftovers
    done = subprocess.run([str(BROADSHEET), "status", "--warehouse", str(warehouse)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    night_lines = [line for line in out.splitlines() if line.startswith("  2026-11-")]
    assert [line.split()[0] for line in night_lines] == ["2026-11-21", "2026-11-20"]
    assert all(" success " in line and "articles 2" in line and " took " in line for line in night_lines)
    assert out.count("rejects  read: empty_file") == 2, out
    articles = next(line for line in out.splitlines() if line.strip().startswith("articles "))
    assert "rows 4 " in articles and "version 1" in articles
    assert "resume night run-left-part-way" in out


def test_status_of_a_missing_warehouse_is_a_one_line_error(tmp_path):
    done = subprocess.run([str(BROADSHEET), "status", "--warehouse", str(tmp_path / "nowhere")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "no warehouse at" in done.stderr
