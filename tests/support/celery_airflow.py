"""Airflow 3 with the CeleryExecutor, for tests: every component a real process on this machine.

    metadata DB      a fresh PostgreSQL database (dropped at the end)
    broker           Redis: a random database number and a key prefix of our own (keys deleted at the end)
    result backend   the same PostgreSQL database (db+postgresql://), as Airflow recommends
    processes        api-server, scheduler, dag-processor and N `airflow celery worker`s, each in its
                     own process group with its output in HOME/process-logs/<name>.log; task logs in
                     HOME/logs

Workers run tasks through the Task SDK: the executor signs a JWT for each workload with the shared
`[api_auth] jwt_secret`, the worker's task supervisor presents it to the API server's execution API
(`[core] execution_api_server_url`) to start the task, heartbeat and report the result. Each worker
reports its own hostname (`[core] hostname_callable`), so task instances record which worker ran them.

A killed worker is noticed quickly (see `FAST_FAILOVER`): its task instance stops heart-beating and
the scheduler fails that try after `task_instance_heartbeat_timeout`, then the retry is queued after
the (shortened) retry delay and runs on a worker that is alive.

Use from pytest (the fixtures live in this module and are imported by tests/conftest.py):

    @pytest.fixture(scope="module")
    def celery_worker_env(tmp_path_factory):      # optional: variables the workers start with
        return {"BROADSHEET_WAREHOUSE": "...", "BROADSHEET_CONFIG": "..."}

    def test_night(celery_airflow):
        run_id = celery_airflow.trigger("broadsheet_nightly", "2026-11-25", conf={})
        assert celery_airflow.wait_for_run("broadsheet_nightly", run_id) == "success"
        celery_airflow.task_instances("broadsheet_nightly", run_id)   # [TaskInstanceRecord(...), ...]

or without pytest: `with CeleryAirflow(home, worker_env={...}) as cluster: ...`.
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterable

import pytest

from support.s3server import free_port, tail
from support.services import (PostgresDatabase, RedisKeyspace, create_database, new_keyspace,
                              postgres_server, redis_server)  # noqa: F401  (fixtures re-exported)

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
AIRFLOW_SITE = Path(__file__).with_name("airflow_site")   # airflow_local_settings.py, harness_hostname.py

# Timings that make a lost worker cost seconds, not the production minutes. Each is an Airflow setting.
FAST_FAILOVER = {
    # the task supervisor on the worker heartbeats the API server this often ...
    "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "3",
    # ... and a RUNNING task instance whose last heartbeat is older than this is failed by the
    # scheduler (and retried if it has retries left): ten missed heartbeats, not one slow one
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "30",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
    # a message a dead worker had taken but not yet started goes back to the queue after this; it
    # must stay longer than the longest task (a redelivered message of a task still running on a
    # live worker is ignored by Airflow 3.3 (TaskAlreadyRunningError), but it costs a worker slot)
    "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT": "120",
    # the backstop for a task instance stuck QUEUED (message lost): failed/requeued after this.
    # It is also the lifetime of the workload's JWT, so it must cover the wait in the queue.
    "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "240",
    "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT_CHECK_INTERVAL": "30",
}


# Settings that every Airflow process of one deployment must share (same names, same values). The
# harness sets each of them; docker/docker-compose.yml must set each for every Airflow service
# (tests/test_docker.py checks it).
SHARED_SETTINGS = (
    "AIRFLOW__CORE__EXECUTOR",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
    "AIRFLOW__CELERY__BROKER_URL",
    "AIRFLOW__CELERY__RESULT_BACKEND",
    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
    "AIRFLOW__API_AUTH__JWT_SECRET",
    "AIRFLOW__API__SECRET_KEY",
    "AIRFLOW__CORE__FERNET_KEY",
    "AIRFLOW__CORE__DAGS_FOLDER",
    "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER",
    "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT",
)


class ClusterError(RuntimeError):
    """The cluster did not start or a run did not finish; the message has the reason and log tails."""


@dataclass(frozen=True)
class TaskInstanceRecord:
    task_id: str
    map_index: int
    state: str | None
    try_number: int
    hostname: str | None
    start_date: datetime | None = None
    end_date: datetime | None = None


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log_path: Path
    killed: bool = False

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None


def _http(method: str, url: str, body: Any = None, timeout: float = 30.0, token: str | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw)
        except ValueError:
            return error.code, raw.decode(errors="replace")


def _process_tree(pid: int) -> list[int]:
    import psutil
    try:
        parent = psutil.Process(pid)
        return [pid] + [child.pid for child in parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


class CeleryAirflow:
    """Airflow 3.3 with the CeleryExecutor: start(), use, stop(). Also a context manager."""

    def __init__(self, home: Path, *, dags_folder: Path = ROOT / "dags", workers: Iterable[str] = ("worker-a", "worker-b"),
                 worker_concurrency: int = 1, env: dict[str, str] | None = None,
                 worker_env: dict[str, str] | None = None, retry_delay_seconds: float | None = 3,
                 settings: dict[str, str] | None = None, startup_timeout: float = 420.0):
        self.home = Path(home)
        self.dags_folder = Path(dags_folder)
        self.worker_names = list(workers)
        if len(set(self.worker_names)) != len(self.worker_names):
            raise ValueError(f"worker names must be distinct: {self.worker_names}")
        self.worker_concurrency = worker_concurrency
        self.extra_env = dict(env or {})
        self.worker_env = dict(worker_env or {})
        self.retry_delay_seconds = retry_delay_seconds
        self.settings = {**FAST_FAILOVER, **(settings or {})}
        self.startup_timeout = startup_timeout
        self.database: PostgresDatabase | None = None
        self.keyspace: RedisKeyspace | None = None
        self.api_port: int | None = None
        self.processes: dict[str, Process] = {}
        self.env: dict[str, str] = {}
        self.api_user, self._api_password, self._token = "harness", secrets.token_urlsafe(16), None
        self.startup_seconds: float | None = None

    # ------------------------------------------------------------------ set-up

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def broker_url(self) -> str:
        return self.keyspace.url

    def _base_env(self) -> dict[str, str]:
        from cryptography.fernet import Fernet
        inherited = {k: v for k, v in os.environ.items()
                     if not k.startswith(("AIRFLOW", "BROADSHEET_", "CELERY_HARNESS_"))}
        pythonpath = os.pathsep.join(p for p in (str(AIRFLOW_SITE), os.environ.get("PYTHONPATH")) if p)
        env = {
            **inherited,
            "PYTHONPATH": pythonpath,
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
            # the workers' task supervisors reach the API server here (Task SDK, Airflow 3)
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url}/execution/",
            "AIRFLOW__API__BASE_URL": self.api_url,
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.api_port),
            "AIRFLOW__API__SECRET_KEY": secrets.token_hex(16),
            # one secret for all: the scheduler signs workload tokens, the API server checks them
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
            # the REST API's user (SimpleAuthManager, Airflow's default): the harness logs in as it
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{self.api_user}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.home / "passwords.json"),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.database.sqlalchemy_url("psycopg2"),
            "AIRFLOW__CELERY__BROKER_URL": self.keyspace.url,
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + self.database.sqlalchemy_url("psycopg2"),
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(self.worker_concurrency),
            "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",
            "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__GLOBAL_KEYPREFIX": self.keyspace.prefix,
            # runs start only when a test triggers them, not from the DAG's schedule
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.home / "logs"),
            "GX_ANALYTICS_ENABLED": "false",
            "SCARF_ANALYTICS": "false",
            "DO_NOT_TRACK": "true",
            **self.settings,
            **self.extra_env,
        }
        if self.retry_delay_seconds is not None:
            env["CELERY_HARNESS_RETRY_DELAY_SECONDS"] = str(self.retry_delay_seconds)
        return env

    def start(self) -> "CeleryAirflow":
        started = time.monotonic()
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "process-logs").mkdir(exist_ok=True)
        try:
            self.database = create_database("broadsheet_airflow")
            self.keyspace = new_keyspace()
            self.api_port = free_port()
            self.env = self._base_env()
            (self.home / "passwords.json").write_text(json.dumps({self.api_user: self._api_password}))
            self._migrate()
            self._spawn("api-server", ["api-server", "--host", "127.0.0.1", "--port", str(self.api_port)])
            self._spawn("scheduler", ["scheduler"])
            self._spawn("dag-processor", ["dag-processor"])
            for name in self.worker_names:
                self.start_worker(name, wait=False)
            deadline = started + self.startup_timeout
            self._wait_healthy(deadline)
            for name in self.worker_names:
                self._wait_worker(name, deadline)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def _migrate(self) -> None:
        log_path = self.home / "process-logs" / "db-migrate.log"
        with open(log_path, "wb") as log:
            result = subprocess.run([str(BIN / "airflow"), "db", "migrate"], env=self.env, cwd=self.home,
                                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=600)
        if result.returncode != 0:
            raise ClusterError(f"airflow db migrate failed ({result.returncode}): {tail(log_path)}")

    def _spawn(self, name: str, args: list[str], extra_env: dict[str, str] | None = None) -> Process:
        log_path = self.home / "process-logs" / f"{name}.log"
        with open(log_path, "ab") as log:
            popen = subprocess.Popen([str(BIN / "airflow"), *args], env={**self.env, **(extra_env or {})},
                                     cwd=self.home, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        process = Process(name, popen, log_path)
        self.processes[name] = process
        return process

    def start_worker(self, name: str, wait: bool = True, timeout: float = 180.0) -> Process:
        """Start (or restart) the worker `name`: its own Celery node name and reported hostname."""
        old = self.processes.get(name)
        if old and old.alive:
            raise ClusterError(f"worker {name} is already running (pid {old.popen.pid})")
        process = self._spawn(name, ["celery", "worker", "--celery-hostname", f"{name}@%h",
                                     "--concurrency", str(self.worker_concurrency), "--skip-serve-logs"],
                              extra_env={**self.worker_env,
                                         "AIRFLOW__CORE__HOSTNAME_CALLABLE": "harness_hostname.hostname",
                                         "CELERY_HARNESS_HOSTNAME": name})
        if wait:
            self._wait_worker(name, time.monotonic() + timeout)
        return process

    def _check_processes(self) -> None:
        dead = [p for p in self.processes.values() if not p.alive and not p.killed]
        if dead:
            raise ClusterError("; ".join(f"{p.name} exited with {p.popen.returncode}: {tail(p.log_path, 2000)}"
                                         for p in dead))

    def health(self) -> dict[str, Any]:
        status, body = _http("GET", f"{self.api_url}/api/v2/monitor/health")
        return body if status == 200 and isinstance(body, dict) else {}

    def api(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """Call the REST API (path under /api/v2) as the harness user."""
        if self._token is None:
            status, answer = _http("POST", f"{self.api_url}/auth/token",
                                   {"username": self.api_user, "password": self._api_password})
            if status not in (200, 201):
                raise ClusterError(f"logging in to the API server failed ({status}): {answer}")
            self._token = answer["access_token"]
        return _http(method, f"{self.api_url}/api/v2/{path.lstrip('/')}", body, token=self._token)

    def _wait_healthy(self, deadline: float) -> None:
        wanted = ("metadatabase", "scheduler", "dag_processor")
        health: dict[str, Any] = {}
        while time.monotonic() < deadline:
            self._check_processes()
            try:
                health = self.health()
                if health and all((health.get(part) or {}).get("status") == "healthy" for part in wanted):
                    if _http("GET", f"{self.api_url}/execution/health")[0] == 200:
                        return
            except (urllib.error.URLError, OSError):   # not listening yet, or still loading
                health = {}
            time.sleep(1)
        raise ClusterError(f"Airflow not healthy within {self.startup_timeout:.0f} s (health: {health}); "
                           + self.describe_logs())

    def ping_workers(self, timeout: float = 2.0) -> set[str]:
        """Names of the workers that answer a Celery ping through the broker."""
        from celery import Celery
        app = Celery("harness-ping", broker=self.keyspace.url)
        app.conf.broker_transport_options = {"global_keyprefix": self.keyspace.prefix}
        try:
            replies = app.control.ping(timeout=timeout) or []
        finally:
            app.close()
        return {node.split("@", 1)[0] for reply in replies for node in reply}

    def _wait_worker(self, name: str, deadline: float) -> None:
        while time.monotonic() < deadline:
            self._check_processes()
            if name in self.ping_workers():
                return
            time.sleep(1)
        raise ClusterError(f"worker {name} did not answer a Celery ping: {tail(self.processes[name].log_path)}")

    # ------------------------------------------------------------------ use

    def wait_for_dag(self, dag_id: str, timeout: float = 180.0) -> dict[str, Any]:
        """Until the dag-processor has parsed and stored `dag_id`; unpauses it."""
        deadline = time.monotonic() + timeout
        body: Any = None
        while time.monotonic() < deadline:
            self._check_processes()
            status, body = self.api("GET", f"dags/{dag_id}")
            if status == 200:
                if body.get("is_paused"):
                    self.api("PATCH", f"dags/{dag_id}", {"is_paused": False})
                return body
            time.sleep(1)
        errors = self.api("GET", "importErrors")[1]
        raise ClusterError(f"DAG {dag_id} not parsed within {timeout:.0f} s: {body}; import errors: {errors}; "
                           + self.describe_logs(("dag-processor",)))

    def trigger(self, dag_id: str, logical_date: date | datetime | str, conf: dict | None = None,
                run_id: str | None = None) -> str:
        """Create a DAG run through the REST API; returns its run_id."""
        self.wait_for_dag(dag_id)
        if isinstance(logical_date, str):
            logical_date = (datetime.fromisoformat(logical_date) if "T" in logical_date
                            else date.fromisoformat(logical_date))
        if not isinstance(logical_date, datetime):
            logical_date = datetime(logical_date.year, logical_date.month, logical_date.day, tzinfo=timezone.utc)
        if logical_date.tzinfo is None:
            logical_date = logical_date.replace(tzinfo=timezone.utc)
        body = {"logical_date": logical_date.isoformat(), "conf": conf or {}}
        if run_id:
            body["dag_run_id"] = run_id
        status, answer = self.api("POST", f"dags/{dag_id}/dagRuns", body)
        if status != 200:
            raise ClusterError(f"triggering {dag_id} failed ({status}): {answer}")
        return answer["dag_run_id"]

    def run_state(self, dag_id: str, run_id: str) -> str | None:
        quoted = urllib.parse.quote(run_id, safe="")
        status, body = self.api("GET", f"dags/{dag_id}/dagRuns/{quoted}")
        if status != 200:
            raise ClusterError(f"reading run {run_id} failed ({status}): {body}")
        return body["state"]

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 600.0) -> str:
        """The run's final state ('success' or 'failed'); ClusterError with details on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_processes()
            state = self.run_state(dag_id, run_id)
            if state in ("success", "failed"):
                return state
            time.sleep(1)
        rows = "; ".join(f"{t.task_id}[{t.map_index}] {t.state} try {t.try_number} on {t.hostname}"
                         for t in self.task_instances(dag_id, run_id))
        raise ClusterError(f"run {run_id} not finished within {timeout:.0f} s: {rows}; " + self.describe_logs())

    _TI_COLUMNS = "task_id, map_index, state, try_number, hostname, start_date, end_date"

    def task_instances(self, dag_id: str, run_id: str) -> list[TaskInstanceRecord]:
        """Every task instance of the run as the metadata DB has it now (latest try of each)."""
        rows = self.database.query(f"SELECT {self._TI_COLUMNS} FROM task_instance WHERE dag_id = %s AND run_id = %s "
                                   "ORDER BY task_id, map_index", (dag_id, run_id))
        return [TaskInstanceRecord(**row) for row in rows]

    def task_tries(self, dag_id: str, run_id: str) -> list[TaskInstanceRecord]:
        """Every try of every task instance: the finished earlier tries (task_instance_history) and the latest."""
        rows = self.database.query(
            f"SELECT {self._TI_COLUMNS} FROM task_instance_history WHERE dag_id = %(d)s AND run_id = %(r)s "
            f"UNION ALL SELECT {self._TI_COLUMNS} FROM task_instance WHERE dag_id = %(d)s AND run_id = %(r)s "
            "ORDER BY task_id, map_index, try_number", {"d": dag_id, "r": run_id})
        return [TaskInstanceRecord(**row) for row in rows]

    def kill_worker(self, name: str) -> list[int]:
        """SIGKILL the worker and everything it started (pool processes, task supervisors, tasks):
        what losing its machine looks like. Returns the pids killed."""
        process = self.processes[name]
        pids = _process_tree(process.popen.pid)
        process.killed = True
        try:
            os.killpg(process.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for pid in pids:        # anything that left the process group
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.popen.wait(timeout=30)
        return pids

    # ------------------------------------------------------------------ tear-down

    def describe_logs(self, names: Iterable[str] | None = None, chars: int = 1500) -> str:
        chosen = [self.processes[n] for n in (names or self.processes) if n in self.processes]
        return " | ".join(f"{p.name} ({'alive' if p.alive else f'exit {p.popen.returncode}'}): "
                          f"{tail(p.log_path, chars)}" for p in chosen)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop every process (SIGTERM, then SIGKILL), drop the database, delete the broker keys."""
        running = [p for p in self.processes.values() if p.alive]
        for process in running:
            try:
                os.killpg(process.popen.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + timeout
        for process in running:
            try:
                process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for process in self.processes.values():   # stragglers, and children left in the group
            try:
                os.killpg(process.popen.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            if process.popen.poll() is None:
                process.popen.wait(timeout=30)
        if self.database:
            try:
                self.database.drop()
            finally:
                self.database = None
        if self.keyspace:
            try:
                self.keyspace.clear()
            except Exception:   # Redis gone: nothing of ours is left to delete
                pass

    def __enter__(self) -> "CeleryAirflow":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


@pytest.fixture(scope="module")
def celery_worker_env() -> dict[str, str]:
    """Environment the Celery workers start with; override in a test module (module scope)."""
    return {}


@pytest.fixture(scope="module")
def celery_airflow(tmp_path_factory, postgres_server, redis_server, celery_worker_env):
    """One Airflow cluster (CeleryExecutor, two workers) per test module; torn down even on failure."""
    home = tmp_path_factory.mktemp("airflow_celery")
    cluster = CeleryAirflow(home, worker_env=celery_worker_env)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()      # HOME (process and task logs) stays in pytest's tmp folder for post-mortems
