"""The static run report after each night, opened in a real browser (headless Chromium over the
DevTools protocol): it loads offline with no console error, its charts are drawn, every link inside
the warehouse resolves, and values from a hostile page (`<script>`, `onerror=` in its meta tags)
are shown as text and never run."""
from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from pipeline.report.page import write_report
from support.browser import chromium_path, open_page
from support.warehouses import FIRST_NIGHT, nights

HOSTILE = Path(__file__).parent / "data" / "hostile_meta.html"
LAST_NIGHT = FIRST_NIGHT + timedelta(days=2)

PROBES = {
    "pwned": "window.__pwned === undefined ? null : window.__pwned",
    "scripts": "document.querySelectorAll('script').length",
    "handlers": "[...document.querySelectorAll('*')].flatMap(e => [...e.attributes].map(a => a.name))"
                ".filter(n => n.startsWith('on'))",
    "text": "document.body.innerText",
    "charts": "[...document.querySelectorAll('svg.chart')].map(s => ({w: s.getBoundingClientRect().width, "
              "bars: [...s.querySelectorAll('rect')].filter(r => r.getBBox().height > 1 && r.getBBox().width > 1 "
              "&& r.getAttribute('width') !== '12').length}))",
    "links": "[...document.querySelectorAll('a[href]')].map(a => a.href)",
    "title": "document.title",
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    if chromium_path() is None and not os.environ.get("CI"):
        pytest.skip("Debian's chromium is not installed (bash .ci/run installs it)")
    return nights(tmp_path_factory.mktemp("report"), count=3, per_night=2, extra={2: [HOSTILE]})


def local_target(link: str) -> Path | None:
    parsed = urlparse(link)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else None


def test_the_report_renders_offline_with_charts_and_never_runs_page_values(warehouse, tmp_path):
    index = warehouse / "report" / "index.html"
    assert index.is_file(), "each night writes the report"
    page = open_page(index, PROBES)
    (tmp_path / "report.png").write_bytes(page.screenshot)
    assert page.errors == []
    assert page.screenshot.startswith(b"\x89PNG") and len(page.screenshot) > 20_000
    assert page.values["pwned"] is None and page.values["scripts"] == 0 and page.values["handlers"] == []
    text = page.values["text"]
    assert "<script>window.__pwned=1</script> Quay wall repairs begin" in text, "the hostile title shows as text"
    assert "Gazette" in text and "onerror=" in text
    assert page.values["title"] == f"Broadsheet night of {LAST_NIGHT}"
    charts = page.values["charts"]
    assert len(charts) >= 4 and all(c["w"] > 300 and c["bars"] >= 1 for c in charts), charts
    assert "Mira Castell" in text and "Joel Varga" in text                   # most-quoted speakers
    assert "expectations held" in text and "expect_column_values_to_be_unique" in text   # the night's results
    assert "read: empty_file" in text.replace("\t", " ") or "empty_file" in text   # rejects by reason

    links = page.values["links"]
    inside = [local_target(link) for link in links if local_target(link) is not None]
    assert len(inside) >= 2 and all(t.exists() for t in inside), links
    assert all(str(t).startswith(str(warehouse)) for t in inside)
    assert any(t.name == "data_dictionary.html" for t in inside) and any("data_docs" in str(t) for t in inside)
    assert all(urlparse(link).scheme == "file" for link in links), "the report links nothing outside the warehouse"


def test_the_data_dictionary_page_renders_every_column(warehouse):
    from pipeline.store.schemas import TABLES, column_names
    page = open_page(warehouse / "report" / "data_dictionary.html",
                     {"cells": "[...document.querySelectorAll('td:first-child code')].map(c => c.textContent)",
                      "rows": "[...document.querySelectorAll('tbody tr')].map(r => [...r.cells].map(c => c.textContent))",
                      "links": "[...document.querySelectorAll('a[href]')].map(a => a.href)"})
    assert page.errors == []
    assert sorted(page.values["cells"]) == sorted(c for t in TABLES for c in column_names(t))
    # name, type, nullable, meaning, example: all there for every column
    assert all(len(row) == 5 and all(cell.strip() for cell in row) and row[2] in ("yes", "no")
               for row in page.values["rows"]), page.values["rows"][:3]
    assert all(local_target(link) is None or local_target(link).exists() for link in page.values["links"])


def test_a_warehouse_without_validation_results_says_so(warehouse, tmp_path):
    import shutil
    copy = tmp_path / "wh"
    shutil.copytree(warehouse, copy)
    shutil.rmtree(copy / "validations")      # a warehouse written before the validations table existed
    html = Path(write_report(copy, LAST_NIGHT)).read_text(encoding="utf-8")
    assert "No validation results recorded" in html and "expectations held" not in html
