"""Validate, once per night: every suite over every shard's output, each suite reported once.

Failing rows of row-level expectations go to rejects; a failed critical expectation, or a drift
flag that fails the night (pipeline/validate/health.py), stops the night before anything is
published; warnings are published and reported. The night's results become the `validations`
and `source_health` tables (published with the night, and with a failed night's `runs` row) and
a Data Docs page.

Rows are read in plan order and validated in chunks of a fixed number of rows, whatever the
shards, so what validation decides does not depend on how the night was sharded.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Iterable, Iterator

import pyarrow as pa

from pipeline.articles import reject_row
from pipeline.records import Reject
from pipeline.stages.context import Counts, RunContext, RunFailed
from pipeline.stages.reconcile import reconcile
from pipeline.store.parquet import StagedTableWriter, read_staged, record_batches, write_parquet_atomic
from pipeline.store.schemas import arrow_schema, to_arrow
from pipeline.validate.derived import Derive

log = logging.getLogger("broadsheet.validate")

CHUNK_ROWS = 5000


def chunks(storage, paths: Iterable[str], table: str, rows: int = CHUNK_ROWS,
           derive: Derive | None = None) -> Iterator[pa.Table]:
    """The rows of staged files in chunks of `rows` (the last one shorter), at least one chunk
    (possibly empty) so that every suite runs even on an empty night. `derive(i, batch)` adds
    validation's columns to the batches of the i-th file."""
    buffered: list[pa.RecordBatch] = []
    size, produced = 0, False
    for index, path in enumerate(paths):
        if not storage.exists(path):
            continue
        for batch in record_batches(storage, path, rows):
            if derive is not None:
                batch = derive(index, batch)
            while batch.num_rows:
                take = batch.slice(0, rows - size)
                buffered.append(take)
                size += take.num_rows
                batch = batch.slice(take.num_rows)
                if size == rows:
                    produced = True
                    yield pa.Table.from_batches(buffered)
                    buffered, size = [], 0
    if buffered:
        yield pa.Table.from_batches(buffered)
    elif not produced:
        empty = arrow_schema(table).empty_table()
        if derive is not None:
            empty = pa.Table.from_batches([derive(-1, pa.RecordBatch.from_pylist([], schema=empty.schema))])
        yield empty


def run(ctx: RunContext, shard: str | None = None, chunk_rows: int = CHUNK_ROWS) -> Counts:
    from pipeline.validate import derived, docs, health
    from pipeline.validate.gx import Validator, critical_failures, warnings
    from pipeline.validate.history import previous_counts, previous_health

    staging = ctx.staging
    if staging.done("validate"):
        return staging.read_counts("validate")
    shards = staging.shards()
    unfinished = [s.id for s in shards if not staging.done("enrich", s.id)]
    if unfinished:
        raise RunFailed(f"validate needs every shard enriched; not done: {', '.join(unfinished[:5])}")
    staging.forget_after("validate")
    storage = staging.storage
    config = staging.load_config()
    validator = Validator(storage, previous_counts(storage, ctx.date))
    new_rejects: list[dict[str, Any]] = []
    location_of: dict[str, tuple[str, str]] = {}
    bad_articles: set[str] = set()

    def enriched(table: str) -> list[str]:
        return [staging.enriched(s.id, table) for s in shards]

    with StagedTableWriter(storage, staging.final("articles"), "articles") as kept:
        derive = derived.article_columns(storage, ctx.date, enriched("entities"))
        for chunk in chunks(storage, enriched("articles"), "articles", chunk_rows, derive):
            failing = validator.validate("articles", chunk).row_failures
            for position, row in enumerate(chunk.to_pylist()):
                location_of[row["article_id"]] = (row["source"], row["location"])
                if position in failing:
                    bad_articles.add(row["article_id"])
                    new_rejects.append(reject_row(
                        Reject(row["source"], row["location"], "validate", f"articles: {'; '.join(failing[position])}"),
                        ctx.run_id, ctx.date, row["article_id"]))
                else:
                    kept.write(row)

    with StagedTableWriter(storage, staging.final("article_signatures"), "article_signatures") as kept:
        if storage.exists(staging.dedup_signatures):
            # the signatures of the articles kept: not of those validation or enrichment rejected
            kept.write_many(row for row in read_staged(storage, staging.dedup_signatures)
                            if row["article_id"] in location_of and row["article_id"] not in bad_articles)

    for table, shown_column in (("entities", "mention"), ("quotes", "quote")):
        derive = derived.span_columns(storage, enriched("articles"), location_of, shown_column)
        with StagedTableWriter(storage, staging.final(table), table) as kept:
            for chunk in chunks(storage, enriched(table), table, chunk_rows, derive):
                failing = validator.validate(table, chunk).row_failures
                for position, row in enumerate(chunk.to_pylist()):
                    if row["article_id"] in bad_articles:
                        continue
                    if position in failing:
                        source, location = location_of.get(row["article_id"], ("unknown", row["article_id"]))
                        # "<table>: ..." marks a row's reject, not a document's (reconcile.ROW_REJECT_PREFIXES)
                        new_rejects.append(reject_row(
                            Reject(source, location, "validate",
                                   f"{table}: {row[shown_column]!r}: {'; '.join(failing[position])}"),
                            ctx.run_id, ctx.date, row["article_id"]))
                    else:
                        kept.write(row)

    write_parquet_atomic(storage, staging.validate_rejects, to_arrow("rejects", new_rejects))
    with StagedTableWriter(storage, staging.final("rejects"), "rejects") as kept:
        for chunk in chunks(storage, staging.all_rejects(), "rejects", chunk_rows):
            validator.validate("rejects", chunk)
            kept.write_many(chunk.to_pylist())

    outcomes = validator.finish()
    results = [outcome.row(ctx.run_id, ctx.date) for outcome in outcomes]
    write_parquet_atomic(storage, staging.final("validations"), to_arrow("validations", results))
    drift = health.settings(config.health)
    health_rows = health.source_health(
        storage, staging.final("articles"), staging.final("rejects"), ctx.run_id, ctx.date, config.sources,
        drift, previous_health(storage, ctx.date, drift["baseline_nights"]))
    write_parquet_atomic(storage, staging.final("source_health"), to_arrow("source_health", health_rows))

    failures = critical_failures(outcomes) + health.failures(health_rows)
    if not failures:
        try:
            figures = reconcile(staging)
        except RunFailed as gap:
            failures.append(str(gap))
        else:
            storage.write_text(staging.reconciliation_file, json.dumps(figures, sort_keys=True))
    warned, flags = warnings(outcomes), health.flagged(health_rows)
    for line in warned:
        log.warning("validation warning: %s", line)
    for line in flags:
        log.warning("source drift: %s", line)
    page = docs.write_night(storage, results, ctx.ingest_date, ctx.run_id,
                            "failed" if failures else "passed", health_rows)
    if failures:
        message = f"batch validation failed ({len(failures)}): {'; '.join(failures)} (Data Docs: {page})"
        storage.write_text(staging.failure_file, message)
        raise RunFailed(message)
    counts = Counts(rejected_rows=len(new_rejects), expectations=len(outcomes), warnings=len(warned),
                    drift_flags=len(flags))
    counts["data_docs"] = str(page)
    if flags:
        counts["drifting_sources"] = "; ".join(flags)
    return staging.write_counts("validate", counts)
