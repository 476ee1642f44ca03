"""Fetch many pages at once: a bounded thread pool fed in host-interleaved order."""
from __future__ import annotations

from collections import defaultdict, deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Callable, Iterable, Iterator, TypeVar

from pipeline.urls import host_of

T = TypeVar("T")
R = TypeVar("R")


def interleave_by_host(items: Iterable[T], url_of: Callable[[T], str]) -> list[T]:
    """Round-robin over hosts so one slow or rate-limited host does not occupy every worker."""
    queues: dict[str, deque[T]] = defaultdict(deque)
    for item in items:
        queues[host_of(url_of(item))].append(item)
    ordered = []
    while queues:
        for host in list(queues):
            ordered.append(queues[host].popleft())
            if not queues[host]:
                del queues[host]
    return ordered


def run_concurrently(items: Iterable[T], work: Callable[[T], R], workers: int,
                     on_abandon: Callable[[], None] | None = None) -> Iterator[tuple[T, R]]:
    """Yield (item, work(item)) as they finish, with at most a few times `workers` submitted at once.

    `on_abandon` is called when the consumer stops early or is interrupted (SIGTERM), before the
    work in flight is waited for: it can tell that work to give up instead of retrying."""
    window = max(1, workers) * 4  # bounded so a million-URL sitemap does not become a million futures
    pending: dict[Future, T] = {}
    iterator = iter(items)
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="fetch") as pool:
        try:
            while True:
                while len(pending) < window:
                    item = next(iterator, None)
                    if item is None:
                        break
                    pending[pool.submit(work, item)] = item
                if not pending:
                    return
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield pending.pop(future), future.result()
        finally:
            # A consumer that stops early should not wait for queued work it will never see.
            for future in pending:
                future.cancel()
            if pending and on_abandon is not None:
                on_abandon()
