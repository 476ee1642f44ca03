"""The report's pages: every value is escaped as it is written into the HTML (titles, names, quotes
and URLs come from pages, which carry `<script>` and `onerror=` on purpose), and a Content Security
Policy forbids every script and every request, so even a value that slipped through would not run."""
from __future__ import annotations

import logging
from datetime import date, datetime
from html import escape
from typing import Any

from pipeline.progress import duration
from pipeline.report import charts
from pipeline.report.figures import Figures, collect
from pipeline.store.dictionary import render_html_body
from pipeline.store.storage import Storage

log = logging.getLogger("broadsheet.report")

REPORT_DIR = "report"
INDEX, DICTIONARY = "index.html", "data_dictionary.html"
TOP_CHART = 12   # bars in the rejects chart; the table below it lists them all
POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
STYLE = """body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:980px;color:#222;padding:0 12px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}.bad{color:#b00020}.ok{color:#007a3d}
code{background:#f6f6f6;padding:0 3px}small{color:#666;font-weight:normal}nav ul{padding-left:18px}"""


def frame(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{escape(title)}</title><style>{STYLE}</style></head>\n<body>\n{body}\n</body></html>\n')


def _cell(value: Any) -> str:
    if value is None:
        return "<td></td>"
    if isinstance(value, bool):
        return f"<td>{'yes' if value else 'no'}</td>"
    if isinstance(value, (int, float)):
        return f'<td class="n">{value:,}</td>' if isinstance(value, int) else f'<td class="n">{value:.3g}</td>'
    if isinstance(value, datetime):
        return f"<td>{escape(value.strftime('%Y-%m-%d %H:%M:%S'))}</td>"
    text = str(value)
    return f"<td>{escape(text if len(text) <= 300 else text[:299] + chr(0x2026))}</td>"


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.0f}%"


def _night_line(f: Figures) -> str:
    night = f.night
    if night is None:
        return f"<p>No run recorded for {escape(f.ingest_date.isoformat())}.</p>"
    took = duration((night["finished_at"] - night["started_at"]).total_seconds())
    status = escape(night["status"])
    css = "ok" if night["status"] == "success" else "bad"
    counts = ", ".join(f"{night[k]:,} {k}" for k in ("inputs", "articles", "entities", "quotes", "rejects", "duplicates"))
    message = f'<p class="bad">{escape(night["message"])}</p>' if night["message"] else ""
    return (f'<p>Run <code>{escape(night["run_id"])}</code>: <strong class="{css}">{status}</strong> in {escape(took)}; '
            f"{escape(counts)}.</p>{message}")


def _validation_section(f: Figures) -> str:
    docs = (f' <a href="{escape(f.data_docs)}">Great Expectations Data Docs</a>.' if f.data_docs
            else " No Data Docs in this warehouse yet.")
    verdict = ""
    if f.night is not None:
        passed = f.night["validation_success"]
        verdict = (f'<p>Batch-level validation: <strong class="{"ok" if passed else "bad"}">'
                   f'{"passed" if passed else "failed"}</strong>; rows rejected by row-level expectations: '
                   f'{int(f.stage_counts.get("validate", {}).get("rejected_rows", 0)):,}.</p>')
    if f.validations is None:
        results = "<p>No validation results recorded (this warehouse has no <code>validations</code> table).</p>"
    elif not f.validations:
        results = "<p>No validation results recorded for this night.</p>"
    else:
        headers = list(f.validations[0])
        failed = [row for row in f.validations if not row["success"]]
        summary = (f"<p>{len(f.validations) - len(failed)} of {len(f.validations)} expectations held; "
                   f"{sum(row['severity'] == 'critical' for row in failed)} critical and "
                   f"{sum(row['severity'] != 'critical' for row in failed)} warning failures.</p>")
        results = summary + _table(headers, [[row[h] for h in headers] for row in f.validations])
    return f"<h2>Validation</h2>{verdict}<p>{docs}</p>{results}"


def render(f: Figures) -> str:
    day = f.ingest_date.isoformat()
    fill = [[r["host"], r["articles"], _percent(r["title"]), _percent(r["published_at"]), _percent(r["authors"])]
            for r in f.fill_rates]
    nights = [[n["ingest_date"], n["status"], n["articles"], n["entities"], n["quotes"], n["rejects"], n["duplicates"],
               duration((n["finished_at"] - n["started_at"]).total_seconds())] for n in f.nights]
    body = [
        f"<h1>Broadsheet night of {escape(day)}</h1>",
        _night_line(f),
        f'<p><a href="{DICTIONARY}">Data dictionary</a> (every table and column).</p>',
        "<h2>Articles per source, last 30 nights</h2>",
        charts.stacked_bars(f"Articles per source per night, {f.days[0]} to {f.days[-1]}", f.days, f.by_source),
        "<h2>Articles per host, last 30 nights</h2>",
        charts.stacked_bars(f"Articles per host per night, {f.days[0]} to {f.days[-1]}", f.days, f.by_host),
        "<h2>Rejects by reason</h2>",
        (charts.ranking("Rejects of the night by stage and reason",
                        [(f"{stage}: {reason}", n) for stage, reason, n in f.rejects[:TOP_CHART]])
         + _table(["stage", "reason", "rejects"], [list(r) for r in f.rejects])) if f.rejects
        else "<p>No rejects this night.</p>",
        _validation_section(f),
        "<h2>Fill rates per host</h2>",
        _table(["host", "articles", "title", "published_at", "authors"], fill) if fill else "<p>No articles this night.</p>",
        "<h2>Top entities</h2>",
        _table(["entity", "label", "articles"], [list(r) for r in f.top_entities]) if f.top_entities
        else "<p>No entities this night.</p>",
        "<h2>Most-quoted speakers</h2>",
        (charts.ranking("Most-quoted speakers of the night", [(name, n) for name, n, _ in f.top_speakers])
         + _table(["speaker", "quotes", "for example"], [list(r) for r in f.top_speakers])) if f.top_speakers
        else "<p>No attributed quotes this night.</p>",
        "<h2>The night's longest articles</h2>",
        # URLs are shown as text, never as links: a page's URL is not the report's to follow
        _table(["title", "site", "host", "authors", "words", "url"],
               [[a["title"], a["site_name"], a["host"], ", ".join(a["authors"] or []), a["word_count"], a["url"]]
                for a in f.articles]) if f.articles else "<p>No articles this night.</p>",
        "<h2>Extraction winners</h2>",
        _table(["extractor", "articles"], [list(r) for r in f.extractors]) if f.extractors
        else "<p>No articles this night.</p>",
        "<h2>Nights</h2>",
        _table(["date", "status", "articles", "entities", "quotes", "rejects", "duplicates", "took"], nights),
    ]
    return frame(f"Broadsheet night of {day}", "\n".join(body))



def write_report(location, ingest_date: date) -> str:
    """Rewrite WAREHOUSE/report/index.html for the night, and the data dictionary beside it."""
    storage = Storage.of(location)
    storage.write_text(storage.path(REPORT_DIR, DICTIONARY),
                       frame("Broadsheet data dictionary", "<h1>Data dictionary</h1>\n" + render_html_body()
                             + f'\n<p><a href="{INDEX}">Back to the run report</a></p>'))
    index = storage.path(REPORT_DIR, INDEX)
    storage.write_text(index, render(collect(storage, ingest_date)))
    return storage.uri(index)


def refresh_report(location, ingest_date: date) -> str | None:
    """After a night: the report is a view of what was published, so failing to draw it is a
    warning, never a failed night."""
    try:
        return write_report(location, ingest_date)
    except Exception as error:
        log.warning("could not write the run report for %s: %s", ingest_date, str(error).splitlines()[0])
        return None
