"""robots.txt, fetched once per host per run and consulted before every request."""
from __future__ import annotations

import threading
import urllib.robotparser
from typing import Callable
from urllib.parse import urlsplit

AGENT_TOKEN = "broadsheetbot"


class RobotsRules:
    def __init__(self, parser: urllib.robotparser.RobotFileParser | None, unavailable: bool = False):
        self._parser = parser
        self.unavailable = unavailable  # robots.txt could not be read: nothing may be fetched for now

    def allows(self, url: str, agent: str) -> bool:
        if self.unavailable:
            return False
        return self._parser is None or self._parser.can_fetch(agent, url)

    def crawl_delay(self, agent: str) -> float | None:
        if self._parser is None:
            return None
        delay = self._parser.crawl_delay(agent)
        return float(delay) if delay is not None else None


def rules_from_response(status: int | None, body: bytes) -> RobotsRules:
    """Interpret a robots.txt response the way the Robots Exclusion Protocol (RFC 9309) asks.

    4xx: no rules, crawl freely. 5xx or unreachable: assume complete disallow for this run.
    """
    if status is None or status >= 500:
        return RobotsRules(None, unavailable=True)
    if status >= 400:
        return RobotsRules(None)
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(body.decode("utf-8", errors="replace").splitlines())
    return RobotsRules(parser)


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
        # robotparser matches a group when its token is a substring of the agent we pass;
        # the product token is what site owners write in their robots.txt.
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
