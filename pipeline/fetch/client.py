"""The HTTP client: polite, bounded and suspicious. One Fetcher per run, shared by worker threads."""
from __future__ import annotations

import email.utils
import logging
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import BinaryIO
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from pipeline.fetch.content import is_html_media_type, looks_like_html
from pipeline.fetch.deadline import DeadlineExceeded, deadline
from pipeline.fetch.logs import redact_http_logs
from pipeline.fetch.politeness import HostGate
from pipeline.fetch.robots import ROBOTS_PARSE_BYTES, RobotsCache
from pipeline.fetch.safety import BoundedDecoder, FetchRefused, accepted_encodings, resolve_public_address
from pipeline.fetch.settings import FetchSettings
from pipeline.fetch.transport import guarded_transport
from pipeline.urls import CREDENTIALS_REASON, has_credentials, redact_credentials

log = logging.getLogger("broadsheet.fetch")

REDIRECT_STATUSES = {301, 302, 303, 307, 308}
RETRYABLE_STATUSES = {408, 429, 500, 502, 503, 504}
# Retried within the run after a short wait ...
RETRY_NOW_REASONS = {"timeout", "connection_error", "dns_error"} | {f"http_{s}" for s in RETRYABLE_STATUSES}
# ... and, if still failing, on later nights; an unreachable robots.txt will not change within minutes.
RETRY_LATER_REASONS = RETRY_NOW_REASONS | {"robots_unavailable", "stopped"}


@dataclass
class FetchResult:
    url: str                        # as requested
    final_url: str                  # after redirects
    status: int | None
    reason: str | None = None       # None when the fetch succeeded (2xx, or 304 to a conditional GET)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    # The request used up its whole deadline: another try tonight would cost as much again.
    exhausted: bool = False

    @property
    def ok(self) -> bool:
        return self.reason is None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def transient(self) -> bool:
        """Worth another try on a later night."""
        return self.reason in RETRY_LATER_REASONS


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds, from either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class Fetcher:
    def __init__(self, settings: FetchSettings):
        self.settings = settings
        redact_http_logs()
        limits = httpx.Limits(max_connections=settings.global_concurrency * 2,
                              max_keepalive_connections=settings.global_concurrency * 2)
        self.client = httpx.Client(
            transport=guarded_transport(settings.allow_private, limits),
            timeout=httpx.Timeout(connect=settings.connect_timeout, read=settings.read_timeout,
                                  write=settings.read_timeout, pool=settings.total_timeout),
            follow_redirects=False,
            trust_env=False,  # an environment proxy would be vetted instead of the real destination
            headers={"User-Agent": settings.user_agent},
        )
        self.gate = HostGate(settings.per_host_concurrency, settings.per_host_delay)
        self.robots = RobotsCache(self._load_robots, settings.user_agent, self._apply_crawl_delay)
        self._in_flight = threading.BoundedSemaphore(settings.global_concurrency)
        self._stopping = threading.Event()

    def stop(self) -> None:
        """The night is stopping: no new request or retry from now on (the one in flight ends by
        its deadline), so SIGTERM is not kept waiting by backoffs and retries."""
        self._stopping.set()

    def close(self) -> None:
        self.client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def fetch(self, url: str, *, html_only: bool = True, conditional: dict[str, str] | None = None,
              max_bytes: int | None = None, sink: BinaryIO | None = None) -> FetchResult:
        """GET `url` with robots, SSRF, size and redirect checks, retrying transient failures.

        `conditional` carries stored validators ({"etag", "last_modified"}) for a conditional GET.
        With `sink`, the body is streamed into that file instead of memory (large WARC downloads).
        """
        headers = {}
        if conditional and conditional.get("etag"):
            headers["If-None-Match"] = conditional["etag"]
        if conditional and conditional.get("last_modified"):
            headers["If-Modified-Since"] = conditional["last_modified"]
        limit = max_bytes or self.settings.max_bytes
        for attempt in range(self.settings.retries + 1):
            if self._stopping.is_set():
                return FetchResult(url, url, None, "stopped")
            if sink is not None:
                sink.seek(0)
                sink.truncate()
            result = self._follow_redirects(url, headers, limit, html_only, self.settings.respect_robots, sink)
            if result.reason not in RETRY_NOW_REASONS or result.exhausted or attempt == self.settings.retries:
                return result
            self._stopping.wait(self._retry_wait(result, attempt))
        return result

    def _retry_wait(self, result: FetchResult, attempt: int) -> float:
        asked = retry_after_seconds(result.headers.get("retry-after"))
        if asked is None:
            base = self.settings.backoff_base * (2 ** attempt)
            asked = base + random.uniform(0, base)  # jitter spreads out retries from many workers
        return min(asked, self.settings.max_retry_wait)

    def _follow_redirects(self, url: str, headers: dict[str, str], limit: int, html_only: bool,
                          check_robots: bool, sink: BinaryIO | None = None, keep: int | None = None) -> FetchResult:
        # Redirects are followed here rather than by httpx so that every hop passes the SSRF, robots
        # and credentials checks.
        visited: set[str] = set()
        current = url
        for _ in range(self.settings.max_redirects + 1):
            if has_credentials(current):
                # httpx would turn user:password@ into an Authorization header for whichever host the
                # URL names (a redirect's target included); refused, and never kept or shown as written.
                return FetchResult(redact_credentials(url), redact_credentials(current), None, CREDENTIALS_REASON)
            if current in visited:
                return FetchResult(url, current, None, "redirect_loop")
            visited.add(current)
            parts = urlsplit(current)
            if parts.scheme not in ("http", "https"):
                return FetchResult(url, current, None, "unsupported_scheme")
            # The destination is vetted before anything, robots.txt included, is requested from it;
            # the transport checks again at connect time.
            try:
                port = parts.port or (443 if parts.scheme == "https" else 80)
                resolve_public_address(parts.hostname or "", port, self.settings.allow_private)
            except FetchRefused as refused:
                return FetchResult(url, current, None, refused.reason)
            except ValueError:
                return FetchResult(url, current, None, "bad_url")
            refusal = self.robots.refusal(current) if check_robots else None
            if refusal:
                return FetchResult(url, current, None, refusal)
            result = self._request_once(url, current, headers, limit, html_only, sink, keep)
            location = result.headers.get("location")
            if result.status in REDIRECT_STATUSES and location:
                current = urlunsplit(urlsplit(urljoin(current, location.strip()))._replace(fragment=""))
                continue
            return result
        return FetchResult(url, current, None, "too_many_redirects")

    def _request_once(self, requested: str, url: str, headers: dict[str, str], limit: int,
                      html_only: bool, sink: BinaryIO | None, keep: int | None = None) -> FetchResult:
        request_headers = {"Accept-Encoding": accepted_encodings(), **headers}
        with self.gate.slot(urlsplit(url).netloc.lower()), self._in_flight:
            try:
                # The deadline starts once the request may go out: waiting for the host's turn is not
                # the server's time.
                with deadline(self.settings.total_timeout):
                    return self._stream(requested, url, request_headers, limit, html_only, sink, keep)
            except FetchRefused as refused:
                return FetchResult(requested, url, None, refused.reason)
            except httpx.TimeoutException as exc:
                exhausted = isinstance(exc.__cause__, DeadlineExceeded)
                return FetchResult(requested, url, None, "timeout", exhausted=exhausted)
            except httpx.InvalidURL:
                return FetchResult(requested, url, None, "bad_url")
            except httpx.HTTPError as exc:
                log.debug("connection error on %s: %s", url, exc)
                return FetchResult(requested, url, None, "connection_error")

    def _stream(self, requested, url, headers, limit, html_only, sink, keep=None) -> FetchResult:
        """One GET. With `keep`, a body longer than `keep` bytes is cut there rather than refused
        (robots.txt); an encoded body is still decoded up to `limit`, so a bomb is still a bomb."""
        with self.client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            response_headers = {k.lower(): v for k, v in response.headers.items()}
            if status == 304 or status in REDIRECT_STATUSES:
                return FetchResult(requested, url, status, None if status == 304 else f"http_{status}",
                                   response_headers)
            if not 200 <= status < 300:
                return FetchResult(requested, url, status, f"http_{status}", response_headers)
            media_type = response_headers.get("content-type", "")
            if html_only and media_type and not is_html_media_type(media_type):
                return FetchResult(requested, url, status, "not_html", response_headers)
            declared = response_headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit and keep is None:
                return FetchResult(requested, url, status, "too_large", response_headers)
            encoding = response_headers.get("content-encoding", "")
            decoder = BoundedDecoder(encoding, limit)
            cut_plain = keep is not None and encoding.strip().lower() in ("", "identity")
            chunks, received, kept = [], 0, 0
            # No clock here: the deadline (pipeline/fetch/deadline.py) stops every read in time.
            for chunk in response.iter_raw():
                received += len(chunk)
                if cut_plain:
                    chunk = chunk[:keep - kept]
                elif received > limit:
                    return FetchResult(requested, url, status, "too_large", response_headers)
                decoded = decoder.feed(chunk)
                if keep is not None:
                    decoded = decoded[:max(0, keep - kept)]
                    kept += len(decoded)
                if sink is not None:
                    sink.write(decoded)
                else:
                    chunks.append(decoded)
                if cut_plain and kept >= keep:
                    break  # plain bytes: nothing past `keep` can matter, so stop reading
        body = b"".join(chunks)
        if html_only and not media_type and not looks_like_html(body[:1024]):
            return FetchResult(requested, url, status, "not_html", response_headers)
        return FetchResult(requested, url, status, None, response_headers, body)

    def _load_robots(self, robots_url: str) -> tuple[int | None, bytes]:
        """(status, body) for rules_from_response; status None when robots.txt could not be read."""
        limit = max(self.settings.max_bytes, ROBOTS_PARSE_BYTES)   # decoded beyond it: a bomb
        result = self._follow_redirects(robots_url, {}, limit, html_only=False, check_robots=False,
                                        keep=ROBOTS_PARSE_BYTES)
        if result.ok:
            return result.status, result.body
        if result.status is not None and result.reason == f"http_{result.status}":
            return result.status, b""   # the server answered with an error status: 4xx or 5xx decide
        # Timed out, cut off, a decompression bomb, refused, a redirect loop: unreachable, whatever
        # status line came first (a 200 whose body never arrived is no permission).
        log.info("robots.txt unreachable (%s): %s", result.reason, robots_url)
        return None, b""

    def _apply_crawl_delay(self, host: str, delay: float) -> None:
        self.gate.set_delay(host, min(delay, self.settings.max_crawl_delay))
