"""Progress of long work on the `broadsheet.progress` log (stderr): done of total, rate, time left.

One place decides how progress reads, for the nightly's shard stages and for `broadsheet export`.
"""
from __future__ import annotations

import logging
import time

progress_log = logging.getLogger("broadsheet.progress")

PROGRESS_EVERY_SECONDS = 5.0


def duration(seconds: float) -> str:
    """'42 s', '3 min 07 s', '2 h 05 min': short enough for a progress line."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class Progress:
    """Counts `unit`s done of `total` and says so at most every `every` seconds (and at the end)."""

    def __init__(self, what: str, total: int, unit: str, every: float = PROGRESS_EVERY_SECONDS):
        self.what, self.total, self.unit, self.every = what, total, unit, every
        self.done = 0
        self.started = self._last = time.monotonic()

    def advance(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if now - self._last < self.every and self.done < self.total:
            return
        self._last = now
        progress_log.info("%s: %s", self.what, self.line(now))

    def line(self, now: float | None = None) -> str:
        elapsed = max((now or time.monotonic()) - self.started, 1e-9)
        rate = self.done / elapsed
        left = max(self.total - self.done, 0) / rate if rate else 0.0
        return f"{self.done}/{self.total} {self.unit}, {rate:,.1f} {self.unit}/s, about {duration(left)} left"
