"""One deadline per HTTP request, covering connecting, the response headers and the body.

httpx's timeouts bound each single socket operation: a server that sends its headers one byte a
second never trips the read timeout, and the whole-response check in the client only starts once
the headers are in. So the deadline is enforced where every byte passes: the network stream the
transport connects. The requesting thread opens a `deadline(seconds)` scope; every connect, read
and write of that thread is given at most the time left, and one past the deadline raises
DeadlineExceeded (an httpcore timeout, so httpx reports it as a timeout like any other).
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Iterator

import httpcore

_current = threading.local()


class DeadlineExceeded(httpcore.ReadTimeout):
    """The request's whole deadline passed (not just one slow read)."""


class Deadline:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expires_at = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.expires_at - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0


@contextmanager
def deadline(seconds: float) -> Iterator[Deadline]:
    """Everything this thread sends or receives inside the block must be done within `seconds`."""
    outer = getattr(_current, "deadline", None)
    _current.deadline = Deadline(seconds)
    try:
        yield _current.deadline
    finally:
        _current.deadline = outer


def bounded(timeout: float | None, exceeded: type[Exception] = DeadlineExceeded) -> float | None:
    """`timeout` cut to this thread's remaining deadline; raises `exceeded` once it is gone."""
    current: Deadline | None = getattr(_current, "deadline", None)
    if current is None:
        return timeout
    left = current.remaining()
    if left <= 0:
        raise exceeded(f"deadline of {current.seconds:g} s exceeded")
    return left if timeout is None else min(timeout, left)


def past_deadline() -> bool:
    current: Deadline | None = getattr(_current, "deadline", None)
    return current is not None and current.expired()


class DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every operation stops at the thread's deadline."""

    def __init__(self, stream: httpcore.NetworkStream):
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            return self._stream.read(max_bytes, bounded(timeout))
        except httpcore.ReadTimeout:
            if past_deadline():  # the socket timed out because the deadline cut its timeout short
                raise DeadlineExceeded("deadline exceeded while reading") from None
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            self._stream.write(buffer, bounded(timeout))
        except httpcore.WriteTimeout:
            if past_deadline():
                raise DeadlineExceeded("deadline exceeded while writing") from None
            raise

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        return DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, bounded(timeout)))

    def get_extra_info(self, info: str):
        return self._stream.get_extra_info(info)
