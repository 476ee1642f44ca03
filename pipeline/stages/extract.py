"""Extract, per shard: read each input, extract and clean its article, and sign it for dedup.

The MinHash signature is made here, where the work is spread over the workers, so that the
night-level dedup stage only compares signatures.
"""
from __future__ import annotations

import itertools
import json
import logging
from typing import Any, Iterator

from pipeline.articles import InputError, article_row, extract_document, reject_row
from pipeline.records import Article, RawDocument, Reject, Shard
from pipeline.stages import budget
from pipeline.stages.context import Counts, RunContext, Staging
from pipeline.store.parquet import StagedTableWriter

log = logging.getLogger("broadsheet.extract")


def _entries(staging: Staging, shard: Shard) -> Iterator[dict[str, Any]]:
    for line in staging.storage.read_text(staging.shard_inputs(shard.id)).splitlines():
        yield json.loads(line)


def _warc_documents(shard: Shard, entries: Iterator[dict[str, Any]]) -> Iterator[RawDocument | Reject]:
    """Each listed record read again from its WARC file (kept open while consecutive entries share it)."""
    from pipeline.records import WarcRef
    from pipeline.sources.warcs import read_response_at
    from pipeline.store.storage import open_uri

    path, stream = None, None
    try:
        for entry in entries:
            try:
                if entry["warc"] != path:
                    if stream is not None:
                        stream.close()
                    path, stream = entry["warc"], None
                    stream = open_uri(path)
                body = read_response_at(stream, entry["offset"])
            except (OSError, ValueError, EOFError) as exc:
                yield Reject(shard.source, entry["location"], "read", f"unreadable: {exc}"[:300])
                continue
            yield RawDocument(shard.source, entry["location"], body, "html", url=entry["url"],
                              hints=entry["hints"] or {}, origin=WarcRef(entry["warc"], entry["offset"]))
    finally:
        if stream is not None:
            stream.close()


def shard_documents(staging: Staging, shard: Shard, skips: dict[int, str] | None = None
                    ) -> Iterator[RawDocument | Reject]:
    """The shard's inputs as documents (or rejects for those that cannot be read), in plan order,
    one per entry. An entry in `skips` (stopped over budget before) is a reject and is not read."""
    from pipeline.sources.files import iter_files

    skips = skips or {}
    for index, entry in enumerate(_entries(staging, shard)):
        location = entry.get("path") or entry.get("location")
        if index in skips:
            yield Reject(shard.source, location, "extract", skips[index])
        elif shard.reads == "files":
            read = list(iter_files([entry["path"]], shard.source))
            # a file that went away since the plan listed it still has a fate
            yield from read or [Reject(shard.source, location, "read", "not_found: gone since the plan listed it")]
        elif shard.reads == "warc":
            yield from _warc_documents(shard, iter([entry]))
        else:
            raise ValueError(f"shard {shard.id}: unknown input kind {shard.reads!r}")


def signature_row(article: Article) -> dict[str, Any]:
    from pipeline.stages.dedup import band_keys, signature

    sig = signature(article.text)
    return {"article_id": article.article_id, "cluster_id": article.cluster_id,
            "minhash": sig.astype("<u4").tobytes(), "bands": band_keys(sig),
            "run_id": article.run_id, "ingest_date": article.ingest_date}


def extract_shard(ctx: RunContext, shard: Shard) -> Counts:
    staging = ctx.staging
    counts = Counts()
    storage = staging.storage
    documents = shard_documents(staging, shard, budget.read_skips(storage, staging.skips("extract", shard.id)))
    with StagedTableWriter(storage, staging.extracted(shard.id), "articles") as articles, \
            StagedTableWriter(storage, staging.signatures(shard.id), "article_signatures") as signatures, \
            StagedTableWriter(storage, staging.extract_rejects(shard.id), "rejects") as rejects:
        for index in itertools.count():
            # reading counts too: a FIFO or a device named .html blocks in the read itself
            with budget.on_document("extract", shard.id, index):
                item = next(documents, None)
                if item is None:
                    break
                _extract_one(ctx, item, counts, articles, signatures, rejects)
    return counts


def _extract_one(ctx: RunContext, item: RawDocument | Reject, counts: Counts, articles, signatures, rejects) -> None:
    """One input's fate: an article (and its signature), or a reject saying why not."""
    counts["inputs"] += 1
    if isinstance(item, Reject):
        rejects.write(reject_row(item, ctx.run_id, ctx.date))
        counts[f"rejected_{item.stage}"] += 1
        return
    try:
        article = article_row(item, extract_document(item), ctx.run_id, ctx.date)
    except InputError as exc:
        rejects.write(reject_row(Reject(item.source, item.location, exc.stage, exc.reason), ctx.run_id, ctx.date))
        counts[f"rejected_{exc.stage}"] += 1
        return
    except Exception as exc:  # a bug on one page must not sink the night; it is recorded
        log.exception("extracting %s failed", item.location)
        rejects.write(reject_row(Reject(item.source, item.location, "extract",
                                        f"error: {type(exc).__name__}: {exc}"[:500]), ctx.run_id, ctx.date))
        counts["rejected_extract"] += 1
        return
    articles.write(article)
    signatures.write(signature_row(article))
    counts["extracted"] += 1


def input_bytes(ctx: RunContext, shard: Shard) -> int:
    """What the shard will cost, roughly: the bytes of the files it lists. Records of a WARC file
    count 0 (their lengths are not known before they are read), so such shards keep plan order."""
    import os

    if shard.reads != "files":
        return 0
    total = 0
    for entry in _entries(ctx.staging, shard):
        try:
            total += os.path.getsize(entry["path"])
        except OSError:   # gone since the plan: the shard will reject it, cheaply
            pass
    return total


def run(ctx: RunContext, shard: str | None = None) -> Counts:
    """Extract one shard (or, without one, every shard in turn). A shard already done is not redone."""
    staging = ctx.staging
    if shard is None:
        total = Counts()
        for each in staging.shards():
            total.update(run(ctx, each.id))
        return total
    if staging.done("extract", shard):
        return staging.read_counts("extract", shard)
    counts = extract_shard(ctx, staging.shard(shard))
    log.info("extract %s: %s", shard, counts.to_dict())
    return staging.write_counts("extract", counts, shard)
