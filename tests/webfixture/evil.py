"""A hostile web site on 127.0.0.1 (standard library only): dripping headers and bodies, robots.txt
that fails in every way a real one does, redirects to URLs with a password in them, and pages that
stall on demand so a test can stop or kill a night at a known point.
"""
from __future__ import annotations

import gzip
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from support.newsgen import article

PASSWORD = "s3cret-Pa55word"
ROBOTS_OK = b"User-agent: *\nDisallow: /private/\n"
ROBOTS_LIMIT = 512 * 1024


def huge_robots() -> bytes:
    """600 KiB: a rule at the start, 590 KiB of comments, then a rule past the 512 KiB parsed."""
    head = b"User-agent: *\nDisallow: /early/\n"
    filler = b"# " + b"x" * 98 + b"\n"
    body = head + filler * ((ROBOTS_LIMIT - len(head)) // len(filler) + 800)
    return body + b"Disallow: /late/\n"


class EvilSite(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), EvilHandler)
        self.base = f"http://127.0.0.1:{self.server_port}"
        self.robots = "ok"          # ok | 404 | 500 | slow | stalled | bomb | huge
        self.drip = 0.25            # seconds between the bytes of a dripping response
        self.lock = threading.Lock()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.pages_served = 0
        self.hold_after: int | None = None   # page requests past this many wait for `release`
        self.release = threading.Event()
        self.stopping = threading.Event()
        self.feed_links: list[str] = []
        self.sitemap_links: list[str] = []

    def page_requests(self, since: int = 0) -> list[str]:
        return [p for p, _ in self.requests[since:] if p.startswith("/page/")]

    def stop(self) -> None:
        self.stopping.set()
        self.release.set()
        self.shutdown()
        self.server_close()


class EvilHandler(BaseHTTPRequestHandler):
    server: EvilSite
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle(self):
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):  # the client gave up on us: that is the point
            pass

    def send(self, status: int, body: bytes = b"", content_type: str = "text/html; charset=utf-8",
             headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def drip_bytes(self, data: bytes) -> None:
        """Write one byte at a time, `drip` seconds apart, until done, stopped or hung up on."""
        try:
            for byte in data:
                if self.server.stopping.is_set():
                    return
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(self.server.drip)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def endless_headers(self) -> None:
        # A status line and then headers that never end: each byte well inside any read timeout.
        self.drip_bytes(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Padding: " + b"a" * 100_000)

    def stall_body(self, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", "5000")
        self.end_headers()
        self.wfile.write(b"User-agent: *\n")
        self.wfile.flush()
        self.server.stopping.wait(120)
        self.close_connection = True

    def do_GET(self):
        server = self.server
        with server.lock:
            server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        route = self.path.split("?", 1)[0]
        if route == "/robots.txt":
            return self.robots_txt()
        if route == "/slow-headers.html":
            return self.endless_headers()
        if route == "/slow-body.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            return self.drip_bytes(b"<html><body>" + b"z" * 99_990)
        if route.startswith("/page/") and route.endswith(".html"):
            number = int(route[len("/page/"):-len(".html")])
            with server.lock:
                server.pages_served += 1
                held = server.hold_after is not None and server.pages_served > server.hold_after
            if held:
                server.release.wait(120)
            return self.send(200, article(number, seed=7)[1].encode())
        if route in ("/early/x.html", "/late/x.html", "/private/x.html", "/open/x.html"):
            return self.send(200, article(900, seed=7)[1].encode())
        if route == "/redirect-creds.html":
            return self.send(302, headers={"Location": f"http://editor:{PASSWORD}@127.0.0.1:{server.server_port}"
                                                       f"/page/1.html"})
        if route == "/redirect-creds-relative.html":
            return self.send(301, headers={"Location": f"//admin:{PASSWORD}@127.0.0.1:{server.server_port}/page/2.html"})
        if route == "/feed.xml":
            items = "".join(f"<item><title>Story {n}</title><link>{link}</link></item>"
                            for n, link in enumerate(server.feed_links))
            return self.send(200, f"<?xml version='1.0'?><rss version='2.0'><channel><title>Evil</title>"
                                  f"{items}</channel></rss>".encode(), "application/rss+xml")
        if route == "/sitemap.xml":
            entries = "".join(f"<url><loc>{link}</loc></url>" for link in server.sitemap_links)
            return self.send(200, f"<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
                                  f"{entries}</urlset>".encode(), "application/xml")
        return self.send(404, b"<html><body>Not found</body></html>")

    def robots_txt(self) -> None:
        mode = self.server.robots
        if mode == "ok":
            return self.send(200, ROBOTS_OK, "text/plain")
        if mode in ("404", "500"):
            return self.send(int(mode), b"no", "text/plain")
        if mode == "slow":
            return self.endless_headers()
        if mode == "stalled":   # the status line and headers arrive, the body never does
            return self.stall_body("text/plain")
        if mode == "bomb":
            return self.send(200, gzip.compress(b"\0" * 20_000_000), "text/plain", {"Content-Encoding": "gzip"})
        if mode == "huge":
            return self.send(200, huge_robots(), "text/plain")
        raise ValueError(mode)


def start_evil_site() -> EvilSite:
    server = EvilSite()
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="evil-site", daemon=True).start()
    return server
