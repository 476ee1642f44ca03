"""The fixture site's HTTP server: real sockets on 127.0.0.1, an ephemeral port, one thread per request."""
from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from webfixture import site

ROBOTS = "User-agent: *\nDisallow: /private/\nCrawl-delay: 1\n"
SLOW_SECONDS = 0.8
BIG_BYTES = 400_000
BOMB_DECODED_BYTES = 20_000_000


class NewsSite(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, today: date):
        super().__init__(("127.0.0.1", 0), Handler)
        self.today = today
        self.base = f"http://127.0.0.1:{self.server_port}"
        self.requests: list[tuple[float, str, dict[str, str]]] = []
        self.hits: Counter = Counter()
        self.feed_slugs = ["a1", "a2", "a3"]
        self.extra_routes: dict[str, tuple[int, str, bytes]] = {}
        self.failing_paths: set[str] = set()  # answer 503 here until the test clears it
        self.client_ports: list[int] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()

    def log_request(self, path: str, headers: dict[str, str], client_port: int) -> int:
        with self.lock:
            self.requests.append((time.monotonic(), path, headers))
            self.client_ports.append(client_port)
            self.hits[path] += 1
            return self.hits[path]

    def requests_since(self, mark: int) -> list[str]:
        return [path for _, path, _ in self.requests[mark:]]


class Handler(BaseHTTPRequestHandler):
    server: NewsSite
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep pytest output clean
        pass

    def send(self, status: int, body: bytes = b"", content_type: str = "text/html; charset=utf-8",
             headers: dict[str, str] | None = None, length: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self):
        path = self.path
        hit = self.server.log_request(path, {k.lower(): v for k, v in self.headers.items()}, self.client_address[1])
        base, today = self.server.base, self.server.today
        route = path.split("?", 1)[0]
        if route in self.server.failing_paths:
            return self.send(503, b"maintenance", "text/plain")
        if route in self.server.extra_routes:
            status, content_type, body = self.server.extra_routes[route]
            return self.send(status, body, content_type)
        if route == "/robots.txt":
            return self.send(200, ROBOTS.encode(), "text/plain")
        if route == "/feeds/rss.xml":
            return self.send_validated(site.rss_feed(base, today, self.server.feed_slugs, old_slug="a4").encode(),
                                       "application/rss+xml")
        if route == "/feeds/atom.xml":
            return self.send(200, site.atom_feed(base, today).encode(), "application/atom+xml")
        if route == "/feeds/broken.xml":
            return self.send(200, b"<html><body>Not a feed at all</body></html>", "application/rss+xml")
        if route == "/sitemap_index.xml":
            return self.send_validated(site.sitemap_index(base, today).encode(), "application/xml")
        if route == "/sitemaps/articles.xml.gz":
            return self.send(200, site.articles_sitemap_gz(base, today), "application/x-gzip")
        if route == "/sitemaps/news.xml":
            return self.send(200, site.news_sitemap(base, today).encode(), "application/xml")
        if route.startswith("/news/") and route.endswith(".html") and route[6:-5] in site.ARTICLES:
            return self.send(200, site.article_page(base, route[6:-5]).encode())
        if route == "/print/a2.html":  # a second URL for article a2, which says so in rel=canonical
            return self.send(200, site.article_page(base, "a2", canonical_path="/news/a2.html").encode())
        if route == "/private/secret.html":
            return self.send(200, b"<html><body>robots.txt forbids this</body></html>")
        if route == "/flaky/503.html":
            if hit == 1:
                return self.send(503, b"busy", "text/plain", {"Retry-After": "0"})
            return self.send(200, site.article_page(base, "a5", "/flaky/503.html").encode())
        if route == "/flaky/429.html":
            return self.send(429, b"slow down", "text/plain", {"Retry-After": "0"})
        if route == "/always-500.html":
            return self.send(500, b"broken", "text/plain")
        if route.startswith("/wait/"):  # a page that takes a moment, to observe concurrency
            return self.send_after_counting_concurrency(site.article_page(base, "a3", route).encode())
        if route == "/slow.html":
            time.sleep(SLOW_SECONDS)
            return self.send(200, b"<html><body>too late</body></html>")
        if route in ("/loop/a", "/loop/b"):
            return self.send(302, headers={"Location": "/loop/b" if route == "/loop/a" else "/loop/a"})
        if route.startswith("/chain/"):
            return self.send(302, headers={"Location": f"/chain/{int(route[7:]) + 1}"})
        if route == "/redirect/metadata":
            return self.send(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
        if route == "/redirect/private":
            return self.send(301, headers={"Location": "http://10.0.0.1/admin"})
        if route == "/redirect/a3":
            return self.send(301, headers={"Location": f"{base}/news/a3.html"})
        if route == "/big.html":
            # No Content-Length: the client has to stop reading by itself.
            return self.send(200, b"<html><body>" + b"x" * BIG_BYTES + b"</body></html>", length=False)
        if route == "/bomb.html":
            return self.send(200, site.gzip_bomb(BOMB_DECODED_BYTES), headers={"Content-Encoding": "gzip"})
        if route == "/latin.html":
            return self.send(200, site.latin_page(), "text/html; charset=iso-8859-1")
        if route == "/data.json":
            return self.send(200, b'{"headline": "not a page"}', "application/json")
        return self.send(404, b"<html><body>Not found</body></html>")

    def send_after_counting_concurrency(self, body: bytes) -> None:
        with self.server.lock:
            self.server.in_flight += 1
            self.server.max_in_flight = max(self.server.max_in_flight, self.server.in_flight)
        time.sleep(0.05)
        with self.server.lock:
            self.server.in_flight -= 1
        self.send(200, body)

    def send_validated(self, body: bytes, content_type: str) -> None:
        """Feeds and sitemaps carry an ETag and answer a matching If-None-Match with 304."""
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            return self.send(304, headers={"ETag": etag}, length=True)
        return self.send(200, body, content_type, {"ETag": etag, "Last-Modified": "Tue, 24 Nov 2026 06:00:00 GMT"})


def start_site(today: date) -> NewsSite:
    server = NewsSite(today)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="news-site", daemon=True).start()
    return server
