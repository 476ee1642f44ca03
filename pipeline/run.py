"""The nightly job wired for the command line: the stages in order, shard stages on a process pool.

    plan -> extract (per shard) -> dedup -> enrich (per shard) -> validate -> publish
                                                      any failure -> publish.record_failure

The DAG (`dags/broadsheet_nightly.py`) wires the same stage calls as Airflow tasks.
"""
from __future__ import annotations

import logging
import signal
import threading
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterator

from pipeline.config import Config, default_workers
from pipeline.stages import dedup, enrich, extract, plan, publish, validate
from pipeline.stages.context import RunFailed, night_run_id, open_night
from pipeline.store.lock import holding
from pipeline.store.storage import Storage, WarehouseError, machine_reason
from pipeline.workers import ShardRunner, WorkerLost

log = logging.getLogger("broadsheet.run")

__all__ = ["RunFailed", "ShardRunner", "WorkerLost", "default_workers", "run_all"]


def _import_validation() -> None:
    import pipeline.validate.gx  # noqa: F401
    import great_expectations  # noqa: F401


def _preload_validation() -> threading.Thread:
    """This process waits while the workers' fork server loads the models (starting the pool
    blocks until it has), then while the workers extract and enrich: it imports Great Expectations
    meanwhile (seconds of CPU) instead of after them, when nothing else can run. Started before the
    pool, it runs on the core the fork server leaves idle, not beside every busy worker."""
    thread = threading.Thread(target=_import_validation, name="import-validation", daemon=True)
    thread.start()
    return thread


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


def failure_message(error: BaseException, stage: str | None = None, warehouse: str | Path | None = None) -> str:
    """The one line an operator reads: the night's own reason, the warehouse's, or the exception."""
    if isinstance(error, (RunFailed, WarehouseError)):
        return str(error).splitlines()[0]
    if warehouse is not None:
        from pipeline.store.repair import damaged_file_message
        damaged = damaged_file_message(error, Storage.of(warehouse))
        if damaged:
            return damaged
    reason = machine_reason(error)
    if reason is not None:   # raised by a library that did not say where (Great Expectations' stores)
        where = getattr(error, "filename", None) or (Storage.of(warehouse).uri() if warehouse else "the warehouse")
        return f"{stage + ': ' if stage else ''}cannot write {where}: {reason}"
    return f"{type(error).__name__}: {error}".splitlines()[0]


def run_all(config: Config, warehouse: str | Path, ingest_date: date, run_id: str | None = None,
            on_stage: Callable[[str, dict], None] | None = None, workers: int = 1) -> dict[str, Any]:
    """Every stage in order, shard stages on `workers` processes: what `broadsheet run` and
    `broadsheet ingest` do. A night killed or stopped part-way is resumed by running it again."""
    report = on_stage or (lambda stage, counts: None)
    run_id = night_run_id(str(warehouse), ingest_date, config, run_id)
    stage = "plan"
    preloading = _preload_validation()
    with stopping_on_sigterm(), holding(str(warehouse), run_id), ShardRunner(workers, config.limits) as runner:
        ctx = open_night(str(warehouse), ingest_date, config, run_id, log=log)
        try:
            # Four shards a worker at least, so that a small night keeps every worker busy to the end:
            # with two, the worker left with the last shard of a stage ran alone for a sixth of it.
            report("plan", plan.run(ctx, min_shards=4 * runner.workers if runner.workers > 1 else 1).to_dict())
            shards = ctx.staging.shards()
            stage = "extract"
            report("extract", runner.run("extract", extract.run, ctx, shards, cost=extract.input_bytes).to_dict())
            stage = "dedup"
            report("dedup", dedup.run(ctx).to_dict())
            stage = "enrich"
            report("enrich", runner.run("enrich", enrich.run, ctx, shards, cost=enrich.input_bytes).to_dict())
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
            message = failure_message(exc, stage, warehouse)
            try:
                publish.record_failure(ctx, message)
            except Exception as unrecorded:   # the full disk that failed the night, say
                log.error("run %s failed (%s), and its failure could not be recorded in runs: %s",
                          ctx.run_id, message, failure_message(unrecorded))
            if message != failure_message(exc) and not isinstance(exc, WarehouseError):
                raise WarehouseError(message) from exc
            raise
