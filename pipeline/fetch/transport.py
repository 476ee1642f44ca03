"""An httpx transport that vets every address at the moment it connects, and holds every
request to its deadline (pipeline/fetch/deadline.py).

Checking a URL's host before the request is not enough on its own: the name could resolve to a
public address for the check and to a private one for the connection (DNS rebinding). Here the
connection itself is made to the address that passed the check. Pooling stays keyed by host name,
so TLS certificates and SNI are those of the real host.
"""
from __future__ import annotations

import httpcore
import httpx

from pipeline.fetch.deadline import DeadlineStream, bounded
from pipeline.fetch.safety import resolve_public_address


class GuardedBackend(httpcore.SyncBackend):
    def __init__(self, allow_private: tuple[str, ...]):
        self.allow_private = allow_private

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        # Raises FetchRefused("ssrf_blocked"), which httpx passes through untouched.
        address = resolve_public_address(host, port, self.allow_private)
        timeout = bounded(timeout, httpcore.ConnectTimeout)
        # Every later read and write on the connection is bounded by the deadline of the thread
        # using it (a kept-alive connection serves many requests, each with its own deadline).
        return DeadlineStream(super().connect_tcp(address, port, timeout, local_address, socket_options))


def guarded_transport(allow_private: tuple[str, ...], limits: httpx.Limits) -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport(limits=limits, trust_env=False)
    # httpx offers no public hook for the network backend; the pool is rebuilt with the same settings.
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=GuardedBackend(allow_private),
    )
    return transport
