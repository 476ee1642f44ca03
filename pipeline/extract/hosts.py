"""The publisher's host, so that articles can be grouped by site."""
from __future__ import annotations

from urllib.parse import urlsplit


def host_name(url: str | None) -> str | None:
    """The host name of an absolute http(s) URL, lower-cased, without port, user or trailing
    dot (`https://WWW.Example.co.uk:443/a` -> `www.example.co.uk`); None for anything else."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return host.rstrip(".") or None
