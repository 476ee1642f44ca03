"""Polite, bounded HTTP fetching: robots.txt, rate limits, SSRF and size guards, URL state, raw WARC store."""
from pipeline.fetch.client import FetchResult, Fetcher
from pipeline.fetch.settings import FetchSettings
from pipeline.urls import canonicalize_url

__all__ = ["FetchResult", "FetchSettings", "Fetcher", "canonicalize_url"]
