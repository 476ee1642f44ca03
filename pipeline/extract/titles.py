"""Titles without the site name that pages add to them ("Headline | The Daily Planet")."""
from __future__ import annotations

import re

_SEPARATOR = re.compile(r"(\s+(?:\||–|—|-|·|::|»|•)\s+)")
# A last segment this short is taken for a site name even when the site name is unknown, but
# only in <title>, where such suffixes are customary; og:title and <h1> are usually clean.
_MAX_SUFFIX_WORDS = 4


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", text).casefold()


def _names_site(segment: str, site: str) -> bool:
    squashed = _squash(segment)
    return bool(site) and (squashed == site or (site in squashed and len(segment.split()) <= _MAX_SUFFIX_WORDS + 1))


def clean_title(raw: str, site_name: str | None, source: str) -> str:
    title = re.sub(r"\s+", " ", raw).strip()
    pieces = _SEPARATOR.split(title)  # segment, separator, segment, ...
    if len(pieces) < 3:
        return title
    site = _squash(site_name or "")
    if _names_site(pieces[-1], site):
        return "".join(pieces[:-2]).strip()
    if _names_site(pieces[0], site):
        return "".join(pieces[2:]).strip()
    if source == "title":
        head, suffix = "".join(pieces[:-2]).strip(), pieces[-1]
        if len(suffix.split()) <= _MAX_SUFFIX_WORDS and len(head.split()) >= 2 * len(suffix.split()):
            return head
    return title
