"""What every stage is given: the run context, and the `Staging` area that names every staged file.

A night's work is staged under `WAREHOUSE/_staging/<run_id>/` (on local disk or in the object
store, like the rest of the warehouse) and handed from stage to stage through files, never through
memory, so that stages can run one after another in one process, in a pool of processes, or as
Airflow tasks on different machines that share the warehouse:

    run.json  config.json  failure.txt           the night: when, with what, and why it failed
    failed-run.parquet                           the `runs` row of a night that failed
    plan/shards.json                             the shard list (written last: the plan is done)
    plan/listed/<source>.jsonl                   a source's inputs while it is planned (then cut)
    plan/inputs/<shard>.jsonl                    what each shard holds: file paths or WARC records
    plan/rejects/<source>.parquet                inputs refused while discovering and fetching
    plan/downloads/                              WARC archives fetched by URL, read by the shards
    extract/<shard>/articles.parquet             articles as extracted and cleaned
    extract/<shard>/signatures.parquet           their MinHash signatures, row for row
    extract/<shard>/rejects.parquet              inputs of the shard that are not articles
    extract/<shard>/skips.json  enrich/<shard>/skips.json   documents stopped over budget
    dedup/<shard>.parquet                        the shard's articles that dedup kept, with cluster ids
    dedup/rejects.parquet  dedup/signatures.parquet
    enrich/<shard>/<table>.parquet               articles, entities and quotes after enrichment (and
                                                 rejects: articles stopped over budget)
    validate/rejects.parquet  final/<table>.parquet  what publishing swaps in
    counts/<step>.json  counts/<step>/<shard>.json   what each step did; written last, so a step
                                                     (or a shard of it) with counts is done
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from typing import Any, Iterable

from pipeline.config import Config
from pipeline.records import Shard
from pipeline.store.failpoints import failpoint
from pipeline.store.storage import Storage

# The steps of a night in order; a step that starts afresh forgets what the later ones staged.
STEPS = ("plan", "extract", "dedup", "enrich", "validate")
SHARD_STEPS = ("extract", "enrich")
STEP_FOLDERS = {"plan": ("plan",), "extract": ("extract",), "dedup": ("dedup",), "enrich": ("enrich",),
                "validate": ("validate", "final")}


class RunFailed(RuntimeError):
    """The run cannot publish; the message is the one-line reason shown to the operator."""


class Counts(Counter):
    """What a stage (or one shard of it) did: documents read, articles kept, rejects by stage, ..."""

    def to_dict(self) -> dict[str, int]:
        return dict(sorted(self.items()))


def safe_name(raw: str) -> str:
    """Airflow run ids hold ':' and '+', source names anything; file names and partitions must not."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", raw).strip("_")[:120]


def new_run_id(ingest_date: date) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    return f"{ingest_date.isoformat()}_{stamp}_{uuid.uuid4().hex[:6]}"


class Staging:
    """The staged files of one run, each named here once (see the module docstring for the layout).
    Paths are paths within the warehouse's storage; `storage` reads and writes them."""

    def __init__(self, storage: Storage, root: str):
        self.storage, self.root = storage, root

    def _at(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    def exists(self) -> bool:
        return self.storage.exists(self.run_file)

    def remove(self) -> None:
        self.storage.delete(self.root)

    # the night
    @property
    def run_file(self) -> str:
        return self._at("run.json")

    @property
    def config_file(self) -> str:
        return self._at("config.json")

    @property
    def reconciliation_file(self) -> str:
        return self._at("final", "reconciliation.json")

    @property
    def failure_file(self) -> str:
        return self._at("failure.txt")

    @property
    def failed_run(self) -> str:
        return self._at("failed-run.parquet")

    def interrupted_run(self, attempt: str) -> str:
        return self._at(f"interrupted-{attempt}.parquet")

    # plan
    @property
    def shard_list(self) -> str:
        return self._at("plan", "shards.json")

    def shard_inputs(self, shard_id: str) -> str:
        return self._at("plan", "inputs", f"{shard_id}.jsonl")

    def plan_rejects(self, source: str) -> str:
        return self._at("plan", "rejects", f"{safe_name(source)}.parquet")

    def downloads(self, source_slug: str) -> str:
        return self._at("plan", "downloads", source_slug)

    # per shard
    def extracted(self, shard_id: str) -> str:
        return self._at("extract", shard_id, "articles.parquet")

    def signatures(self, shard_id: str) -> str:
        return self._at("extract", shard_id, "signatures.parquet")

    def extract_rejects(self, shard_id: str) -> str:
        return self._at("extract", shard_id, "rejects.parquet")

    def deduped(self, shard_id: str) -> str:
        return self._at("dedup", f"{shard_id}.parquet")

    def enriched(self, shard_id: str, table: str) -> str:
        return self._at("enrich", shard_id, f"{table}.parquet")

    def enrich_rejects(self, shard_id: str) -> str:
        return self._at("enrich", shard_id, "rejects.parquet")

    def skips(self, stage: str, shard_id: str) -> str:
        """Documents of a shard stopped over budget in `stage`: rejects when the shard runs again."""
        return self._at(stage, shard_id, "skips.json")

    # once per night
    @property
    def dedup_rejects(self) -> str:
        return self._at("dedup", "rejects.parquet")

    @property
    def dedup_signatures(self) -> str:
        return self._at("dedup", "signatures.parquet")

    @property
    def validate_rejects(self) -> str:
        return self._at("validate", "rejects.parquet")

    def final(self, table: str) -> str:
        return self._at("final", f"{table}.parquet")

    # config and shards
    def save_config(self, config: Config) -> None:
        self.storage.write_text(self.config_file, json.dumps(config.to_dict(), sort_keys=True))

    def load_config(self) -> Config:
        return Config.from_dict(json.loads(self.storage.read_text(self.config_file)))

    def save_shards(self, shards: list[Shard]) -> None:
        self.storage.write_text(self.shard_list, json.dumps([asdict(s) for s in shards]))

    def shards(self) -> list[Shard]:
        """The night's shards in plan order (the order every later step reads them in)."""
        return [Shard(**s) for s in json.loads(self.storage.read_text(self.shard_list))]

    def shard(self, shard_id: str) -> Shard:
        for shard in self.shards():
            if shard.id == shard_id:
                return shard
        raise KeyError(f"no shard {shard_id!r} in the plan of {self.root}")

    def all_rejects(self) -> list[str]:
        """Every staged rejects file, in a stable order: planning, shards in plan order, dedup, validation."""
        planned = [self._at("plan", "rejects", name) for name in self.storage.list(self._at("plan", "rejects"), ".parquet")]
        paths = planned + [path for s in self.shards() for path in (self.extract_rejects(s.id), self.enrich_rejects(s.id))]
        paths += [self.dedup_rejects, self.validate_rejects]
        return [p for p in paths if self.storage.exists(p)]

    # what each step did
    def counts_file(self, step: str, shard_id: str | None = None) -> str:
        if shard_id is None:
            return self._at("counts", f"{step}.json")
        return self._at("counts", step, f"{shard_id}.json")

    def done(self, step: str, shard_id: str | None = None) -> bool:
        return self.storage.exists(self.counts_file(step, shard_id))

    def shards_done(self, step: str) -> list[str]:
        return [name[:-len(".json")] for name in self.storage.list(self._at("counts", step), ".json")]

    def write_counts(self, step: str, counts: Counts, shard_id: str | None = None) -> Counts:
        self.storage.write_text(self.counts_file(step, shard_id), json.dumps(counts.to_dict()))
        if shard_id is None:
            failpoint(f"{step}:done")       # shard steps have theirs in the pool (pipeline.workers)
        return counts

    def read_counts(self, step: str, shard_id: str | None = None) -> Counts:
        return Counts(json.loads(self.storage.read_text(self.counts_file(step, shard_id))))

    def step_counts(self) -> dict[str, dict[str, int]]:
        """Each finished step's counts, shard counts summed, so the total does not depend on sharding."""
        totals: dict[str, Counts] = {}
        for step in STEPS:
            if step in SHARD_STEPS:
                finished = self.shards_done(step)
                if finished:
                    totals[step] = Counts()
                    for shard_id in finished:
                        totals[step].update(self.read_counts(step, shard_id))
            elif self.done(step):
                totals[step] = self.read_counts(step)
        return {step: counts.to_dict() for step, counts in totals.items()}

    def forget_after(self, step: str) -> None:
        """A night-level step starting afresh: what it and the later steps staged was made from old input."""
        for name in STEPS[STEPS.index(step):]:
            for folder in STEP_FOLDERS[name]:
                self.storage.delete(self._at(folder))
            self.storage.delete(self._at("counts", name))
            self.storage.delete(self.counts_file(name))


@dataclass
class RunContext:
    """The run a stage works for; plain strings, so it travels through Airflow's XCom as is."""

    warehouse: str              # a local folder or s3://bucket/prefix
    run_id: str
    ingest_date: str            # ISO date

    @property
    def date(self) -> date:
        return date.fromisoformat(self.ingest_date)

    @property
    def storage(self) -> Storage:
        return Storage.of(self.warehouse)

    @property
    def staging(self) -> Staging:
        storage = self.storage
        return Staging(storage, storage.path("_staging", self.run_id))

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def config_fingerprint(config: Config) -> str:
    """Two nights with the same fingerprint were asked for the same work (paths and settings)."""
    data = {k: v for k, v in config.to_dict().items() if k != "path"}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _resumable(storage: Storage, ingest_date: date, fingerprint: str) -> str | None:
    """The newest unfinished run of the same night with the same config: a killed night to resume."""
    found = []
    for run_id in storage.list(storage.path("_staging")):
        run_file = storage.path("_staging", run_id, "run.json")
        try:
            meta = json.loads(storage.read_text(run_file))
        except (OSError, ValueError):
            continue
        if meta.get("ingest_date") == ingest_date.isoformat() and meta.get("fingerprint") == fingerprint:
            found.append((meta.get("started_at", ""), meta["run_id"]))
    return max(found)[1] if found else None


def night_run_id(warehouse: str, ingest_date: date, config: Config, run_id: str | None = None) -> str:
    """The night's run id: the one given (Airflow's, made file-safe), else that of a killed night of
    the same date and config to resume, else a new one."""
    if run_id:
        return safe_name(run_id)
    return _resumable(Storage.of(warehouse), ingest_date, config_fingerprint(config)) or new_run_id(ingest_date)


def open_night(warehouse: str, ingest_date: date, config: Config, run_id: str,
               log: logging.Logger | None = None) -> RunContext:
    """Repair what an interrupted publish left, then open this night's staging area. The caller
    holds the warehouse lock for `run_id` (`pipeline.store.lock`), so no other run is repaired.

    A night killed before it published left its staging behind: running the same night again with
    the same config resumes it (its finished steps and shards are not redone). A different config
    starts afresh.
    """
    from pipeline.store.delta import recover

    storage = Storage.of(warehouse)
    if not storage.remote:
        storage.fs.create_dir(storage.root, recursive=True)
    recover(storage, keep=run_id)
    fingerprint = config_fingerprint(config)
    ctx = RunContext(storage.uri(), run_id, ingest_date.isoformat())
    staging = ctx.staging
    meta = None
    if staging.exists():
        meta = json.loads(storage.read_text(staging.run_file))
        if meta.get("fingerprint") != fingerprint or meta.get("ingest_date") != ctx.ingest_date:
            meta = None     # same run id, other work: start it afresh
        elif log:
            log.info("resuming run %s for %s (steps done: %s)", run_id, ctx.ingest_date,
                     ", ".join(staging.step_counts()) or "none")
    if meta is None:
        staging.remove()
        staging.save_config(config)
        storage.write_text(staging.run_file, json.dumps({
            **ctx.to_dict(), "fingerprint": fingerprint, "publish_id": f"broadsheet:{run_id}:{uuid.uuid4().hex[:12]}",
            "started_at": datetime.now(timezone.utc).isoformat()}))
        if log:
            log.info("run %s for %s: staging in %s", run_id, ctx.ingest_date, storage.uri(staging.root))
    return ctx


def working(ctx: RunContext, wait_seconds: float = 0.0, release_at_end: bool = False):
    """Hold the warehouse for this night while a task of it works (renewed every minute). A task
    does not let it go: the night does, when it publishes or records its failure."""
    from pipeline.store.lock import holding
    return holding(ctx.warehouse, ctx.run_id, wait_seconds=wait_seconds, release_at_end=release_at_end)


def run_meta(ctx: RunContext) -> dict[str, Any]:
    return json.loads(ctx.storage.read_text(ctx.staging.run_file))


def shard_ids(shards: Iterable[Shard]) -> list[str]:
    return [s.id for s in shards]
