"""Article metadata from the parsed page: JSON-LD first, then meta tags, then the visible page,
then the URL, then feed/sitemap hints. Missing values stay None; nothing is guessed."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin

from pipeline.extract import jsonld
from pipeline.extract.authors import clean_authors
from pipeline.extract.dates import date_from_url, parse_date
from pipeline.extract.titles import clean_title
from pipeline.urls import article_url

PUBLISHED_KEYS = (
    "article:published_time", "og:published_time", "datepublished", "article.published",
    "publishdate", "publish-date", "publish_date", "pubdate", "date", "dc.date.issued", "dc.date",
    "dcterms.created", "dcterms.issued", "sailthru.date", "parsely-pub-date", "article_date_original",
    "cxenseparse:recs:publishtime", "original-publish-date",
)
MODIFIED_KEYS = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified", "last-modified")
AUTHOR_KEYS = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "byl")
_BYLINE_XPATH = (
    './/*[@rel="author"] | .//*[@itemprop="author"]//*[@itemprop="name"] | '
    './/*[@itemprop="author" and not(.//*[@itemprop="name"])] | '
    './/*[contains(concat(" ", normalize-space(@class), " "), " byline ")] | '
    './/*[contains(@class, "author-name") or contains(@class, "byline__name")]'
)
_MAX_BYLINE_CHARS = 120


@dataclass
class Metadata:
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    modified_at: datetime | None = None
    url: str | None = None
    canonical_url: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    top_image: str | None = None
    site_name: str | None = None
    description: str | None = None
    headings: list[str] = field(default_factory=list)  # title and <h1>: what a body must not repeat


def meta_tags(tree) -> dict[str, list[str]]:
    """Every <meta> value by lowercased property/name/itemprop, in page order."""
    tags: dict[str, list[str]] = {}
    for element in tree.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        value = element.get("content")
        if key and value and value.strip():
            tags.setdefault(key.strip().lower(), []).append(value.strip())
    return tags


def _first(tags: dict[str, list[str]], keys) -> str | None:
    for key in keys:
        if tags.get(key):
            return tags[key][0]
    return None


def _text(element) -> str:
    return re.sub(r"\s+", " ", element.text_content()).strip()


def _time_elements(tree) -> list[str]:
    # An explicitly marked publication time first, then any <time datetime>.
    marked = tree.xpath('.//time[@datetime][@itemprop="datePublished" or @pubdate]/@datetime')
    return marked + tree.xpath(".//time/@datetime")


def _published(article: dict, tags, tree, url, hint) -> datetime | None:
    candidates = [article.get("datePublished"), article.get("dateCreated")]
    candidates += [v for key in PUBLISHED_KEYS for v in tags.get(key, [])]
    candidates += _time_elements(tree)
    for value in candidates:
        moment = parse_date(value)
        if moment:
            return moment
    return date_from_url(url) or parse_date(hint)


def _modified(article: dict, tags) -> datetime | None:
    for value in [article.get("dateModified")] + [v for key in MODIFIED_KEYS for v in tags.get(key, [])]:
        moment = parse_date(value)
        if moment:
            return moment
    return None


def _authors(article: dict, tags, tree, hint) -> list[str]:
    from_jsonld = clean_authors(jsonld.person_names(article.get("author")))
    if from_jsonld:
        return from_jsonld
    # article:author is often a profile URL: useless as a name.
    from_meta = clean_authors([v for key in AUTHOR_KEYS for v in tags.get(key, []) if not v.startswith("http")])
    if from_meta:
        return from_meta
    bylines = [_text(e) for e in tree.xpath(_BYLINE_XPATH)]
    from_page = clean_authors([b for b in bylines if 0 < len(b) <= _MAX_BYLINE_CHARS])
    if from_page:
        return from_page
    hinted = hint if isinstance(hint, list) else [hint] if hint else []
    return clean_authors([str(h) for h in hinted])


def _declared_urls(tree, tags, article: dict) -> list[str]:
    """The page's claims about its own URL, most trusted first; `article_url` chooses among them."""
    links = tree.xpath('.//link[@rel="canonical"]/@href')
    main = article.get("mainEntityOfPage")
    return links + tags.get("og:url", []) + [jsonld.first_url(article.get("url")), jsonld.first_url(main)]


def _raw_title(article: dict, tags, tree) -> tuple[str | None, str]:
    headline = article.get("headline") if isinstance(article.get("headline"), str) else None
    h1 = tree.find(".//h1")
    title_element = tree.find(".//title")
    for value, source in (
        (_first(tags, ("og:title", "twitter:title")), "meta"),
        (headline, "jsonld"),
        (_text(h1) if h1 is not None else None, "h1"),
        (_text(title_element) if title_element is not None else None, "title"),
    ):
        if value and value.strip():
            return value.strip(), source
    return None, ""


def _keywords(article: dict, tags) -> list[str]:
    found = tags.get("article:tag", []) or jsonld.text_list(article.get("keywords"))
    if not found:
        found = [t.strip() for v in tags.get("news_keywords", []) + tags.get("keywords", []) for t in v.split(",")]
    seen: set[str] = set()
    unique = []
    for keyword in (k for k in found if k):
        if keyword.casefold() not in seen:
            seen.add(keyword.casefold())
            unique.append(keyword)
    return unique


def extract_metadata(tree, url: str | None, hints: dict) -> Metadata:
    article = jsonld.article_object(tree)
    tags = meta_tags(tree)
    publisher = jsonld.names(article.get("publisher"))
    site_name = _first(tags, ("og:site_name", "application-name")) or (publisher[0] if publisher else None)
    raw_title, source = _raw_title(article, tags, tree)
    h1 = tree.find(".//h1")
    title = clean_title(raw_title, site_name, source) if raw_title else hints.get("title") or None
    known_as = article_url(_declared_urls(tree, tags, article), url)
    section = _first(tags, ("article:section", "section", "parsely-section")) or next(
        iter(jsonld.text_list(article.get("articleSection"))), None
    )
    image = _first(tags, ("og:image", "og:image:url", "twitter:image", "twitter:image:src")) or jsonld.first_url(
        article.get("image")
    )
    description = _first(tags, ("og:description", "description", "twitter:description")) or (
        article.get("description") if isinstance(article.get("description"), str) else None
    )
    return Metadata(
        title=title,
        authors=_authors(article, tags, tree, hints.get("authors")),
        published_at=_published(article, tags, tree, known_as, hints.get("published")),
        modified_at=_modified(article, tags),
        url=known_as,
        canonical_url=known_as,
        section=section,
        tags=_keywords(article, tags),
        top_image=urljoin(known_as or "", image) if image else None,
        site_name=site_name,
        description=description,
        headings=[h for h in (title, _text(h1) if h1 is not None else None) if h],
    )
