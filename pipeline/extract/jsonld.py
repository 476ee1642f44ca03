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


# Values that graphs (Yoast and other CMS plugins) give as a bare {"@id": ...} reference to a
# node elsewhere in the page's JSON-LD.
_REFERENCED_KEYS = ("author", "publisher")


def _resolve(value, nodes: dict[str, dict]):
    if isinstance(value, list):
        return [_resolve(item, nodes) for item in value]
    if isinstance(value, dict) and set(value) == {"@id"}:
        return nodes.get(str(value["@id"]), value)
    return value


def article_object(tree) -> dict:
    """The most specific article object of the page, its author and publisher references
    resolved to the nodes they point at."""
    best, best_rank = {}, 99
    nodes: dict[str, dict] = {}
    for script in tree.iterfind('.//script[@type="application/ld+json"]'):
        data = _load(script.text or "")
        for obj in _objects(data):
            if "@id" in obj and len(obj) > 1:
                nodes.setdefault(str(obj["@id"]), obj)
            kinds = _types(obj) & ARTICLE_TYPES
            if not kinds:
                continue
            rank = min(_TYPE_RANK.get(k, 1) for k in kinds)
            if rank < best_rank:
                best, best_rank = obj, rank
    if best and any(key in best for key in _REFERENCED_KEYS):
        best = {**best, **{key: _resolve(best[key], nodes) for key in _REFERENCED_KEYS if key in best}}
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


def _is_organisation(entry) -> bool:
    return isinstance(entry, dict) and bool(_types(entry) & {"organization", "newsmediaorganization", "corporation"})


def person_names(value) -> list[str]:
    """Authors' names as the page types them: people only."""
    entries = value if isinstance(value, list) else [value]
    return names([e for e in entries if not _is_organisation(e)])


def organisation_names(value) -> list[str]:
    """Authors the page types as organisations (a news agency, a desk, the site)."""
    entries = value if isinstance(value, list) else [value]
    return names([e for e in entries if _is_organisation(e)])


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
