"""URL lists: given inline in the config or as text files of one URL a line (# starts a comment)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator


def looks_like_url(text: str) -> bool:
    return "://" in text


def iter_listed_urls(locations: list[str]) -> Iterator[str]:
    for location in locations:
        if looks_like_url(location):
            yield location.strip()
            continue
        for line in Path(location).read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                yield line
