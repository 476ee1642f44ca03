"""The nightly job, stage by stage, for one ingest date.

Each stage reads and writes files under `WAREHOUSE/_staging/<run_id>/` and returns small counts,
so the same functions run back to back from the CLI, as separate Airflow tasks (which pass only
the run context between them), or on different workers that share the warehouse.

    begin_run -> extract_source (once per source) -> deduplicate -> enrich -> validate -> publish
                                                      any failure -> record_failure
"""
from __future__ import annotations

import json
import logging
import re
import shutil
import time
import uuid
from collections import Counter, deque
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.articles import InputError, article_row, content_hash, extract_document, reject_row
from pipeline.config import Config
from pipeline.records import Reject
from pipeline.sources import collect
from pipeline.fetch.state import mark_published
from pipeline.store.catalog import refresh_catalog
from pipeline.store.failpoints import failpoint
from pipeline.store.parquet import (StagedTableWriter, count_rows, publish_run, read_staged, recover,
                                    staging_dir, write_parquet_atomic)
from pipeline.store.schemas import TABLES, arrow_schema, to_arrow

log = logging.getLogger("broadsheet.run")

PROGRESS_EVERY_SECONDS = 10.0


class RunFailed(RuntimeError):
    """The run cannot publish; the message is the one-line reason shown to the operator."""


@dataclass
class RunContext:
    warehouse: str
    run_id: str
    ingest_date: str            # ISO date; a string so the context travels through Airflow's XCom

    @property
    def date(self) -> date:
        return date.fromisoformat(self.ingest_date)

    @property
    def staging(self) -> Path:
        return staging_dir(Path(self.warehouse), self.run_id)

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def safe_run_id(raw: str) -> str:
    """Airflow run ids hold ':' and '+'; file names and partitions must not."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", raw).strip("_")[:120]


def new_run_id(ingest_date: date) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    return f"{ingest_date.isoformat()}_{stamp}_{uuid.uuid4().hex[:6]}"


def _write_counts(ctx: RunContext, step: str, counts: dict[str, Any]) -> None:
    path = ctx.staging / "counts" / f"{step}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(counts, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def _read_counts(ctx: RunContext) -> dict[str, dict[str, Any]]:
    folder = ctx.staging / "counts"
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}


def begin_run(warehouse: str | Path, ingest_date: date, run_id: str | None = None) -> RunContext:
    """Repair what an interrupted run left, then open a fresh staging area for this run."""
    warehouse = Path(warehouse)
    warehouse.mkdir(parents=True, exist_ok=True)
    recover(warehouse)
    ctx = RunContext(str(warehouse), safe_run_id(run_id) if run_id else new_run_id(ingest_date),
                     ingest_date.isoformat())
    if ctx.staging.exists():     # a retried task of the same run starts its staging afresh
        shutil.rmtree(ctx.staging)
    ctx.staging.mkdir(parents=True)
    (ctx.staging / "run.json").write_text(json.dumps(
        {**ctx.to_dict(), "started_at": datetime.now(timezone.utc).isoformat()}), encoding="utf-8")
    log.info("run %s for %s: staging in %s", ctx.run_id, ctx.ingest_date, ctx.staging)
    return ctx


def extract_source(ctx: RunContext, config: Config, source_name: str) -> dict[str, int]:
    """Collect one source and turn each document into a cleaned article row (or a reject)."""
    source = config.source(source_name)
    counts = Counter()
    started = last_report = time.monotonic()
    slug = safe_run_id(source_name)
    with StagedTableWriter(ctx.staging / "extracted" / f"{slug}.parquet", "articles") as articles, \
            StagedTableWriter(ctx.staging / "rejects" / f"extract-{slug}.parquet", "rejects") as rejects:
        for item in collect(source, config.fetch, Path(ctx.warehouse), ctx.date, ctx.run_id):
            if isinstance(item, Reject):
                rejects.write(reject_row(item, ctx.run_id, ctx.date))
                counts[f"rejected_{item.stage}"] += 1
                continue
            counts["inputs"] += 1
            try:
                extracted = extract_document(item)
                articles.write(article_row(item, extracted, ctx.run_id, ctx.date))
                counts["extracted"] += 1
            except InputError as exc:
                rejects.write(reject_row(Reject(item.source, item.location, exc.stage, exc.reason),
                                         ctx.run_id, ctx.date))
                counts[f"rejected_{exc.stage}"] += 1
            except Exception as exc:  # a bug on one page must not sink the night; it is recorded
                log.exception("extracting %s failed", item.location)
                rejects.write(reject_row(Reject(item.source, item.location, "extract",
                                                f"error: {type(exc).__name__}: {exc}"[:500]),
                                         ctx.run_id, ctx.date))
                counts["rejected_extract"] += 1
            if time.monotonic() - last_report > PROGRESS_EVERY_SECONDS:
                last_report = time.monotonic()
                log.info("source %s: %d inputs, %d extracted, %.1f docs/s", source_name,
                         counts["inputs"], counts["extracted"], counts["inputs"] / (last_report - started))
    log.info("source %s done: %s", source_name, dict(counts))
    _write_counts(ctx, f"extract-{slug}", dict(counts))
    return dict(counts)


def _query_published(warehouse: Path, table: str, wanted: pa.Array, sql: str, params: list) -> list[tuple]:
    """Run `sql` over the published tables with this batch's values as a relation `wanted(value)`."""
    from pipeline.store.catalog import connect
    from pipeline.store.parquet import published_files
    if not len(wanted) or not published_files(warehouse, table):
        return []
    with connect(warehouse) as con:
        con.register("wanted", pa.table({"value": wanted}))
        return con.execute(sql, params).fetchall()


def _earlier_copies(warehouse: Path, ingest_date: date, hashes: list[str]) -> dict[str, tuple[str, str]]:
    """content_hash -> (article_id, ingest_date) for hashes already published on earlier dates."""
    rows = _query_published(
        warehouse, "articles", pa.array(hashes, pa.string()),
        "SELECT a.content_hash, min(a.article_id), min(a.ingest_date) FROM articles a "
        "JOIN wanted w ON a.content_hash = w.value WHERE a.ingest_date < ? GROUP BY a.content_hash",
        [ingest_date])
    return {h: (aid, str(day)) for h, aid, day in rows}


def _earlier_signatures(warehouse: Path, ingest_date: date, keys: set[int]) -> list[tuple[str, str, bytes]]:
    """Stored signatures (earlier dates) sharing at least one LSH band key with this batch."""
    return _query_published(
        warehouse, "article_signatures", pa.array(sorted(keys), pa.int64()),
        "SELECT s.article_id, s.cluster_id, s.minhash FROM article_signatures s "
        "WHERE s.ingest_date < ? AND EXISTS (SELECT 1 FROM wanted w WHERE list_contains(s.bands, w.value)) "
        "ORDER BY s.ingest_date, s.article_id", [ingest_date])


def deduplicate(ctx: RunContext) -> dict[str, int]:
    """Exact copies become `duplicate` rejects (counted); near-duplicates are kept and given a cluster_id."""
    from pipeline.enrich.clusters import ClusterIndex, band_keys, signature

    extracted = sorted((ctx.staging / "extracted").glob("*.parquet"))
    empty = content_hash("")
    hashes = sorted({digest for path in extracted
                     for digest in pq.read_table(path, columns=["content_hash"]).column(0).to_pylist()
                     if digest != empty})
    earlier = _earlier_copies(Path(ctx.warehouse), ctx.date, hashes)
    seen_hash: dict[str, str] = {}
    seen_id: set[str] = set()
    signatures: dict[str, object] = {}
    counts = Counter()
    exact = ctx.staging / "unique.parquet"
    with StagedTableWriter(exact, "articles") as kept, \
            StagedTableWriter(ctx.staging / "rejects" / "dedup.parquet", "rejects") as rejects:
        for path in extracted:
            for row in read_staged(path):
                digest, reason = row["content_hash"], None
                if row["text"] and digest in earlier:
                    first_id, first_day = earlier[digest]
                    reason = f"duplicate: same content as article {first_id} stored on {first_day}"
                elif row["text"] and digest in seen_hash:
                    reason = f"duplicate: same content as {seen_hash[digest]} in this batch"
                elif row["article_id"] in seen_id:
                    reason = f"duplicate: article id {row['article_id']} (same URL) already in this batch"
                if reason:
                    rejects.write(reject_row(Reject(row["source"], row["location"], "dedup", reason),
                                             ctx.run_id, ctx.date, row["article_id"]))
                    counts["duplicates"] += 1
                    continue
                seen_hash.setdefault(digest, row["location"])
                seen_id.add(row["article_id"])
                if row["text"]:
                    signatures[row["article_id"]] = signature(row["text"])
                kept.write(row)
                counts["kept"] += 1

    keys = {key for sig in signatures.values() for key in band_keys(sig)}
    index = ClusterIndex(_earlier_signatures(Path(ctx.warehouse), ctx.date, keys))
    with StagedTableWriter(ctx.staging / "deduped.parquet", "articles") as kept, \
            StagedTableWriter(ctx.staging / "signatures.parquet", "article_signatures") as stored:
        for row in read_staged(exact):
            sig = signatures.get(row["article_id"])
            if sig is not None:
                row["cluster_id"] = index.assign(row["article_id"], sig)
                counts["near_duplicates"] += row["cluster_id"] != row["article_id"]
                stored.write({"article_id": row["article_id"], "cluster_id": row["cluster_id"],
                              "minhash": sig.astype("<u4").tobytes(), "bands": band_keys(sig),
                              "run_id": ctx.run_id, "ingest_date": ctx.date})
            kept.write(row)
    exact.unlink()
    _write_counts(ctx, "dedup", dict(counts))
    return dict(counts)


def enrich(ctx: RunContext, batch_size: int = 64) -> dict[str, int]:
    """Entities and quotes for every kept article, streamed through spaCy in batches."""
    from pipeline.enrich import enrich_texts

    pending: deque[dict[str, Any]] = deque()

    def items() -> Iterator[dict[str, Any]]:
        for row in read_staged(ctx.staging / "deduped.parquet"):
            pending.append(row)
            yield {"id": row["article_id"], "text": row["text"], "language": row["language"],
                   "title": row["title"]}

    counts = Counter()
    started = last_report = time.monotonic()
    with StagedTableWriter(ctx.staging / "enriched" / "articles.parquet", "articles") as articles, \
            StagedTableWriter(ctx.staging / "enriched" / "entities.parquet", "entities") as entities, \
            StagedTableWriter(ctx.staging / "enriched" / "quotes.parquet", "quotes") as quotes:
        for result in enrich_texts(items(), batch_size=batch_size):
            row = pending.popleft()
            if result["id"] != row["article_id"]:
                raise RuntimeError(f"enrich_texts broke input order: {result['id']} != {row['article_id']}")
            row["nlp_skipped"] = result.get("skipped")
            articles.write(row)
            tail = {"article_id": row["article_id"], "run_id": ctx.run_id, "ingest_date": ctx.date}
            for entity in result["entities"]:
                entities.write({**asdict(entity), **tail})
            for quote in result["quotes"]:
                quotes.write({**asdict(quote), **tail})
            counts["articles"] += 1
            counts["entities"] += len(result["entities"])
            counts["quotes"] += len(result["quotes"])
            counts["nlp_skipped"] += bool(result.get("skipped"))
            if time.monotonic() - last_report > PROGRESS_EVERY_SECONDS:
                last_report = time.monotonic()
                log.info("enrich: %d articles, %d entities, %d quotes, %.1f articles/s", counts["articles"],
                         counts["entities"], counts["quotes"], counts["articles"] / (last_report - started))
    _write_counts(ctx, "enrich", dict(counts))
    return dict(counts)


VALIDATION_CHUNK_ROWS = 5000


def _batches(paths: list[Path], table: str, rows: int):
    """Record batches of staged files, at least one (possibly empty) so every suite runs."""
    produced = False
    for path in paths:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=rows):
            produced = True
            yield batch
    if not produced:
        yield pa.RecordBatch.from_pylist([], schema=arrow_schema(table))


def validate(ctx: RunContext, chunk_rows: int = VALIDATION_CHUNK_ROWS) -> dict[str, Any]:
    """Run every suite, chunk by chunk; failing rows go to rejects, a batch-level failure stops the run."""
    from pipeline.validate.gx import Validator, data_docs_index

    validator = Validator(Path(ctx.warehouse))
    enriched, out = ctx.staging / "enriched", ctx.staging / "final"
    failures: list[str] = []
    new_rejects: list[dict[str, Any]] = []
    location_of: dict[str, tuple[str, str]] = {}
    bad_articles: set[str] = set()

    def check(table: str, batch, number: int):
        verdict = validator.validate(table, batch.to_pandas(), f"{ctx.run_id}-{table}-{number}")
        failures.extend(f"{table}: {reason}" for reason in verdict.batch_failures)
        return verdict.row_failures

    with StagedTableWriter(out / "articles.parquet", "articles") as kept:
        for number, batch in enumerate(_batches([enriched / "articles.parquet"], "articles", chunk_rows)):
            failing = check("articles", batch, number)
            for position, row in enumerate(batch.to_pylist()):
                location_of[row["article_id"]] = (row["source"], row["location"])
                if position in failing:
                    bad_articles.add(row["article_id"])
                    new_rejects.append(reject_row(
                        Reject(row["source"], row["location"], "validate", f"articles: {'; '.join(failing[position])}"),
                        ctx.run_id, ctx.date, row["article_id"]))
                else:
                    kept.write(row)

    with StagedTableWriter(out / "article_signatures.parquet", "article_signatures") as kept:
        kept.write_many(row for row in read_staged(ctx.staging / "signatures.parquet")
                        if row["article_id"] not in bad_articles)

    for table in ("entities", "quotes"):
        with StagedTableWriter(out / f"{table}.parquet", table) as kept:
            for number, batch in enumerate(_batches([enriched / f"{table}.parquet"], table, chunk_rows)):
                failing = check(table, batch, number)
                for position, row in enumerate(batch.to_pylist()):
                    if row["article_id"] in bad_articles:
                        continue
                    if position in failing:
                        source, location = location_of[row["article_id"]]
                        shown = row.get("mention") or row.get("quote")
                        new_rejects.append(reject_row(
                            Reject(source, location, "validate", f"{table}: {shown!r}: {'; '.join(failing[position])}"),
                            ctx.run_id, ctx.date, row["article_id"]))
                    else:
                        kept.write(row)

    # validate.parquet is this stage's own output: a retried task rewrites it instead of adding to it
    staged_rejects = [p for p in sorted((ctx.staging / "rejects").glob("*.parquet")) if p.name != "validate.parquet"]
    staged_rejects.append(write_parquet_atomic(ctx.staging / "rejects" / "validate.parquet",
                                               to_arrow("rejects", new_rejects)))
    with StagedTableWriter(out / "rejects.parquet", "rejects") as kept:
        for number, batch in enumerate(_batches(staged_rejects, "rejects", chunk_rows)):
            check("rejects", batch, number)
            kept.write_many(batch.to_pylist())

    validator.finish()
    docs = data_docs_index(Path(ctx.warehouse))
    if failures:
        message = f"batch validation failed ({len(failures)}): {'; '.join(failures)} (Data Docs: {docs})"
        (ctx.staging / "failure.txt").write_text(message, encoding="utf-8")
        raise RunFailed(message)
    counts = {"rejected_rows": len(new_rejects), "data_docs": str(docs)}
    _write_counts(ctx, "validate", counts)
    return counts


def _run_row(ctx: RunContext, status: str, message: str | None, validation_success: bool) -> dict[str, Any]:
    meta = json.loads((ctx.staging / "run.json").read_text(encoding="utf-8"))
    counts = _read_counts(ctx)
    final = ctx.staging / "final"
    inputs = sum(c.get("inputs", 0) + sum(v for k, v in c.items() if k.startswith("rejected_"))
                 for step, c in counts.items() if step.startswith("extract-"))
    return {
        "run_id": ctx.run_id, "ingest_date": ctx.date,
        "started_at": datetime.fromisoformat(meta["started_at"]),
        "finished_at": datetime.now(timezone.utc), "status": status,
        "inputs": inputs,
        "articles": count_rows(final / "articles.parquet") if status == "success" else 0,
        "entities": count_rows(final / "entities.parquet") if status == "success" else 0,
        "quotes": count_rows(final / "quotes.parquet") if status == "success" else 0,
        "rejects": count_rows(final / "rejects.parquet") if status == "success" else 0,
        "duplicates": counts.get("dedup", {}).get("duplicates", 0),
        "validation_success": validation_success, "message": message,
        "stage_counts": json.dumps(counts, sort_keys=True),
    }


def publish(ctx: RunContext) -> dict[str, Any]:
    """Swap the validated tables into the warehouse for this date, atomically, then refresh DuckDB."""
    final = ctx.staging / "final"
    run = _run_row(ctx, "success", None, True)
    write_parquet_atomic(final / "runs.parquet", to_arrow("runs", [run]))
    failpoint("publish:begin")
    publish_run(Path(ctx.warehouse), ctx.run_id, ctx.date,
                {name: final / f"{name}.parquet" for name in TABLES})
    mark_published(Path(ctx.warehouse), ctx.date)
    refresh_catalog(Path(ctx.warehouse))
    summary = {k: run[k] for k in ("run_id", "ingest_date", "status", "inputs", "articles", "entities",
                                   "quotes", "rejects", "duplicates")}
    summary["ingest_date"] = ctx.ingest_date
    log.info("published %s", summary)
    return summary


def record_failure(ctx: RunContext, message: str | None = None) -> str:
    """A failed run publishes no data, but the runs table says that it failed and why (returned)."""
    if not (ctx.staging / "run.json").exists():
        return message or "the run failed before it began"
    if message is None:
        stated = ctx.staging / "failure.txt"
        message = (stated.read_text(encoding="utf-8") if stated.exists()
                   else "a task failed; see the task logs")
    validation_success = not message.startswith("batch validation failed")
    run = _run_row(ctx, "failed", message[:2000], validation_success)
    from pipeline.store.parquet import publish_table
    staged = write_parquet_atomic(ctx.staging / "failed-run.parquet", to_arrow("runs", [run]))
    publish_table(Path(ctx.warehouse), "runs", ctx.date, staged, ctx.run_id)
    refresh_catalog(Path(ctx.warehouse))
    shutil.rmtree(ctx.staging, ignore_errors=True)
    return message


def run_all(config: Config, warehouse: str | Path, ingest_date: date, run_id: str | None = None,
            on_stage: Callable[[str, dict], None] | None = None) -> dict[str, Any]:
    """Every stage in order, in this process: what `broadsheet run` and `broadsheet ingest` do."""
    ctx = begin_run(warehouse, ingest_date, run_id)
    report = on_stage or (lambda stage, counts: None)
    try:
        for source in config.sources:
            report(f"extract {source['name']}", extract_source(ctx, config, source["name"]))
        report("dedup", deduplicate(ctx))
        report("enrich", enrich(ctx))
        report("validate", validate(ctx))
        summary = publish(ctx)
        report("publish", summary)
        return summary
    except BaseException as exc:
        message = str(exc) if isinstance(exc, RunFailed) else f"{type(exc).__name__}: {exc}"
        record_failure(ctx, message)
        raise
