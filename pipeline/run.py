"""The nightly job wired for the command line: the stages in order, shard stages on a process pool.

    plan -> extract (per shard) -> dedup -> enrich (per shard) -> validate -> publish
                                                      any failure -> publish.record_failure

The DAG (`dags/broadsheet_nightly.py`) wires the same stage calls as Airflow tasks.
"""
from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
import time
from contextlib import contextmanager
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterator

from pipeline.config import Config, default_workers
from pipeline.records import Shard
from pipeline.stages import dedup, enrich, extract, plan, publish, validate
from pipeline.stages.context import Counts, RunContext, RunFailed, night_run_id, open_night
from pipeline.store.lock import holding

log = logging.getLogger("broadsheet.run")
progress_log = logging.getLogger("broadsheet.progress")

PROGRESS_EVERY_SECONDS = 5.0
ShardStage = Callable[[RunContext, str], Counts]

__all__ = ["RunFailed", "ShardRunner", "WorkerLost", "default_workers", "run_all"]


# What the fork server imports once, so that every worker forked from it starts with it loaded.
WORKER_MODULES = ("pipeline.stages.extract", "pipeline.stages.enrich", "pipeline.extract.html", "pipeline.enrich")


def _warm_up_worker() -> None:
    """Load what every shard needs once per worker process: the spaCy model (the code is preloaded)."""
    logging.getLogger().setLevel(logging.WARNING)   # the parent reports progress; workers stay quiet
    from pipeline.enrich.nlp import load_nlp
    load_nlp()


def _nothing() -> None:
    return None


def _import_validation() -> None:
    import pipeline.validate.gx  # noqa: F401
    import great_expectations  # noqa: F401


def _preload_validation(workers: int) -> threading.Thread | None:
    """With a pool, this process waits while the workers extract and enrich: it imports Great
    Expectations meanwhile (seconds of CPU) instead of after them, when nothing else can run."""
    if workers <= 1:
        return None
    thread = threading.Thread(target=_import_validation, name="import-validation", daemon=True)
    thread.start()
    return thread


class WorkerLost(RuntimeError):
    """A worker process died under a shard; the night is resumable, not failed."""


class _Progress:
    """Shards done of total, documents per second and the time left, on the `broadsheet.progress` log."""

    def __init__(self, stage: str, shards: list[Shard]):
        self.stage, self.total_shards = stage, len(shards)
        self.total_documents = sum(s.documents for s in shards)
        self.shards_done = self.documents_done = 0
        self.started = self._last = time.monotonic()

    def shard_done(self, shard: Shard) -> None:
        self.shards_done += 1
        self.documents_done += shard.documents
        now = time.monotonic()
        if now - self._last < PROGRESS_EVERY_SECONDS and self.shards_done < self.total_shards:
            return
        self._last = now
        elapsed = max(now - self.started, 1e-9)
        rate = self.documents_done / elapsed
        left = (self.total_documents - self.documents_done) / rate if rate else 0.0
        progress_log.info("%s: %d/%d shards, %d/%d documents, %.1f documents/s, about %s left",
                          self.stage, self.shards_done, self.total_shards, self.documents_done,
                          self.total_documents, rate, _duration(left))


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class ShardRunner:
    """Runs a shard stage over all shards: here, with one worker, or on a pool of worker processes.

    Workers are forked from a fork server, not from this process: delta-rs' runtime and DuckDB's
    threads do not survive a fork of a process that used them. The server imports the stages once,
    each worker loads the models while the plan is made, and the same workers then serve every
    shard of both shard stages.
    """

    def __init__(self, workers: int = 1):
        self.workers = max(1, int(workers))
        self._pool: ProcessPoolExecutor | None = None
        if self.workers > 1:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(list(WORKER_MODULES))
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_warm_up_worker)
            for _ in range(self.workers):   # start the workers now, so they load while the plan is made
                self._pool.submit(_nothing)

    def run(self, name: str, stage: ShardStage, ctx: RunContext, shards: list[Shard]) -> Counts:
        total, progress = Counts(), _Progress(name, shards)
        if self._pool is None:
            for shard in shards:
                total.update(stage(ctx, shard.id))
                progress.shard_done(shard)
            return total
        futures = {self._pool.submit(stage, ctx, shard.id): shard for shard in shards}
        try:
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    total.update(future.result())
                    progress.shard_done(futures[future])
        except BrokenProcessPool:
            raise WorkerLost(f"a worker process died during {name} (killed, or out of memory); "
                             "finished shards are kept: run the night again to resume") from None
        finally:
            for future in futures:
                future.cancel()
        return total

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def abandon(self) -> None:
        """Stop now: queued shards are cancelled and the workers' current ones abandoned (their
        outputs appear only when a shard finishes, so nothing half-done is kept)."""
        if self._pool is None:
            return
        processes = list(getattr(self._pool, "_processes", {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.kill()
        for process in processes:
            process.join(timeout=10)
        self._pool = None

    def __enter__(self) -> "ShardRunner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Interrupted(KeyboardInterrupt):
    """The night was asked to stop (SIGTERM): an orderly stop that keeps what was done."""


@contextmanager
def stopping_on_sigterm() -> Iterator[None]:
    """SIGTERM (a service manager, `kill`) stops the night like Ctrl-C: the work in progress is
    abandoned, what was finished is kept for the rerun to resume."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise Interrupted(f"stopped by signal {signal.Signals(signum).name}")

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_all(config: Config, warehouse: str | Path, ingest_date: date, run_id: str | None = None,
            on_stage: Callable[[str, dict], None] | None = None, workers: int = 1) -> dict[str, Any]:
    """Every stage in order, shard stages on `workers` processes: what `broadsheet run` and
    `broadsheet ingest` do. A night killed or stopped part-way is resumed by running it again."""
    report = on_stage or (lambda stage, counts: None)
    run_id = night_run_id(str(warehouse), ingest_date, config, run_id)
    stage = "plan"
    with stopping_on_sigterm(), holding(str(warehouse), run_id), ShardRunner(workers) as runner:
        ctx = open_night(str(warehouse), ingest_date, config, run_id, log=log)
        try:
            # Two shards a worker at least, so that a small night keeps every worker busy to the end.
            report("plan", plan.run(ctx, min_shards=2 * runner.workers if runner.workers > 1 else 1).to_dict())
            shards = ctx.staging.shards()
            preloading = _preload_validation(runner.workers)
            stage = "extract"
            report("extract", runner.run("extract", extract.run, ctx, shards).to_dict())
            stage = "dedup"
            report("dedup", dedup.run(ctx).to_dict())
            stage = "enrich"
            report("enrich", runner.run("enrich", enrich.run, ctx, shards).to_dict())
            if preloading is not None:
                preloading.join()
            stage = "validate"
            report("validate", validate.run(ctx).to_dict())
            stage = "publish"
            summary = publish.run(ctx)
            report("publish", summary)
            return summary
        except (KeyboardInterrupt, WorkerLost) as stopped:
            # Interrupted, not wrong: the staging stays, and running the night again resumes it.
            runner.abandon()
            why = str(stopped) or "interrupted"
            publish.record_interruption(ctx, stage, why)
            log.warning("run %s %s during %s; its finished work is kept: run the night again to resume",
                        ctx.run_id, why, stage)
            raise
        except BaseException as exc:
            message = str(exc) if isinstance(exc, RunFailed) else f"{type(exc).__name__}: {exc}"
            publish.record_failure(ctx, message)
            raise
