"""Running a shard stage over shards in worker processes, each document within its budget.

The CLI runs a night's shards on a pool of N workers; an Airflow task runs its one shard on a pool
of one. Either way the process that owns the pool watches its workers (`pipeline.stages.budget`):
a document over its time budget, or a worker over its memory ceiling, gets its worker killed and is
recorded as a skip; the pool is started again and the unfinished shards are submitted again, and
the shard that held the document turns it into a reject. One document never takes the night down,
and never stalls it.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Callable

from pipeline.progress import PROGRESS_EVERY_SECONDS, duration, progress_log
from pipeline.records import Shard
from pipeline.stages import budget
from pipeline.stages.budget import SLOT_FIELDS, Budgets
from pipeline.stages.context import Counts, RunContext
from pipeline.store.failpoints import failpoint

log = logging.getLogger("broadsheet.run")

WATCH_EVERY_SECONDS = 0.25
# A shard whose worker keeps dying with no document to blame is not tried forever.
MAX_UNEXPLAINED_DEATHS = 3
# What the fork server imports once, so that every worker forked from it starts with it loaded.
# datasketch too: extract signs each article with it (pipeline.stages.dedup imports it only when
# signing, so that the pool's owner never pays for it), and its import takes a second of CPU that
# every worker would pay again; newspaper4k is a fall-back of the extractor chain. pandas too:
# pyarrow imports it on a process's first `pa.array` (to recognise pandas inputs), a fifth of a
# second of CPU in every worker that writes a staged file, which is every worker.
# pipeline.worker_models loads the models themselves, last, once for all the workers.
WORKER_MODULES = ("pipeline.stages.extract", "pipeline.stages.enrich", "pipeline.stages.dedup", "pipeline.extract.html",
                  "pipeline.enrich", "newspaper", "datasketch", "pandas", "pyarrow.pandas_compat",
                  "pipeline.worker_models")

ShardStage = Callable[[RunContext, str], Counts]


class WorkerLost(RuntimeError):
    """Workers kept dying under a shard with no document to blame; the night is resumable, not failed."""


# The settings a worker takes from the process that starts it. Workers are forked from a fork
# server that keeps the environment it started with, which may be older than the pool's.
PASSED_ENVIRONMENT = ("AWS_", "BROADSHEET_", "GX_")


def _settings_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith(PASSED_ENVIRONMENT)}


_owner_of_this_worker: tuple[int, float] | None = None


def _owner_alive() -> bool:
    import psutil
    if _owner_of_this_worker is None:
        return True
    pid, started = _owner_of_this_worker
    try:
        owner = psutil.Process(pid)
        # a killed owner stays a zombie until its own parent reaps it: dead all the same
        return owner.create_time() == started and owner.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _exit_with(owner_pid: int, owner_started: float) -> None:
    """End this worker when the process that owns the pool is gone. A pool worker never notices by
    itself: it holds both ends of its own task queue, so a SIGKILLed owner would leave it (and the
    fork server it came from, which it keeps alive) waiting for work forever, holding its memory,
    or working through the shards already queued for it while a rerun does them again."""
    global _owner_of_this_worker
    _owner_of_this_worker = (owner_pid, owner_started)

    def watch() -> None:
        while _owner_alive():
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="owner-watch", daemon=True).start()


def _shard_task(stage: Callable[[RunContext, str], Counts], ctx: RunContext, shard_id: str) -> Counts:
    """A shard, in a worker: only while the pool's owner lives (it may have died since it queued it)."""
    if not _owner_alive():
        os._exit(1)
    return stage(ctx, shard_id)


def _start_worker(slots, next_row, environment: dict[str, str], owner: tuple[int, float]) -> None:
    """In each worker: end with the pool's owner, take its settings and a slot, quiet the log (the
    pool's owner reports progress). The models are loaded already (the fork server loaded them,
    `pipeline.worker_models`); the calls below only make sure of it, at no cost when they are."""
    _exit_with(*owner)
    for key in [k for k in os.environ if k.startswith(PASSED_ENVIRONMENT) and k not in environment]:
        del os.environ[key]
    os.environ.update(environment)
    from pipeline.store import storage
    storage.s3_filesystem.cache_clear()
    storage._storage.cache_clear()
    with next_row.get_lock():
        row = next_row.value
        next_row.value += 1
    budget.attach(slots, row)
    logging.getLogger().setLevel(logging.WARNING)
    from pipeline.enrich.nlp import load_nlp
    from pipeline.extract.language import load_language_model
    load_nlp()
    load_language_model()


def _owner() -> tuple[int, float]:
    """This process, as its workers recognise it (a pid with its start time: pids are reused)."""
    import psutil
    return os.getpid(), psutil.Process().create_time()


def _nothing() -> None:
    return None


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
                          self.total_documents, rate, duration(left))


class ShardRunner:
    """A pool of worker processes for shard stages, watched so that each document keeps its budget.

    Workers are forked from a fork server, not from this process: delta-rs' runtime and DuckDB's
    threads do not survive a fork of a process that used them. The server imports the stages once,
    each worker loads the models while the plan is made, and the same workers then serve every
    shard of both shard stages.
    """

    def __init__(self, workers: int = 1, budgets: Budgets | None = None):
        self.workers = max(1, int(workers))
        self.budgets = budgets or Budgets()
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(list(WORKER_MODULES))
        self._pool: ProcessPoolExecutor | None = None
        self._start()

    def _start(self) -> None:
        self._slots = self._context.Array("d", self.workers * SLOT_FIELDS, lock=False)
        self._next_row = self._context.Value("i", 0)
        self._pool = ProcessPoolExecutor(self.workers, mp_context=self._context, initializer=_start_worker,
                                         initargs=(self._slots, self._next_row, _settings_environment(), _owner()))
        for _ in range(self.workers):   # start the workers now, so they load while the plan is made
            self._pool.submit(_nothing)

    def _processes(self) -> dict:
        return dict(getattr(self._pool, "_processes", {}) or {})

    def _over_budget(self, codes: dict[float, str]) -> list[tuple[int, str, str, int, str]]:
        """(pid, stage, shard, document, reason) for every worker to stop now."""
        import psutil
        found, now = [], time.monotonic()
        ceiling = self.budgets.worker_memory_mb * 1024 * 1024
        for row in range(self.workers):
            pid, stage, shard, index, started = self._slots[row * SLOT_FIELDS:(row + 1) * SLOT_FIELDS]
            if not pid or not started or shard not in codes:
                continue
            stage_name = budget.STAGE_NAMES[stage]
            if now - started > self.budgets.seconds(stage_name):
                found.append((int(pid), stage_name, codes[shard], int(index),
                              f"timeout: over {self.budgets.seconds(stage_name):g} s"))
                continue
            try:
                resident = psutil.Process(int(pid)).memory_info().rss
            except psutil.Error:
                continue
            if resident > ceiling:
                found.append((int(pid), stage_name, codes[shard], int(index),
                              f"too_large: worker memory over {self.budgets.worker_memory_mb} MB"))
        return found

    def _blame_the_dead(self, codes: dict[float, str], alive: set[int]) -> list[tuple[int, str, str, int, str]]:
        """Documents that dead workers were on (a crash in C code, the kernel's OOM killer)."""
        found = []
        for row in range(self.workers):
            pid, stage, shard, index, started = self._slots[row * SLOT_FIELDS:(row + 1) * SLOT_FIELDS]
            if pid and started and int(pid) not in alive and shard in codes:
                found.append((int(pid), budget.STAGE_NAMES[stage], codes[shard], int(index),
                              "error: the worker died on this document"))
        return found

    def run(self, name: str, stage: ShardStage, ctx: RunContext, shards: list[Shard],
            cost: Callable[[RunContext, Shard], int] | None = None) -> Counts:
        """Every shard through `stage`. With `cost` (a shard's expected work), the costliest are
        handed out first, so the stage does not end with one worker on a long shard and the others
        idle (longest processing time first); the order changes no result."""
        total, progress = Counts(), _Progress(name, shards)
        codes = {budget.shard_code(s.id): s.id for s in shards}
        ordered = sorted(shards, key=lambda s: -cost(ctx, s)) if cost and self.workers > 1 else shards
        remaining = {s.id: s for s in ordered}
        done_before = [s for s in shards if ctx.staging.done(name, s.id)]
        if done_before:    # a resumed night: what an earlier attempt finished is not done again
            progress_log.info("%s: %d of %d shards done before, %d to run", name, len(done_before), len(shards),
                              len(shards) - len(done_before))
            for shard in done_before:
                total.update(ctx.staging.read_counts(name, shard.id))
                remaining.pop(shard.id)
                progress.shard_done(shard)
        unexplained = 0
        while remaining:
            futures: dict[Future, Shard] = {self._pool.submit(_shard_task, stage, ctx, s.id): s for s in remaining.values()}
            stopped: list[tuple[int, str, str, int, str]] = []
            try:
                pending = set(futures)
                while pending:
                    finished, pending = wait(pending, timeout=WATCH_EVERY_SECONDS, return_when=FIRST_COMPLETED)
                    for future in finished:
                        shard = futures[future]
                        total.update(future.result())
                        remaining.pop(shard.id, None)
                        progress.shard_done(shard)
                        failpoint(f"{name}:shard_done")
                    stopped = self._over_budget(codes)
                    if stopped:
                        for pid, *_ in stopped:
                            self._kill(pid)
                        wait(pending, timeout=30)    # the pool breaks once it sees a worker gone
                        raise BrokenProcessPool("a document went over its budget")
            except BrokenProcessPool:
                alive = {p.pid for p in self._processes().values() if p.is_alive()}
                stopped = stopped or self._blame_the_dead(codes, alive)
                self._restart()
                if not stopped:
                    unexplained += 1
                    if unexplained >= MAX_UNEXPLAINED_DEATHS:
                        raise WorkerLost(f"worker processes kept dying during {name} with no document to "
                                         "blame; finished shards are kept: run the night again to resume") from None
                for _pid, stage_name, shard_id, index, reason in stopped:
                    log.warning("%s: shard %s, document %d stopped (%s); it becomes a reject",
                                stage_name, shard_id, index, reason)
                    budget.add_skip(ctx.storage, ctx.staging.skips(stage_name, shard_id), index, reason)
        return total

    def _kill(self, pid: int) -> None:
        for process in self._processes().values():
            if process.pid == pid:
                process.kill()
                process.join(timeout=10)

    def _restart(self) -> None:
        self._shutdown_now()
        self._start()

    def _shutdown_now(self) -> None:
        processes = list(self._processes().values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.kill()
        for process in processes:
            process.join(timeout=10)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def abandon(self) -> None:
        """Stop now: queued shards are cancelled and the workers' current ones abandoned (their
        outputs appear only when a shard finishes, so nothing half-done is kept)."""
        if self._pool is not None:
            self._shutdown_now()
            self._pool = None

    def __enter__(self) -> "ShardRunner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def run_shard(stage_name: str, ctx: RunContext, shard_id: str) -> Counts:
    """One shard in a worker process of its own, watched under the night's budgets: what an Airflow
    task does. The worker is a fresh Python process (`python -m pipeline.workers`), not a
    multiprocessing child: the task may itself run inside a Celery pool process, where
    multiprocessing's state belongs to Celery. The worker says which document it is on through a
    pipe; a document over budget gets the worker killed, is recorded as a skip, and the worker
    starts again on the same shard, which turns the document into a reject."""
    import os
    import subprocess
    import sys
    import psutil

    staging = ctx.staging
    limits = staging.load_config().limits
    unexplained = 0
    while True:
        if staging.done(stage_name, shard_id):
            return staging.read_counts(stage_name, shard_id)
        read_end, write_end = os.pipe()
        worker = subprocess.Popen(
            [sys.executable, "-m", "pipeline.workers", stage_name, ctx.warehouse, ctx.run_id, ctx.ingest_date,
             shard_id, str(write_end)], pass_fds=(write_end,))
        os.close(write_end)
        current: dict[str, object] = {}

        def listen() -> None:
            with open(read_end, encoding="ascii") as lines:
                for line in lines:
                    words = line.split()
                    if words[0] == "start":
                        current.update(index=int(words[2]), started=time.monotonic())
                    else:
                        current.clear()

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        stopped = None
        while worker.poll() is None:
            time.sleep(WATCH_EVERY_SECONDS)
            index, started = current.get("index"), current.get("started")
            if index is None:
                continue
            if time.monotonic() - started > limits.seconds(stage_name):
                stopped = (index, f"timeout: over {limits.seconds(stage_name):g} s")
            else:
                try:
                    resident = psutil.Process(worker.pid).memory_info().rss
                except psutil.Error:
                    resident = 0
                if resident > limits.worker_memory_mb * 1024 * 1024:
                    stopped = (index, f"too_large: worker memory over {limits.worker_memory_mb} MB")
            if stopped:
                worker.kill()
                worker.wait()
        listener.join(timeout=5)
        if worker.returncode == 0 and stopped is None:
            continue                       # done: its counts are read at the top of the loop
        if stopped is None and current.get("index") is not None:
            stopped = (current["index"], "error: the worker died on this document")
        if stopped is None:
            unexplained += 1
            if unexplained >= MAX_UNEXPLAINED_DEATHS:
                raise WorkerLost(f"the worker for shard {shard_id} kept failing (exit {worker.returncode}) "
                                 "with no document to blame; see its log")
            continue
        log.warning("%s: shard %s, document %d stopped (%s); it becomes a reject", stage_name, shard_id, *stopped)
        budget.add_skip(ctx.storage, staging.skips(stage_name, shard_id), stopped[0], stopped[1])


def _worker_main(argv: list[str]) -> int:
    """`python -m pipeline.workers STAGE WAREHOUSE RUN_ID DATE SHARD FD`: one shard, reporting on FD."""
    stage_name, warehouse, run_id, ingest_date, shard_id, fd = argv
    logging.basicConfig(level=logging.WARNING)
    budget.attach_pipe(int(fd))
    # what a pool worker has loaded before its first document, so that no document pays for it
    import importlib
    for module in WORKER_MODULES:     # the last of them loads the models
        importlib.import_module(module)
    from pipeline.stages import enrich, extract
    stage = {"extract": extract.run, "enrich": enrich.run}[stage_name]
    stage(RunContext(warehouse, run_id, ingest_date), shard_id)
    return 0


if __name__ == "__main__":
    import sys
    sys.exit(_worker_main(sys.argv[1:]))
