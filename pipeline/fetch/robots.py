"""robots.txt, fetched once per host per run and consulted before every request.

Parsed by Protego, which follows RFC 9309 (longest match wins, Allow beats Disallow on a tie,
`*` and `$` in paths, groups by product token); the standard library's robotparser does not.
"""
from __future__ import annotations

import threading
from typing import Callable
from urllib.parse import urlsplit

from protego import Protego

AGENT_TOKEN = "broadsheetbot"
# RFC 9309: a crawler must parse at least the first 500 KiB of a robots.txt; the client reads no more.
ROBOTS_PARSE_BYTES = 512 * 1024


class RobotsRules:
    def __init__(self, parser: Protego | None, unavailable: bool = False):
        self._parser = parser
        self.unavailable = unavailable  # robots.txt could not be read: nothing may be fetched for now

    def allows(self, url: str, agent: str) -> bool:
        if self.unavailable:
            return False
        return self._parser is None or self._parser.can_fetch(url, agent)

    def crawl_delay(self, agent: str) -> float | None:
        if self._parser is None:
            return None
        delay = self._parser.crawl_delay(agent)
        return float(delay) if delay is not None else None


def rules_from_response(status: int | None, body: bytes) -> RobotsRules:
    """Interpret a robots.txt response the way the Robots Exclusion Protocol (RFC 9309) asks.

    4xx: no rules, crawl freely. 5xx or unreachable (status None: timed out, a decompression bomb,
    refused): assume complete disallow for this run. `body` is what was read of it, at most the
    first 512 KiB (the client cuts a longer file there; RFC 9309 asks for at least 500 KiB).
    """
    if status is None or status >= 500:
        return RobotsRules(None, unavailable=True)
    if status >= 400:
        return RobotsRules(None)
    text = body.decode("utf-8", errors="replace").lstrip("\ufeff")
    if len(body) >= ROBOTS_PARSE_BYTES:
        # Cut at the limit, the file ends in half a line: dropped rather than read as a shorter
        # rule (a cut "Disallow: /private" would also disallow /priv).
        text = text[:max(text.rfind("\n"), text.rfind("\r")) + 1]
    return RobotsRules(Protego.parse(text))


class RobotsCache:
    """Holds the rules of every host seen in this run; `load(robots_url)` returns (status, body)."""

    def __init__(self, load: Callable[[str], tuple[int | None, bytes]], user_agent: str,
                 on_crawl_delay: Callable[[str, float], None]):
        self._load = load
        self._agent = user_agent
        self._on_crawl_delay = on_crawl_delay
        self._rules: dict[str, RobotsRules] = {}
        self._host_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def refusal(self, url: str) -> str | None:
        """None when the URL may be fetched, else the Reject reason: robots or robots_unavailable."""
        rules = self._rules_for(url)
        if rules.allows(url, self._agent_for_matching()):
            return None
        return "robots_unavailable" if rules.unavailable else "robots"

    def _agent_for_matching(self) -> str:
        # The product token is what site owners write in their robots.txt's user-agent lines.
        return self._agent.split("/")[0] or AGENT_TOKEN

    def _rules_for(self, url: str) -> RobotsRules:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            host_lock = self._host_locks.setdefault(origin, threading.Lock())
        # One fetch per host even when many threads ask at once.
        with host_lock:
            if origin not in self._rules:
                status, body = self._load(origin + "/robots.txt")
                rules = rules_from_response(status, body)
                delay = rules.crawl_delay(self._agent_for_matching())
                if delay is not None:
                    self._on_crawl_delay(parts.netloc.lower(), delay)
                self._rules[origin] = rules
            return self._rules[origin]
