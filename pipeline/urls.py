"""URLs: canonical form, hosts, and the one choice of the URL an article is known by.

Used by discovery, fetching and extraction alike, so one article is one row whatever tracking junk
its links carry and whichever stage first looked at the page.
"""
from __future__ import annotations

import re
from typing import Iterable
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

TRACKING_PARAMS = {
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid",
    "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "ocid", "cmpid",
    "ref_src", "ref_url", "spm", "s_cid", "sr_share", "at_medium", "at_campaign",
}
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "itm_")
DEFAULT_PORTS = {"http": 80, "https": 443}
# User information in a URL (user:password@host): never fetched, stored or logged as written.
CREDENTIALS_REASON = "credentials_in_url"
# scheme://userinfo@ : the authority runs to the first / ? # (RFC 3986), and its last @ ends the
# userinfo, as urlsplit reads it. Matched on the text, so that even a URL urlsplit refuses is cleaned.
_USERINFO = re.compile(r"^(\s*[A-Za-z][A-Za-z0-9+.-]*:/+)([^/?#]*@)")
# The same inside free text (a log line, a header dump): the userinfo stops at a space or a quote too.
_USERINFO_IN_TEXT = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*://)([^/?#\s'\"<>]*@)")


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def has_credentials(url: str) -> bool:
    """True when the URL carries user information (even an empty `@`): a password, a token, a name."""
    return bool(_USERINFO.match(url or ""))


def redact_credentials(url: str) -> str:
    """The URL with its user information replaced by `***`: what may be kept, shown or logged of it.
    Never a canonical URL (those have no user information), so it cannot stand for a real page."""
    return _USERINFO.sub(r"\1***@", url) if url else url


def redact_credentials_in_text(text: str) -> str:
    """Every URL in `text` with its user information replaced by `***`."""
    return _USERINFO_IN_TEXT.sub(r"\1***@", text) if "@" in text else text


def canonicalize_url(url: str) -> str | None:
    """Lower-case scheme and host, drop user information, default ports, fragments and tracking parameters.

    The canonical form never carries credentials; whether a URL that had them is fetched at all is
    decided by the fetcher and discovery (refused, `credentials_in_url`), with `has_credentials`.

    Returns None for anything that is not an absolute http(s) URL. Parameter order is kept
    because some sites route on it; only tracking parameters are removed.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if not host:   # a host of dots alone ("http://../") names nothing; canonical as "http:///" it would not parse again
        return None
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path) or "/"
    query_pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k)]
    query = urlencode(query_pairs, doseq=True)
    return urlunsplit((scheme, netloc, path, query, ""))


def host_of(url: str) -> str:
    """Host and non-default port: the unit of politeness (robots.txt, rate limits)."""
    parts = urlsplit(url)
    return parts.netloc.lower()


def host_matches(url: str, allowed_hosts: list[str]) -> bool:
    """True when the URL's host is one of the allowed hosts or a subdomain of one."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == h or host.endswith("." + h) for h in (a.lower().lstrip(".") for a in allowed_hosts))


def _is_front_page(url: str) -> bool:
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


def article_url(declared: Iterable[str | None], page_url: str | None) -> str | None:
    """The URL an article is known by (and its `article_id` made from).

    `declared` are the page's own claims in order of trust (`<link rel=canonical>`, then og:url or
    JSON-LD where the caller has them), resolved against `page_url`, the address the page was read
    from (None for a local file). The first claim that is an http(s) URL wins, except that a claim
    pointing at a site's front page is ignored unless the page is that front page: it is a common
    template bug, and obeying it would make every article of the site one article (one id).
    Without a usable claim, the page's own address.
    """
    base = canonicalize_url(page_url) if page_url else None
    for claim in declared:
        if not claim or not claim.strip() or claim.strip().startswith("#"):
            continue
        resolved = canonicalize_url(urljoin(page_url or "", claim.strip()))
        if resolved is None:
            continue
        if _is_front_page(resolved) and not (base is not None and _is_front_page(base)):
            continue
        return resolved
    return base or page_url
