"""Great Expectations suites as data: `expectations/<table>.json`, versioned with the code.

Each expectation's `meta.level` says what a failure means: `row` sends the failing rows to
`rejects`; `batch` fails the whole run before anything is published.
"""
from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any


def expectations_dir() -> Path:
    """The package's own copy of `expectations/` (package data), unless BROADSHEET_EXPECTATIONS names another."""
    override = os.environ.get("BROADSHEET_EXPECTATIONS")
    return Path(override) if override else Path(str(resources.files("pipeline") / "expectations"))


def load_suite(table: str) -> dict[str, Any]:
    path = expectations_dir() / f"{table}.json"
    suite = json.loads(path.read_text(encoding="utf-8"))
    for expectation in suite["expectations"]:
        level = expectation.get("meta", {}).get("level")
        if level not in ("row", "batch"):
            raise ValueError(f"{path}: expectation {expectation['type']} needs meta.level 'row' or 'batch'")
    return suite


def suite_tables() -> list[str]:
    return sorted(p.stem for p in expectations_dir().glob("*.json"))
