"""What the run report shows, read from the published tables through DuckDB: plain values, nothing
rendered here (page.py escapes and draws them)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from pipeline.store.catalog import connect
from pipeline.store.delta import open_table
from pipeline.store.storage import Storage

NIGHTS = 30
TOP = 15
TOP_SERIES = 7          # the busiest sources/hosts get their own colour; the rest are "other"
# The table issue 13 adds (one row per expectation run); shown when it exists.
VALIDATIONS_TABLE = "validations"
DATA_DOCS_INDEX = ("gx", "uncommitted", "data_docs", "local_site", "index.html")


@dataclass
class Figures:
    ingest_date: date
    night: dict[str, Any] | None                      # the night's latest runs row
    days: list[str]                                   # the 30 nights up to ingest_date
    by_source: dict[str, list[int]]
    by_host: dict[str, list[int]]
    nights: list[dict[str, Any]]                      # runs rows of the 30 nights, newest first
    rejects: list[tuple[str, str, int]]               # (stage, reason, n) of the night
    fill_rates: list[dict[str, Any]]                  # per host: articles, title, published_at, authors
    top_entities: list[tuple[str, str, int]]          # (name, label, articles)
    top_speakers: list[tuple[str, int, str]]         # (speaker, quotes, one of the quotes)
    articles: list[dict[str, Any]]                    # the night's longest articles: title, site, host, ...
    extractors: list[tuple[str, int]]
    validations: list[dict[str, Any]] | None = None   # None: no validations table
    data_docs: str | None = None                      # path of the Data Docs, relative to the report
    stage_counts: dict[str, Any] = field(default_factory=dict)


def _series(rows: list[tuple[date, str, int]], days: list[str]) -> dict[str, list[int]]:
    """Counts per name per day, the TOP_SERIES biggest names kept and the rest summed as "other"."""
    totals: dict[str, int] = {}
    for _, name, n in rows:
        totals[name] = totals.get(name, 0) + n
    keep = sorted(totals, key=lambda k: (-totals[k], k))[:TOP_SERIES]
    index = {day: i for i, day in enumerate(days)}
    series = {name: [0] * len(days) for name in keep}
    for day, name, n in rows:
        key = name if name in series else "other"
        series.setdefault(key, [0] * len(days))[index[day.isoformat()]] += n
    return series


def collect(location, ingest_date: date) -> Figures:
    storage = Storage.of(location)
    first = ingest_date - timedelta(days=NIGHTS - 1)
    days = [(first + timedelta(days=i)).isoformat() for i in range(NIGHTS)]
    window, night = [first, ingest_date], [ingest_date]
    with connect(storage, tables={"articles", "entities", "quotes", "rejects", "runs"}) as con:
        def rows(sql: str, params: list) -> list[tuple]:
            return con.execute(sql, params).fetchall()

        def dicts(sql: str, params: list) -> list[dict[str, Any]]:
            cursor = con.execute(sql, params)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, r)) for r in cursor.fetchall()]

        per_night = "WHERE ingest_date BETWEEN ? AND ? GROUP BY ALL"
        by_source = rows(f"SELECT ingest_date, source, count(*) FROM articles {per_night}", window)
        by_host = rows(f"SELECT ingest_date, coalesce(host, '(no host)'), count(*) FROM articles {per_night}", window)
        nights = dicts("SELECT ingest_date, run_id, status, started_at, finished_at, inputs, articles, entities, "
                       "quotes, rejects, duplicates, validation_success, message, stage_counts FROM runs "
                       "WHERE ingest_date BETWEEN ? AND ? ORDER BY started_at DESC", window)
        rejects = rows("SELECT stage, reason, count(*) n FROM rejects WHERE ingest_date = ? GROUP BY ALL "
                       "ORDER BY n DESC, stage, reason LIMIT 40", night)
        fill = dicts("SELECT coalesce(host, '(no host)') host, count(*) articles, "
                     "avg(CASE WHEN title IS NOT NULL AND title <> '' THEN 1 ELSE 0 END) title, "
                     "avg(CASE WHEN published_at IS NOT NULL THEN 1 ELSE 0 END) published_at, "
                     "avg(CASE WHEN len(authors) > 0 THEN 1 ELSE 0 END) authors "
                     "FROM articles WHERE ingest_date = ? GROUP BY 1 ORDER BY articles DESC, host LIMIT 30", night)
        entities = rows("SELECT any_value(canonical), any_value(label), count(DISTINCT article_id) n FROM entities "
                        "WHERE ingest_date = ? GROUP BY entity_key ORDER BY n DESC, 1 LIMIT ?", [ingest_date, TOP])
        speakers = rows("SELECT speaker, count(*) n, min(quote) FROM quotes WHERE ingest_date = ? "
                        "AND speaker IS NOT NULL GROUP BY speaker ORDER BY n DESC, speaker LIMIT ?", [ingest_date, TOP])
        articles = dicts("SELECT title, site_name, host, authors, word_count, url FROM articles WHERE ingest_date = ? "
                         "ORDER BY word_count DESC, title LIMIT 25", night)
        extractors = rows("SELECT coalesce(extractor, '(none)'), count(*) n FROM articles WHERE ingest_date = ? "
                          "GROUP BY 1 ORDER BY n DESC, 1", night)
    this_night = next((n for n in nights if n["ingest_date"] == ingest_date), None)
    docs = storage.path(*DATA_DOCS_INDEX)
    return Figures(
        ingest_date=ingest_date, night=this_night, days=days,
        by_source=_series(by_source, days), by_host=_series(by_host, days), nights=nights,
        rejects=rejects, fill_rates=fill, top_entities=entities, top_speakers=speakers, articles=articles, extractors=extractors,
        validations=_validations(storage, ingest_date),
        data_docs="../" + "/".join(DATA_DOCS_INDEX) if storage.exists(docs) else None,
        stage_counts=json.loads(this_night["stage_counts"]) if this_night and this_night["stage_counts"] else {},
    )


def _validations(storage: Storage, ingest_date: date) -> list[dict[str, Any]] | None:
    """The night's expectation results (of its latest run: run ids sort by their start), failures
    first; None when the warehouse has no validations table."""
    found = open_table(storage, VALIDATIONS_TABLE)
    if found is None:
        return None
    from pipeline.store.catalog import memory_connection
    dataset = found.to_pyarrow_dataset()
    with memory_connection() as con:
        con.register("validations", dataset)
        cursor = con.execute(
            'SELECT suite, expectation, "column", severity, success, observed_value, unexpected_count '
            "FROM validations WHERE ingest_date = ? AND run_id = (SELECT max(run_id) FROM validations "
            "WHERE ingest_date = ?) ORDER BY success, severity, suite, expectation, \"column\" LIMIT 200",
            [ingest_date, ingest_date])
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, r)) for r in cursor.fetchall()]
