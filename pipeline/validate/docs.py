"""Data Docs, per night, readable offline: one self-contained HTML page per night (the entry
point; no script, stylesheet or font from anywhere) and an index of the nights' pages.

    WAREHOUSE/gx/uncommitted/data_docs/local_site/index.html                      the nights, newest first
    WAREHOUSE/gx/uncommitted/data_docs/local_site/nights/<ingest_date>/<run_id>.html  a night's results

(the folder GX's own site builder would use, so links to the Data Docs keep working)

Rendered from the night's outcomes (the rows of `validations`), not by GX's site builder, whose
pages load their scripts and styles from the internet.
"""
from __future__ import annotations

from html import escape
from typing import Iterable

from pipeline.store.storage import Storage

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin-bottom:2em;width:100%}
th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top;font-size:.9em}
th{background:#f3f3f3}.ok{color:#1a7f37}.bad{color:#b42318;font-weight:bold}.warn{color:#9a6700;font-weight:bold}
code{font-size:.85em;word-break:break-all}
"""
ROOT = ("gx", "uncommitted", "data_docs", "local_site")
NIGHTS = "nights"


def night_page(storage: Storage, ingest_date: str, run_id: str) -> str:
    return storage.path(*ROOT, NIGHTS, ingest_date, f"{run_id}.html")


def index_page(storage: Storage) -> str:
    return storage.path(*ROOT, "index.html")


def _verdict(row: dict) -> str:
    if row["success"]:
        return '<span class="ok">passed</span>'
    css = "bad" if row["severity"] == "critical" else "warn"
    return f'<span class="{css}">failed ({escape(row["severity"])})</span>'


def render_night(rows: list[dict], ingest_date: str, run_id: str, verdict: str,
                 health: Iterable[dict] = ()) -> str:
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>Broadsheet validation {escape(ingest_date)}</title>",
             f"<style>{STYLE}</style></head><body>",
             f"<h1>Night {escape(ingest_date)}</h1><p>run <code>{escape(run_id)}</code>: <b>{escape(verdict)}</b>. "
             f"{sum(not r['success'] for r in rows)} of {len(rows)} expectations failed. "
             "<a href='../../index.html'>All nights</a></p>"]
    for suite in sorted({r["suite"] for r in rows}):
        parts.append(f"<h2>{escape(suite)}</h2><table><tr><th>expectation</th><th>column</th><th>severity / level</th>"
                     "<th>result</th><th>observed</th><th>rows checked</th><th>unexpected</th><th>sample</th></tr>")
        for row in (r for r in rows if r["suite"] == suite):
            why = f"<br><small>{escape(row['why'])}</small>" if row.get("why") else ""
            parts.append(
                f"<tr><td><code>{escape(row['expectation'])}</code><br><code>{escape(row['kwargs'])}</code>{why}</td>"
                f"<td>{escape(row['column'] or '')}</td><td>{escape(row['severity'])} / {escape(row['level'])}</td>"
                f"<td>{_verdict(row)}</td><td>{escape(row['observed_value'] or '')}</td>"
                f"<td>{row['element_count']}</td><td>{row['unexpected_count']}</td>"
                f"<td><code>{escape(row['unexpected_sample'] or '')}</code></td></tr>")
        parts.append("</table>")
    health = list(health)
    if health:
        parts.append("<h2>Source health</h2><table><tr><th>source</th><th>host</th><th>inputs</th><th>articles</th>"
                     "<th>reject rate</th><th>date fill</th><th>median body</th><th>drift</th></tr>")
        for row in health:
            flags = ", ".join(row["drift_flags"]) or "none"
            css = "bad" if row["fails_night"] else ("warn" if row["drift_flags"] else "ok")
            parts.append(f"<tr><td>{escape(row['source'])}</td><td>{escape(row['host'])}</td><td>{row['inputs']}</td>"
                         f"<td>{row['articles']}</td><td>{row['reject_rate']:.2f}</td>"
                         f"<td>{'' if row['date_fill_rate'] is None else format(row['date_fill_rate'], '.2f')}</td>"
                         f"<td>{'' if row['median_body_chars'] is None else int(row['median_body_chars'])}</td>"
                         f"<td class='{css}'>{escape(flags)}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_night(storage: Storage, rows: list[dict], ingest_date: str, run_id: str, verdict: str,
                health: Iterable[dict] = ()) -> str:
    """Write the night's page and refresh the index; returns the page (a path, or an s3:// URI)."""
    page = night_page(storage, ingest_date, run_id)
    storage.write_text(page, render_night(rows, ingest_date, run_id, verdict, health))
    _write_index(storage)
    return storage.uri(page)


def _write_index(storage: Storage) -> None:
    nights = sorted(storage.list(storage.path(*ROOT, NIGHTS)), reverse=True)
    items = []
    for night in nights:
        for page in sorted(storage.list(storage.path(*ROOT, NIGHTS, night), ".html"), reverse=True):
            items.append(f"<li><a href='{NIGHTS}/{escape(night)}/{escape(page)}'>{escape(night)}: "
                         f"{escape(page[:-5])}</a></li>")
    storage.write_text(index_page(storage),
                       f"<!doctype html><html><head><meta charset='utf-8'><title>Broadsheet Data Docs</title>"
                       f"<style>{STYLE}</style></head><body><h1>Validation, night by night</h1>"
                       f"<ul>{''.join(items)}</ul></body></html>")
