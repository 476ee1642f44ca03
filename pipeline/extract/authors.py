"""Author names from metadata and bylines, cleaned of the junk that travels with them."""
from __future__ import annotations

import re

_SEPARATORS = re.compile(r"\s*(?:,|;|\||&|\band\b|\bund\b|\bet\b|\by\b|/)\s*", re.I)
_BY_PREFIX = re.compile(r"^(?:by|von|par|por|written by|posted by|words by|story by)\s*:?\s+", re.I)
# "Jane Doe, AP Sports Writer": a role after a name describes the name; it is not another author.
_ROLE = re.compile(
    r"\b(?:staff|senior|chief|contributing)?\s*(?:writer|reporter|correspondent|editor|contributor|columnist)s?\b.*$", re.I
)
_JUNK = [
    re.compile(p, re.I)
    for p in (
        r"\S+@\S+",  # e-mail addresses
        r"(?:^|\s)@\w+",  # social handles
        r"https?://\S+|www\.\S+",
        r"\b\d+\s*min(?:ute)?s?\s*read\b",
        r"\b(?:updated|published|posted)\b.*$",
        r"\b\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b.*$",  # a date and whatever follows it
        r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}.*$",
        r"\bstaff\b",
        r"\bfollow\b.*$",
    )
]
# Degrees and credentials written after a name ("Ann Lee, MS, RDN").
_CREDENTIAL = re.compile(r"^(?:[A-Z]{2,4}|Ph\.?D\.?|M\.?D\.?|Jr\.?|Sr\.?)$")
_NOT_NAMES = {"admin", "administrator", "editorial", "editors", "the editors", "newsroom", "staff", "guest", "anonymous", "unknown"}
_MAX_NAME_WORDS = 5


def clean_author(raw: str) -> str | None:
    name = _BY_PREFIX.sub("", raw.strip())
    for pattern in (*_JUNK, _ROLE):
        name = pattern.sub(" ", name)
    name = re.sub(r"\s+", " ", name).strip(" -–—·:,.|()[]")
    name = _BY_PREFIX.sub("", name)
    if not name or name.lower() in _NOT_NAMES or any(ch.isdigit() for ch in name) or _CREDENTIAL.match(name):
        return None
    if len(name.split()) > _MAX_NAME_WORDS or not re.search(r"[^\W\d_]", name):
        return None
    # Bylines in capitals ("TOM KRISHER") are names, not acronyms.
    return name.title() if name.isupper() and len(name) > 4 else name


def clean_authors(raws: list[str]) -> list[str]:
    """Split joint bylines, clean each name, drop duplicates (case-insensitive, order kept)."""
    seen: set[str] = set()
    names: list[str] = []
    for raw in raws:
        parts = _SEPARATORS.split(_BY_PREFIX.sub("", raw.strip()))
        for position, part in enumerate(parts):
            if position > 0 and _ROLE.search(part):
                continue
            name = clean_author(part)
            if name and name.casefold() not in seen:
                seen.add(name.casefold())
                names.append(name)
    return names
