"""Reconciliation, once per night before publishing: every input the plan found has exactly one fate.

Per source, the documents the plan listed for extraction plus the inputs it rejected while
discovering and fetching must equal the articles about to be published plus the rejects of
documents (at reading, extraction, dedup — "already known" —, enrichment or validation). A
document missing from both is lost; one counted twice is doubled; either fails the night before
anything is published, so a bug in a stage can never publish a night that silently dropped pages.
The figures go into `runs.stage_counts` under "reconcile".
"""
from __future__ import annotations

from collections import Counter
from typing import Any

import pyarrow.compute as pc

from pipeline.stages.context import RunFailed, Staging
from pipeline.store.parquet import record_batches

# Validation rejects single entity or quote rows of an article it keeps: such a reject is about a
# row, not about the document's fate. Their reasons start with the table's name (stages.validate).
ROW_REJECT_PREFIXES = ("entities:", "quotes:")


def _by_source(staging: Staging, path: str, keep=None) -> Counter:
    counted: Counter = Counter()
    if not staging.storage.exists(path):
        return counted
    for batch in record_batches(staging.storage, path, 50_000):
        if keep is not None:
            batch = batch.filter(keep(batch))
        for row in pc.value_counts(batch.column("source")).to_pylist():
            counted[row["values"]] += row["counts"]
    return counted


def _document_rejects(batch):
    """Rejects that are a document's fate (not one entity or quote row of a kept article)."""
    row_level = pc.and_(pc.equal(batch.column("stage"), "validate"),
                        pc.or_(*[pc.starts_with(batch.column("reason"), prefix) for prefix in ROW_REJECT_PREFIXES]))
    return pc.invert(row_level)


def _is_known(batch):
    return pc.equal(batch.column("stage"), "dedup")


def reconcile(staging: Staging) -> dict[str, dict[str, Any]]:
    """Inputs against fates per source, from the night's final staged tables; raises RunFailed
    naming the sources with a gap. Returns {source: {discovered, articles, rejects, already_known, gap}}."""
    listed: Counter = Counter()
    for shard in staging.shards():
        listed[shard.source] += shard.documents
    planned_rejects: Counter = Counter()
    for source in {s["name"] for s in staging.load_config().sources}:
        planned_rejects.update(_by_source(staging, staging.plan_rejects(source)))
    articles = _by_source(staging, staging.final("articles"))
    rejects = _by_source(staging, staging.final("rejects"), _document_rejects)
    known = _by_source(staging, staging.final("rejects"), _is_known)

    figures: dict[str, dict[str, Any]] = {}
    for source in sorted(set(listed) | set(planned_rejects) | set(articles) | set(rejects)):
        discovered = listed[source] + planned_rejects[source]
        # rejects include the "already known" ones (dedup); shown apart, counted once
        gap = discovered - articles[source] - rejects[source]
        figures[source] = {"discovered": discovered, "articles": articles[source],
                           "rejects": rejects[source] - known[source], "already_known": known[source],
                           "gap": gap}
    gaps = {source: f["gap"] for source, f in figures.items() if f["gap"]}
    if gaps:
        said = "; ".join(f"source {source!r}: {abs(gap)} input(s) {'lost' if gap > 0 else 'doubled'} "
                         f"({figures[source]['discovered']} discovered, {figures[source]['articles']} articles, "
                         f"{figures[source]['rejects'] + figures[source]['already_known']} rejects)"
                         for source, gap in sorted(gaps.items()))
        raise RunFailed(f"reconciliation failed: {said}")
    return figures
