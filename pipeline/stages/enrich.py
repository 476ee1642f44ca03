"""Enrich, per shard: entities and quotes for every article dedup kept, streamed through spaCy.

The spaCy model is loaded once per process (`pipeline.enrich.nlp.load_nlp`), not once per shard:
a worker process that enriches many shards pays for it once.
"""
from __future__ import annotations

import logging
from collections import deque
from dataclasses import asdict
from typing import Any, Iterator

from pipeline.records import Article
from pipeline.stages.context import Counts, RunContext, RunFailed
from pipeline.store.failpoints import failpoint
from pipeline.store.parquet import StagedTableWriter, read_articles

log = logging.getLogger("broadsheet.enrich")

BATCH_SIZE = 64


def enrich_shard(ctx: RunContext, shard_id: str, batch_size: int = BATCH_SIZE) -> Counts:
    from pipeline.enrich import enrich_texts

    staging = ctx.staging
    pending: deque[Article] = deque()

    def items() -> Iterator[dict[str, Any]]:
        for article in read_articles(staging.storage, staging.deduped(shard_id)):
            pending.append(article)
            yield {"id": article.article_id, "text": article.text, "language": article.language,
                   "title": article.title}

    counts = Counts()
    storage = staging.storage
    with StagedTableWriter(storage, staging.enriched(shard_id, "articles"), "articles") as articles, \
            StagedTableWriter(storage, staging.enriched(shard_id, "entities"), "entities") as entities, \
            StagedTableWriter(storage, staging.enriched(shard_id, "quotes"), "quotes") as quotes:
        for result in enrich_texts(items(), batch_size=batch_size):
            article = pending.popleft()
            if result["id"] != article.article_id:
                raise RuntimeError(f"enrich_texts broke input order: {result['id']} != {article.article_id}")
            article.nlp_skipped = result.get("skipped")
            articles.write(article)
            tail = {"article_id": article.article_id, "run_id": ctx.run_id, "ingest_date": ctx.date}
            for entity in result["entities"]:
                entities.write({**asdict(entity), **tail})
            for quote in result["quotes"]:
                quotes.write({**asdict(quote), **tail})
            counts["articles"] += 1
            counts["entities"] += len(result["entities"])
            counts["quotes"] += len(result["quotes"])
            counts["nlp_skipped"] += bool(result.get("skipped"))
    return counts


def run(ctx: RunContext, shard: str | None = None) -> Counts:
    """Enrich one shard (or, without one, every shard in turn). A shard already done is not redone."""
    staging = ctx.staging
    if shard is None:
        total = Counts()
        for each in staging.shards():
            total.update(run(ctx, each.id))
        return total
    if staging.done("enrich", shard):
        return staging.read_counts("enrich", shard)
    if not staging.done("dedup"):
        raise RunFailed(f"enrich {shard}: the night's dedup has not run")
    counts = enrich_shard(ctx, shard)
    log.info("enrich %s: %s", shard, counts.to_dict())
    staging.write_counts("enrich", counts, shard)
    failpoint("enrich:shard_done")
    return counts
