"""What a published night brought, per source: the figure a job downstream of the `articles`
Asset starts from (dags/broadsheet_fresh_articles.py)."""
from __future__ import annotations

import logging
from datetime import date

from pipeline.store.delta import open_table

log = logging.getLogger("broadsheet.freshness")


def night_by_source(warehouse, ingest_date: str) -> list[dict]:
    """Per source: articles and rejects of the night, and its drift flags (source_health)."""
    import pyarrow.dataset as ds
    found = open_table(warehouse, "source_health")
    if found is None:
        return []
    day = date.fromisoformat(ingest_date)
    rows = found.to_pyarrow_dataset().to_table(
        columns=["source", "articles", "rejects", "drift_flags"], filter=ds.field("ingest_date") == day).to_pylist()
    by_source: dict[str, dict] = {}
    for row in rows:
        total = by_source.setdefault(row["source"], {"ingest_date": ingest_date, "source": row["source"],
                                                      "articles": 0, "rejects": 0, "drift_flags": []})
        total["articles"] += row["articles"]
        total["rejects"] += row["rejects"]
        total["drift_flags"] = sorted(set(total["drift_flags"]) | set(row["drift_flags"]))
    for total in by_source.values():
        log.info("fresh night %s: source %s: %d articles, %d rejects%s", ingest_date, total["source"],
                 total["articles"], total["rejects"],
                 f", drift: {', '.join(total['drift_flags'])}" if total["drift_flags"] else "")
    return list(by_source.values())
