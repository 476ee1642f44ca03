"""Enrich, per shard: entities and quotes for every article dedup kept, streamed through spaCy.

The spaCy model is loaded once per process (`pipeline.enrich.nlp.load_nlp`), not once per shard:
a worker process that enriches many shards pays for it once.
"""
from __future__ import annotations

import logging
from collections import deque
from dataclasses import asdict
from typing import Any, Iterator

from pipeline.records import Article, Shard
from pipeline.stages import budget
from pipeline.stages.context import Counts, RunContext, RunFailed
from pipeline.store.parquet import StagedTableWriter, read_articles

log = logging.getLogger("broadsheet.enrich")


def enrich_shard(ctx: RunContext, shard_id: str) -> Counts:
    from pipeline.articles import reject_row
    from pipeline.enrich import enrich_texts, nlp_window
    from pipeline.records import Reject

    staging = ctx.staging
    storage = staging.storage
    limits = staging.load_config().limits
    skips = budget.read_skips(storage, staging.skips("enrich", shard_id))
    pending: deque[Article] = deque()
    counts = Counts()

    with StagedTableWriter(storage, staging.enriched(shard_id, "articles"), "articles") as articles, \
            StagedTableWriter(storage, staging.enriched(shard_id, "entities"), "entities") as entities, \
            StagedTableWriter(storage, staging.enriched(shard_id, "quotes"), "quotes") as quotes, \
            StagedTableWriter(storage, staging.enrich_rejects(shard_id), "rejects") as rejects:

        def items() -> Iterator[dict[str, Any]]:
            for index, article in enumerate(read_articles(storage, staging.deduped(shard_id))):
                if index in skips:   # stopped over budget before: a reject, not another try
                    rejects.write(reject_row(Reject(article.source, article.location, "enrich", skips[index]),
                                             ctx.run_id, ctx.date, article.article_id))
                    counts["rejected_enrich"] += 1
                    continue
                text = nlp_window(article.text, limits.nlp_max_chars)
                if len(text) < len(article.text):
                    article.nlp_skipped = f"truncated: analysed the first {len(text)} of {len(article.text)} characters"
                budget.start_document("enrich", shard_id, index)
                pending.append(article)
                yield {"id": article.article_id, "text": text, "language": article.language, "title": article.title}

        # One article at a time through spaCy: the budget then watches each article, not a batch.
        for result in enrich_texts(items(), batch_size=1):
            budget.end_document()
            article = pending.popleft()
            if result["id"] != article.article_id:
                raise RuntimeError(f"enrich_texts broke input order: {result['id']} != {article.article_id}")
            if result.get("error"):   # a failure on this article alone: its reject, not the night's
                log.warning("enriching %s failed: %s", article.location, result["error"])
                rejects.write(reject_row(Reject(article.source, article.location, "enrich", f"error: {result['error']}"),
                                         ctx.run_id, ctx.date, article.article_id))
                counts["rejected_enrich"] += 1
                continue
            article.nlp_skipped = article.nlp_skipped or result.get("skipped")
            articles.write(article)
            # host rides along (as speaker_key does on each quote): the questions filter on it without a join
            tail = {"article_id": article.article_id, "host": article.host, "run_id": ctx.run_id,
                    "ingest_date": ctx.date}
            for entity in result["entities"]:
                entities.write({**asdict(entity), **tail})
            for quote in result["quotes"]:
                quotes.write({**asdict(quote), **tail})
            counts["articles"] += 1
            counts["entities"] += len(result["entities"])
            counts["quotes"] += len(result["quotes"])
            counts["nlp_skipped"] += bool(result.get("skipped"))
            counts["nlp_truncated"] += article.nlp_skipped is not None and article.nlp_skipped.startswith("truncated")
    return counts


def input_bytes(ctx: RunContext, shard: Shard) -> int:
    """What the shard will cost, roughly: the size of its staged articles (the text spaCy reads)."""
    return ctx.staging.storage.size(ctx.staging.deduped(shard.id)) or 0


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
    return staging.write_counts("enrich", counts, shard)
