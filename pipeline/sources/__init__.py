"""Sources: feeds, sitemaps, URL lists, WARC archives and local files -> RawDocuments and Rejects."""
from pipeline.sources.collect import collect

__all__ = ["collect"]
