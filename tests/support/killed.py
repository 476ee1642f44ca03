"""Run a function in a child process that a failpoint kills (SIGKILL), as a crash would.

The child is forked from a fork server, not from the test process: delta-rs' runtime (and DuckDB's
threads) do not survive a fork of a process that has used them, and the test process has. The
server imports the pipeline once, so each child starts with the models' code already loaded.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import time
from typing import Any, Callable

_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(["pipeline.run", "pipeline.stages.extract", "pipeline.stages.enrich",
                                 "pipeline.extract.html", "pipeline.enrich"])


def _at_failpoint(failpoint: str, env: dict[str, str], target: Callable[..., Any], args: tuple) -> None:
    os.environ.update(env)
    os.environ["BROADSHEET_FAILPOINT"] = failpoint
    target(*args)
    os._exit(0)


def run_until_killed(failpoint: str, target: Callable[..., Any], *args: Any, env: dict[str, str] | None = None,
                     timeout: float = 300) -> int:
    """Run target(*args) with BROADSHEET_FAILPOINT set (and `env`: the fork server's environment is
    the one it started with); return the child's exit code (-9 when killed)."""
    child = _context.Process(target=_at_failpoint, args=(failpoint, dict(env or {}), target, args))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.kill()
        child.join()
    return child.exitcode


def _with_env(env: dict[str, str], target: Callable[..., Any], args: tuple) -> None:
    os.environ.update(env)
    target(*args)
    os._exit(0)


def run_and_kill_when(condition: Callable[[], bool], target: Callable[..., Any], *args: Any,
                      sig: int = signal.SIGKILL, env: dict[str, str] | None = None, timeout: float = 300,
                      poll: float = 0.02) -> int | None:
    """Run target(*args) in a child; send it `sig` as soon as condition() holds (polled in this
    process: a test server's counter, a file appearing); return the child's exit code
    (-9 when SIGKILLed, whatever the child makes of SIGTERM otherwise)."""
    child = _context.Process(target=_with_env, args=(dict(env or {}), target, args))
    child.start()
    give_up = time.monotonic() + timeout
    while child.is_alive() and not condition() and time.monotonic() < give_up:
        time.sleep(poll)
    if child.is_alive():
        os.kill(child.pid, sig)
    child.join(timeout)
    if child.is_alive():
        child.kill()
        child.join()
    return child.exitcode
