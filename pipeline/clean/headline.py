"""Recognising copies of the headline inside the body."""
from __future__ import annotations

import re

from pipeline.clean.lines import Line, comparison_key

# "Headline | Site name" or "Headline - Site name": scrapers often keep the <title> form.
_SITE_SUFFIX = re.compile(r"\s+[|\-–—]\s+[^|\-–—]{1,60}$")


def title_keys(title: str | None) -> set[str]:
    if not title or not title.strip():
        return set()
    keys = {comparison_key(title)}
    without_site = _SITE_SUFFIX.sub("", title.strip())
    if without_site != title.strip():
        keys.add(comparison_key(without_site))
    return {key for key in keys if key}


def title_matches(line: str, keys: set[str]) -> bool:
    return comparison_key(line) in keys


def headline_keys(lines: list[Line], title: str | None) -> set[str]:
    """The keys a headline copy may have: the title's, plus the first line's when the body
    repeats it (the title we were given may be worded differently from the page's headline;
    a lone first line may be a real opening sentence, so it needs the repetition as evidence)."""
    keys = title_keys(title)
    if not lines:
        return keys
    first = comparison_key(lines[0].text)
    if first and any(comparison_key(line.text) == first for line in lines[1:]):
        keys.add(first)
    return keys
