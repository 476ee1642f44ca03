"""Per-host concurrency and spacing between requests, shared by all worker threads of one run."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager


class HostGate:
    """At most `per_host` requests in flight per host, each start at least `delay` after the previous one."""

    def __init__(self, per_host: int, delay: float):
        self.per_host = max(1, per_host)
        self.default_delay = max(0.0, delay)
        self._lock = threading.Lock()
        self._slots: dict[str, threading.Semaphore] = {}
        self._next_start: dict[str, float] = {}
        self._delays: dict[str, float] = {}

    def set_delay(self, host: str, delay: float) -> None:
        with self._lock:
            self._delays[host] = max(self.default_delay, delay)

    @contextmanager
    def slot(self, host: str):
        with self._lock:
            semaphore = self._slots.setdefault(host, threading.Semaphore(self.per_host))
        with semaphore:
            self._wait_turn(host)
            yield

    def _wait_turn(self, host: str) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_start.get(host, now))
            self._next_start[host] = start + self._delays.get(host, self.default_delay)
        if start > now:
            time.sleep(start - now)
