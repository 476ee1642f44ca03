"""Fetch throughput: pages/s collected from a loopback news site with rate limits off.

Measures a bare httpx client as the baseline of this machine and server, then collect() end to end
(discovery from a URL list, robots, SSRF checks, fetch, canonical dedup, WARC raw store, state
table), the replay of a same-date rerun from the raw store, and, when the extractor is present,
extraction of the fetched pages.

    .venv/bin/python benchmarks/fetch.py [--pages 600] [--concurrency 8] [--kb 40]
"""
from __future__ import annotations

import argparse
import multiprocessing
import random
import tempfile
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from pipeline.fetch.crawl import run_concurrently
from pipeline.records import RawDocument
from pipeline.sources import collect

WORDS = ("council harbour ferry library market orchard lock canal volunteers weather season road "
         "residents vote budget school bridge station festival winter repairs evening").split()


def make_page(number: int, kilobytes: int, base: str) -> bytes:
    rng = random.Random(number)
    paragraphs = []
    while sum(map(len, paragraphs)) < kilobytes * 1024 * 0.6:
        paragraphs.append("<p>" + " ".join(rng.choice(WORDS) for _ in range(60)).capitalize() + ".</p>")
    navigation = "".join(f"<li><a href='/section/{w}'>{w.title()}</a></li>" for w in WORDS)
    padding = "<div class='promo'>" + "Subscribe for more local news. " * (kilobytes * 8) + "</div>"
    html = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Story {number}</title>"
            f"<link rel='canonical' href='{base}/p/{number}.html'></head><body><nav><ul>{navigation}</ul></nav>"
            f"<article><h1>Story number {number}</h1>{''.join(paragraphs)}</article>{padding[:kilobytes * 400]}"
            f"<footer>Share 0 0 | Tags: local</footer></body></html>")
    return html.encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        with self.server.requests.get_lock():
            self.server.requests.value += 1
        if self.path == "/robots.txt":
            body, kind = b"User-agent: *\nAllow: /\n", "text/plain"
        else:
            number = int(self.path.rsplit("/", 1)[-1].split(".")[0])
            body, kind = self.server.pages[number], "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(pages: int, kilobytes: int, requests, ports) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.requests = requests
    server.pages = [make_page(n, kilobytes, f"http://127.0.0.1:{server.server_port}") for n in range(pages)]
    ports.put(server.server_port)
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--kb", type=int, default=40, help="approximate page size")
    args = parser.parse_args()

    # The site runs in its own process so that it does not share the client's interpreter lock.
    requests = multiprocessing.Value("l", 0)
    ports = multiprocessing.Queue()
    site = multiprocessing.Process(target=serve, args=(args.pages, args.kb, requests, ports), daemon=True)
    site.start()
    base = f"http://127.0.0.1:{ports.get(timeout=30)}"
    settings = {"allow_private": ["127.0.0.1"], "per_host_delay": 0, "per_host_concurrency": args.concurrency,
                "global_concurrency": args.concurrency, "progress_every": 10 ** 9, "progress_seconds": 10 ** 9}
    # Tracking parameters on every other link: half the list is duplicates that must cost nothing.
    urls = [f"{base}/p/{n}.html" for n in range(args.pages)] + [f"{base}/p/{n}.html?utm_source=bench"
                                                                 for n in range(0, args.pages, 2)]
    source = {"name": "bench", "kind": "urls", "location": urls}
    day = date(2026, 11, 25)
    total_mb = sum(len(make_page(n, args.kb, base)) for n in range(args.pages)) / 1e6
    print(f"{args.pages} pages of ~{total_mb / args.pages * 1000:.0f} kB ({total_mb:.1f} MB), "
          f"{len(urls)} listed URLs, concurrency {args.concurrency}, rate limits off")

    # Baseline: bare httpx GETs of the same pages, same concurrency, no checks and no storage.
    with httpx.Client(limits=httpx.Limits(max_connections=args.concurrency)) as client:
        started = time.perf_counter()
        statuses = [r.status_code for _, r in run_concurrently(urls[:args.pages], client.get, args.concurrency)]
        bare_seconds = time.perf_counter() - started
    assert statuses.count(200) == args.pages
    print(f"httpx   : {args.pages / bare_seconds:8.1f} pages/s  ({bare_seconds:.2f} s, bare client baseline)")

    with tempfile.TemporaryDirectory() as warehouse:
        started = time.perf_counter()
        fetched = [d for d in collect(source, settings, Path(warehouse), day, "bench-1") if isinstance(d, RawDocument)]
        fetch_seconds = time.perf_counter() - started
        assert len(fetched) == args.pages, len(fetched)
        print(f"fetch   : {len(fetched) / fetch_seconds:8.1f} pages/s  ({fetch_seconds:.2f} s, "
              f"{total_mb / fetch_seconds:.1f} MB/s, incl. WARC raw store and state table)")

        requests_before = requests.value
        started = time.perf_counter()
        replayed = [d for d in collect(source, settings, Path(warehouse), day, "bench-2") if isinstance(d, RawDocument)]
        replay_seconds = time.perf_counter() - started
        assert len(replayed) == args.pages
        print(f"replay  : {len(replayed) / replay_seconds:8.1f} pages/s  ({replay_seconds:.2f} s, same-date rerun "
              f"from the raw store, {requests.value - requests_before} requests)")

    try:
        from pipeline.extract import extract_html
    except ImportError:
        print("extract : pipeline.extract.extract_html not available, skipped")
        return
    sample = fetched[: min(len(fetched), 100)]
    started = time.perf_counter()
    for document in sample:
        extract_html(document.content, url=document.url, hints=document.hints)
    extract_seconds = time.perf_counter() - started
    print(f"extract : {len(sample) / extract_seconds:8.1f} pages/s  ({len(sample)} pages, one process)")


if __name__ == "__main__":
    main()
