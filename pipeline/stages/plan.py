"""Plan: check the night's config, discover and fetch, and cut every source into shards.

Shards are slices of a source's inputs: paths of a folder's files, records of a WARC archive, or
records of the raw store holding the pages fetched tonight. Each shard's inputs file lists them, so
any worker can read the shard; the shard list is written last, and a plan with a shard list is done.

Fetching happens here, once per source, before sharding, and not in the shards: per-host delay,
per-host concurrency and robots.txt are state of one fetcher, so one fetcher per source honours
them across the whole night however many workers extract afterwards, with no limiter shared
between machines. Fetching waits on the network, not the CPU (one process fetches far faster than
one core extracts), so it is not what a night waits for.
"""
from __future__ import annotations

import json
import logging
import tempfile
from typing import Any, Iterable

from pipeline.articles import reject_row
from pipeline.records import RawDocument, Reject, Shard
from pipeline.stages.context import Counts, RunContext, Staging, safe_name
from pipeline.store.parquet import StagedTableWriter

log = logging.getLogger("broadsheet.plan")

# Shards are not split smaller than this to make more of them: a shard has fixed costs (files,
# a task in Airflow) that a handful of documents does not repay.
MIN_SPLIT_DOCUMENTS = 20


class _SourceInputs:
    """One source's inputs, listed to a local file as they are found, then cut into shards once
    every source is known, so that shards can be sized evenly: a night's wall time is set by its
    last shard, and a small left-over shard beside full ones leaves workers idle."""

    def __init__(self, staging: Staging, source: str, slug: str, reads: str):
        self.staging, self.source, self.slug, self.reads = staging, source, slug, reads
        self._file = tempfile.TemporaryFile("w+", encoding="utf-8")
        self.count = 0

    def add(self, entry: dict[str, Any]) -> None:
        # ASCII escapes: a file name that is not UTF-8 (surrogates in str) survives the round trip
        self._file.write(json.dumps(entry, default=str) + "\n")
        self.count += 1

    def cut(self, shards: int) -> list[Shard]:
        """Into `shards` shards whose sizes differ by at most one, in listed order."""
        cut: list[Shard] = []
        base, extra = divmod(self.count, shards) if shards else (0, 0)
        self._file.seek(0)
        for number in range(shards if self.count else 0):
            size = base + (number < extra)
            shard_id = f"{self.slug}-{number:05d}"
            lines = "".join(self._file.readline() for _ in range(size))
            self.staging.storage.write_text(self.staging.shard_inputs(shard_id), lines)
            cut.append(Shard(shard_id, self.source, self.reads, size))
        self._file.close()
        return cut


def shard_counts(sizes: list[int], shard_size: int, min_shards: int = 1) -> list[int]:
    """How many shards each source gets: none bigger than `shard_size`, and together at least
    `min_shards` (shared out by size) as long as no shard falls under MIN_SPLIT_DOCUMENTS."""
    total = sum(sizes)
    counts = []
    for size in sizes:
        needed = -(-size // shard_size)
        wanted = -(-min_shards * size // total) if total else 0
        affordable = max(1, size // MIN_SPLIT_DOCUMENTS)
        counts.append(max(needed, min(wanted, affordable)) if size else 0)
    return counts


def _slugs(names: Iterable[str]) -> list[str]:
    """One file-safe, distinct prefix per source name, for its shard ids."""
    slugs: list[str] = []
    for position, name in enumerate(names):
        slug = safe_name(name) or "source"
        slugs.append(slug if slug not in slugs else f"{slug}-{position}")
    return slugs


def plan_files(listed: _SourceInputs, source: dict[str, Any]) -> None:
    from pipeline.sources.discovery import as_list
    from pipeline.sources.files import discover_files

    for path in discover_files(as_list(source["location"])):
        listed.add({"path": str(path)})


def _record_entry(doc: RawDocument) -> dict[str, Any]:
    if doc.origin is None:  # collect() gives every page it yields a place to be read again from
        raise RuntimeError(f"{doc.location}: collected without a record to read it again from")
    return {"warc": doc.origin.path, "offset": doc.origin.offset, "location": doc.location,
            "url": doc.url, "hints": doc.hints}


def plan_collected(ctx: RunContext, listed: _SourceInputs, source: dict[str, Any], fetch: dict[str, Any],
                   counts: Counts) -> None:
    """Discover (and fetch) a web source or read a WARC source's records, listing what to extract."""
    from pipeline.sources import collect

    staging = ctx.staging
    fetched: list[dict[str, Any]] = []
    with StagedTableWriter(staging.storage, staging.plan_rejects(source["name"]), "rejects") as rejects:
        for item in collect(source, fetch, staging.storage, ctx.date, ctx.run_id,
                            download_to=(staging.storage, staging.downloads(listed.slug))):
            if isinstance(item, Reject):
                rejects.write(reject_row(item, ctx.run_id, ctx.date))
                counts[f"rejected_{item.stage}"] += 1
            elif source["kind"] == "warc":
                listed.add(_record_entry(item))
            else:
                fetched.append(_record_entry(item))
    # Pages arrive in the order their fetches finish; sorted, the same pages make the same shards.
    for entry in sorted(fetched, key=lambda e: (e["url"] or "", e["location"])):
        listed.add(entry)


def run(ctx: RunContext, shard: str | None = None, min_shards: int = 1) -> Counts:
    """Plan the night once; a resumed night keeps the plan it made (and the pages it fetched).

    `min_shards`: the executor's parallelism, when it knows it (the CLI's pool does), so that a
    small night still gives every worker work of its own.
    """
    staging = ctx.staging
    if staging.done("plan"):
        return staging.read_counts("plan")
    config = staging.load_config()
    config.check_locations()
    staging.forget_after("plan")
    counts = Counts()
    listed: list[_SourceInputs] = []
    for source, slug in zip(config.sources, _slugs(s["name"] for s in config.sources)):
        inputs = _SourceInputs(staging, source["name"], slug, "files" if source["kind"] == "files" else "warc")
        if source["kind"] == "files":
            plan_files(inputs, source)
        else:
            plan_collected(ctx, inputs, source, config.fetch, counts)
        listed.append(inputs)
    shards: list[Shard] = []
    for inputs, number in zip(listed, shard_counts([i.count for i in listed], config.shard_size, min_shards)):
        planned = inputs.cut(number)
        log.info("plan: source %s: %d documents in %d shard(s)", inputs.source, inputs.count, len(planned))
        shards += planned
    staging.save_shards(shards)
    counts["shards"] = len(shards)
    counts["documents"] = sum(s.documents for s in shards)
    return staging.write_counts("plan", counts)
