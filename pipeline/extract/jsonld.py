"""The article object of a page's JSON-LD (schema.org), flattened out of graphs and lists."""
from __future__ import annotations

import json
import re

ARTICLE_TYPES = {
    "newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "blogposting", "liveblogposting", "report",
    "scholarlyarticle", "techarticle", "socialmediaposting", "webpage",
}
# Prefer the most specific type: a news article beats the page that contains it.
_TYPE_RANK = {"webpage": 2}


def _objects(node):
    if isinstance(node, list):
        for item in node:
            yield from _objects(item)
    elif isinstance(node, dict):
        yield node
        if "@graph" in node:
            yield from _objects(node["@graph"])


def _types(obj: dict) -> set[str]:
    kind = obj.get("@type", [])
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower() for k in kinds}


def _load(script_text: str):
    text = script_text.strip()
    # Some sites wrap JSON-LD in CDATA or HTML comments, or leave trailing commas.
    text = re.sub(r"^(?:<!\[CDATA\[|<!--)|(?:\]\]>|-->)$", "", text).strip()
    try:
        return json.loads(text)
    except ValueError:
        try:
            return json.loads(re.sub(r",\s*([}\]])", r"\1", text))
        except ValueError:
            return None


def article_object(tree) -> dict:
    best, best_rank = {}, 99
    for script in tree.iterfind('.//script[@type="application/ld+json"]'):
        data = _load(script.text or "")
        for obj in _objects(data):
            kinds = _types(obj) & ARTICLE_TYPES
            if not kinds:
                continue
            rank = min(_TYPE_RANK.get(k, 1) for k in kinds)
            if rank < best_rank:
                best, best_rank = obj, rank
    return best


def names(value) -> list[str]:
    """Names out of a schema.org person/organisation value: a string, an object or a list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        return names(name) if name else []
    if isinstance(value, list):
        return [n for item in value for n in names(item)]
    return []


def person_names(value) -> list[str]:
    """Authors' names, leaving out organisations listed beside people (a desk, the site)."""
    entries = value if isinstance(value, list) else [value]
    people = [e for e in entries if not (isinstance(e, dict) and "organization" in _types(e))]
    return names(people or entries)


def first_url(value) -> str | None:
    """A URL out of a schema.org image/url value: a string, an ImageObject or a list."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        return first_url(value.get("url") or value.get("@id"))
    if isinstance(value, list):
        for item in value:
            url = first_url(item)
            if url:
                return url
    return None


def text_list(value) -> list[str]:
    if isinstance(value, str):
        return [t.strip() for t in value.split(",") if t.strip()]
    if isinstance(value, list):
        return [t for item in value for t in text_list(item)]
    return []
