"""Validate, once per night: every suite over every shard's output; failing rows go to rejects,
a batch-level failure stops the night before anything is published.

Rows are read in plan order and validated in chunks of a fixed number of rows, whatever the
shards, so what validation decides does not depend on how the night was sharded.
"""
from __future__ import annotations

import json
from typing import Any, Iterable, Iterator

import pyarrow as pa

from pipeline.articles import reject_row
from pipeline.records import Reject
from pipeline.stages.context import Counts, RunContext, RunFailed
from pipeline.stages.reconcile import reconcile
from pipeline.store.parquet import StagedTableWriter, read_staged, record_batches, write_parquet_atomic
from pipeline.store.schemas import arrow_schema, to_arrow

CHUNK_ROWS = 5000


def chunks(storage, paths: Iterable[str], table: str, rows: int = CHUNK_ROWS) -> Iterator[pa.Table]:
    """The rows of staged files in chunks of `rows` (the last one shorter), at least one chunk
    (possibly empty) so that every suite runs even on an empty night."""
    buffered: list[pa.RecordBatch] = []
    size, produced = 0, False
    for path in paths:
        for batch in record_batches(storage, path, rows):
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
        yield arrow_schema(table).empty_table()


def run(ctx: RunContext, shard: str | None = None, chunk_rows: int = CHUNK_ROWS) -> Counts:
    from pipeline.validate.gx import Validator

    staging = ctx.staging
    if staging.done("validate"):
        return staging.read_counts("validate")
    shards = staging.shards()
    unfinished = [s.id for s in shards if not staging.done("enrich", s.id)]
    if unfinished:
        raise RunFailed(f"validate needs every shard enriched; not done: {', '.join(unfinished[:5])}")
    staging.forget_after("validate")
    storage = staging.storage
    validator = Validator(storage)
    failures: list[str] = []
    new_rejects: list[dict[str, Any]] = []
    location_of: dict[str, tuple[str, str]] = {}
    bad_articles: set[str] = set()
    repeated: set[str] = set()     # the suite checks a chunk; this, the whole night

    def check(table: str, chunk: pa.Table, number: int) -> dict[int, list[str]]:
        verdict = validator.validate(table, chunk.to_pandas(), f"{ctx.run_id}-{table}-{number}")
        failures.extend(f"{table}: {reason}" for reason in verdict.batch_failures)
        return verdict.row_failures

    def enriched(table: str) -> list[str]:
        return [staging.enriched(s.id, table) for s in shards]

    with StagedTableWriter(storage, staging.final("articles"), "articles") as kept:
        for number, chunk in enumerate(chunks(storage, enriched("articles"), "articles", chunk_rows)):
            failing = check("articles", chunk, number)
            for position, row in enumerate(chunk.to_pylist()):
                if row["article_id"] in location_of:
                    repeated.add(row["article_id"])
                location_of[row["article_id"]] = (row["source"], row["location"])
                if position in failing:
                    bad_articles.add(row["article_id"])
                    new_rejects.append(reject_row(
                        Reject(row["source"], row["location"], "validate", f"articles: {'; '.join(failing[position])}"),
                        ctx.run_id, ctx.date, row["article_id"]))
                else:
                    kept.write(row)

    if repeated:
        failures.append(f"articles: article_id not unique over the night ({len(repeated)}: "
                        f"{', '.join(sorted(repeated)[:3])})")

    with StagedTableWriter(storage, staging.final("article_signatures"), "article_signatures") as kept:
        if storage.exists(staging.dedup_signatures):
            # the signatures of the articles kept: not of those validation or enrichment rejected
            kept.write_many(row for row in read_staged(storage, staging.dedup_signatures)
                            if row["article_id"] in location_of and row["article_id"] not in bad_articles)

    for table in ("entities", "quotes"):
        with StagedTableWriter(storage, staging.final(table), table) as kept:
            for number, chunk in enumerate(chunks(storage, enriched(table), table, chunk_rows)):
                failing = check(table, chunk, number)
                for position, row in enumerate(chunk.to_pylist()):
                    if row["article_id"] in bad_articles:
                        continue
                    if position in failing:
                        source, location = location_of[row["article_id"]]
                        shown = row.get("mention") or row.get("quote")
                        # "<table>: ..." marks a row's reject, not a document's (reconcile.ROW_REJECT_PREFIXES)
                        new_rejects.append(reject_row(
                            Reject(source, location, "validate", f"{table}: {shown!r}: {'; '.join(failing[position])}"),
                            ctx.run_id, ctx.date, row["article_id"]))
                    else:
                        kept.write(row)

    write_parquet_atomic(storage, staging.validate_rejects, to_arrow("rejects", new_rejects))
    with StagedTableWriter(storage, staging.final("rejects"), "rejects") as kept:
        for number, chunk in enumerate(chunks(storage, staging.all_rejects(), "rejects", chunk_rows)):
            check("rejects", chunk, number)
            kept.write_many(chunk.to_pylist())

    docs = validator.finish()
    if not failures:
        try:
            figures = reconcile(staging)
        except RunFailed as gap:
            failures.append(str(gap))
        else:
            storage.write_text(staging.reconciliation_file, json.dumps(figures, sort_keys=True))
    if failures:
        message = f"batch validation failed ({len(failures)}): {'; '.join(failures)} (Data Docs: {docs})"
        storage.write_text(staging.failure_file, message)
        raise RunFailed(message)
    counts = Counts(rejected_rows=len(new_rejects))
    counts["data_docs"] = str(docs)
    return staging.write_counts("validate", counts)
