"""What every stage is given: the run context, and the `Staging` area that names every staged file.

A night's work is staged under `WAREHOUSE/_staging/<run_id>/` and handed from stage to stage
through files, never through memory, so that stages can run one after another in one process, in
a pool of processes, or as Airflow tasks on different machines that share the warehouse:

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
    dedup/<shard>.parquet                        the shard's articles that dedup kept, with cluster ids
    dedup/rejects.parquet  dedup/signatures.parquet
    enrich/<shard>/<table>.parquet               articles, entities and quotes after enrichment
    validate/rejects.parquet  final/<table>.parquet  what publishing swaps in
    counts/<step>.json  counts/<step>/<shard>.json   what each step did; written last, so a step
                                                     (or a shard of it) with counts is done
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import uuid
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from pipeline.config import Config
from pipeline.records import Shard

# The steps of a night in order; a step that starts afresh forgets what the later ones staged.
STEPS = ("plan", "extract", "dedup", "enrich", "validate")
SHARD_STEPS = ("extract", "enrich")


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


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class Staging:
    """The staged files of one run, each named here once (see the module docstring for the layout)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    # the night
    @property
    def run_file(self) -> Path:
        return self.root / "run.json"

    @property
    def config_file(self) -> Path:
        return self.root / "config.json"

    @property
    def failure_file(self) -> Path:
        return self.root / "failure.txt"

    @property
    def failed_run(self) -> Path:
        return self.root / "failed-run.parquet"

    # plan
    @property
    def shard_list(self) -> Path:
        return self.root / "plan" / "shards.json"

    def shard_inputs(self, shard_id: str) -> Path:
        return self.root / "plan" / "inputs" / f"{shard_id}.jsonl"

    def plan_rejects(self, source: str) -> Path:
        return self.root / "plan" / "rejects" / f"{safe_name(source)}.parquet"

    @property
    def downloads(self) -> Path:
        return self.root / "plan" / "downloads"

    # per shard
    def extracted(self, shard_id: str) -> Path:
        return self.root / "extract" / shard_id / "articles.parquet"

    def signatures(self, shard_id: str) -> Path:
        return self.root / "extract" / shard_id / "signatures.parquet"

    def extract_rejects(self, shard_id: str) -> Path:
        return self.root / "extract" / shard_id / "rejects.parquet"

    def deduped(self, shard_id: str) -> Path:
        return self.root / "dedup" / f"{shard_id}.parquet"

    def enriched(self, shard_id: str, table: str) -> Path:
        return self.root / "enrich" / shard_id / f"{table}.parquet"

    # once per night
    @property
    def dedup_rejects(self) -> Path:
        return self.root / "dedup" / "rejects.parquet"

    @property
    def dedup_signatures(self) -> Path:
        return self.root / "dedup" / "signatures.parquet"

    @property
    def validate_rejects(self) -> Path:
        return self.root / "validate" / "rejects.parquet"

    def final(self, table: str) -> Path:
        return self.root / "final" / f"{table}.parquet"

    # config and shards
    def save_config(self, config: Config) -> None:
        _write_atomic(self.config_file, json.dumps(config.to_dict(), sort_keys=True))

    def load_config(self) -> Config:
        return Config.from_dict(json.loads(self.config_file.read_text(encoding="utf-8")))

    def save_shards(self, shards: list[Shard]) -> None:
        _write_atomic(self.shard_list, json.dumps([asdict(s) for s in shards]))

    def shards(self) -> list[Shard]:
        """The night's shards in plan order (the order every later step reads them in)."""
        return [Shard(**s) for s in json.loads(self.shard_list.read_text(encoding="utf-8"))]

    def shard(self, shard_id: str) -> Shard:
        for shard in self.shards():
            if shard.id == shard_id:
                return shard
        raise KeyError(f"no shard {shard_id!r} in the plan of {self.root.name}")

    def all_rejects(self) -> list[Path]:
        """Every staged rejects file, in a stable order: planning, shards in plan order, dedup, validation."""
        paths = sorted((self.root / "plan" / "rejects").glob("*.parquet"))
        paths += [self.extract_rejects(s.id) for s in self.shards()]
        paths += [self.dedup_rejects, self.validate_rejects]
        return [p for p in paths if p.exists()]

    # what each step did
    def counts_file(self, step: str, shard_id: str | None = None) -> Path:
        if shard_id is None:
            return self.root / "counts" / f"{step}.json"
        return self.root / "counts" / step / f"{shard_id}.json"

    def done(self, step: str, shard_id: str | None = None) -> bool:
        return self.counts_file(step, shard_id).exists()

    def write_counts(self, step: str, counts: Counts, shard_id: str | None = None) -> Counts:
        _write_atomic(self.counts_file(step, shard_id), json.dumps(counts.to_dict()))
        return counts

    def read_counts(self, step: str, shard_id: str | None = None) -> Counts:
        return Counts(json.loads(self.counts_file(step, shard_id).read_text(encoding="utf-8")))

    def step_counts(self) -> dict[str, dict[str, int]]:
        """Each finished step's counts, shard counts summed, so the total does not depend on sharding."""
        totals: dict[str, Counts] = {}
        for step in STEPS:
            if step in SHARD_STEPS:
                files = sorted((self.root / "counts" / step).glob("*.json"))
                if files:
                    totals[step] = Counts()
                    for path in files:
                        totals[step].update(json.loads(path.read_text(encoding="utf-8")))
            elif self.done(step):
                totals[step] = self.read_counts(step)
        return {step: counts.to_dict() for step, counts in totals.items()}

    def forget_after(self, step: str) -> None:
        """A night-level step starting afresh: what it and the later steps staged was made from old input."""
        outputs = {"plan": ["plan"], "extract": ["extract"], "dedup": ["dedup"], "enrich": ["enrich"],
                   "validate": ["validate", "final"]}
        for name in STEPS[STEPS.index(step):]:
            for folder in outputs[name]:
                shutil.rmtree(self.root / folder, ignore_errors=True)
            shutil.rmtree(self.root / "counts" / name, ignore_errors=True)
            self.counts_file(name).unlink(missing_ok=True)


@dataclass
class RunContext:
    """The run a stage works for; plain strings, so it travels through Airflow's XCom as is."""

    warehouse: str
    run_id: str
    ingest_date: str            # ISO date

    @property
    def date(self) -> date:
        return date.fromisoformat(self.ingest_date)

    @property
    def staging(self) -> Staging:
        from pipeline.store.parquet import staging_dir
        return Staging(staging_dir(Path(self.warehouse), self.run_id))

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def config_fingerprint(config: Config) -> str:
    """Two nights with the same fingerprint were asked for the same work (paths and settings)."""
    data = {k: v for k, v in config.to_dict().items() if k != "path"}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _resumable(warehouse: Path, ingest_date: date, fingerprint: str) -> str | None:
    """The newest unfinished run of the same night with the same config: a killed night to resume."""
    root = warehouse / "_staging"
    found = []
    for run_file in root.glob("*/run.json") if root.is_dir() else ():
        try:
            meta = json.loads(run_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if meta.get("ingest_date") == ingest_date.isoformat() and meta.get("fingerprint") == fingerprint:
            found.append((meta.get("started_at", ""), meta["run_id"]))
    return max(found)[1] if found else None


def open_night(warehouse: str | Path, ingest_date: date, config: Config, run_id: str | None = None,
               log=None) -> RunContext:
    """Repair what an interrupted publish left, then open this night's staging area.

    A night killed before it published left its staging behind: running the same night again with
    the same config resumes it (its finished steps and shards are not redone). An explicit run id
    (Airflow's) resumes only its own staging; a different config starts afresh.
    """
    from pipeline.store.parquet import recover

    warehouse = Path(warehouse)
    warehouse.mkdir(parents=True, exist_ok=True)
    recover(warehouse)
    fingerprint = config_fingerprint(config)
    run_id = safe_name(run_id) if run_id else (_resumable(warehouse, ingest_date, fingerprint)
                                               or new_run_id(ingest_date))
    ctx = RunContext(str(warehouse), run_id, ingest_date.isoformat())
    staging = ctx.staging
    meta = None
    if staging.run_file.exists():
        meta = json.loads(staging.run_file.read_text(encoding="utf-8"))
        if meta.get("fingerprint") != fingerprint or meta.get("ingest_date") != ctx.ingest_date:
            shutil.rmtree(staging.root)     # same run id, other work: start it afresh
            meta = None
        elif log:
            log.info("resuming run %s for %s (steps done: %s)", run_id, ctx.ingest_date,
                     ", ".join(staging.step_counts()) or "none")
    if meta is None:
        if staging.root.exists():
            shutil.rmtree(staging.root)
        staging.root.mkdir(parents=True)
        staging.save_config(config)
        _write_atomic(staging.run_file, json.dumps({
            **ctx.to_dict(), "fingerprint": fingerprint, "started_at": datetime.now(timezone.utc).isoformat()}))
        if log:
            log.info("run %s for %s: staging in %s", run_id, ctx.ingest_date, staging.root)
    return ctx


def run_meta(ctx: RunContext) -> dict[str, Any]:
    return json.loads(ctx.staging.run_file.read_text(encoding="utf-8"))


def shard_ids(shards: Iterable[Shard]) -> list[str]:
    return [s.id for s in shards]
