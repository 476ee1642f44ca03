"""Article metadata from the parsed page: JSON-LD first, then meta tags, then the visible page,
then the URL, then feed/sitemap hints. Missing values stay None; nothing is guessed."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin

from pipeline.extract import jsonld
from pipeline.extract.authors import Credits, clean_credits
from pipeline.extract.candidates import MAX_LINK_SHARE
from pipeline.extract.hosts import host_name
from pipeline.extract.paragraphs import block_paragraphs, split_paragraphs
from pipeline.extract.published import find_published, modified_evidence
from pipeline.extract.zones import page_country
from pipeline.extract.titles import clean_title
from pipeline.urls import article_url

AUTHOR_KEYS = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "byl")
_BYLINE_XPATH = (
    './/*[@rel="author"] | .//*[@itemprop="author"]//*[@itemprop="name"] | '
    './/*[@itemprop="author" and not(.//*[@itemprop="name"])] | '
    './/*[contains(concat(" ", normalize-space(@class), " "), " byline ")] | '
    './/*[contains(concat(" ", normalize-space(@class), " "), " author ")] | '
    './/*[contains(@class, "author-name") or contains(@class, "byline__name")]'
)
_MAX_BYLINE_CHARS = 120


@dataclass
class Metadata:
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    date_source: str | None = None  # which evidence gave published_at (see published.py)
    modified_at: datetime | None = None
    url: str | None = None
    canonical_url: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    top_image: str | None = None
    site_name: str | None = None
    host: str | None = None
    author_orgs: list[str] = field(default_factory=list)
    description: str | None = None
    headings: list[str] = field(default_factory=list)  # title and <h1>: what a body must not repeat
    # The body as the page itself marks it (JSON-LD articleBody, itemprop="articleBody"):
    # evidence for the body extraction, not the body (it may be truncated or hold captions).
    marked_body: list[str] = field(default_factory=list)


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


def _spaced_text(element) -> str:
    """Text with a space between elements: "<b>ANN LEE</b><i>Wire</i>" is two pieces."""
    return re.sub(r"\s+", " ", " ".join(element.itertext())).strip()


def _credits(article: dict, tags, tree, hint, sites: list[str]) -> Credits:
    """Authors from the first source that names any: JSON-LD, meta tags, the page's first
    byline (later bylines belong to teasers and comments), the feed."""
    typed_orgs = jsonld.organisation_names(article.get("author"))
    from_jsonld = clean_credits(jsonld.person_names(article.get("author")) + typed_orgs, sites)
    if from_jsonld:
        # What JSON-LD types as an organisation is one, whatever its name looks like.
        people = [p for p in from_jsonld.people if p not in typed_orgs]
        return Credits(people, from_jsonld.organisations + [p for p in from_jsonld.people if p in typed_orgs])
    # article:author is often a profile URL: useless as a name.
    from_meta = clean_credits([v for key in AUTHOR_KEYS for v in tags.get(key, []) if not v.startswith("http")], sites)
    if from_meta:
        return from_meta
    for byline in (_text(e) for e in tree.xpath(_BYLINE_XPATH)):
        if 0 < len(byline) <= _MAX_BYLINE_CHARS:
            from_page = clean_credits([byline], sites)
            if from_page:
                return from_page
    printed = _printed_byline(tree)
    if printed:
        from_text = clean_credits([printed], sites)
        if from_text:
            return from_text
    hinted = hint if isinstance(hint, list) else [hint] if hint else []
    return clean_credits([str(h) for h in hinted], sites)


# A byline printed without markup: "By Ann Lee and Tom Ray", "Von Klaus Brenner". The
# names after the word must be capitalised, so "By subject" and "by the council" are not.
_PRINTED_BYLINE = re.compile(r"^(?:by|von|par|por|door)\s+(?-i:[A-Z][\w.'-]*\s+[A-Z][\w.'-]*)", re.I)
_BYLINE_TAGS = ("p", "div", "span", "li", "address", "strong", "em", "small", "b", "header", "section")


def _printed_byline(tree) -> str | None:
    """The first element whose own text opens with a byline, as the whole element reads."""
    for element in tree.iter(*_BYLINE_TAGS):
        own = (element.text or "").strip()
        if own[:5].lower().startswith(("by", "von", "par", "por", "door")):
            text = _spaced_text(element)
            # "<span>By</span> <a>Ann Lee</a>": the word alone; the names are beside it.
            if text.lower() == own.lower() and element.getparent() is not None:
                text = _spaced_text(element.getparent())
            if len(text) <= _MAX_BYLINE_CHARS and _PRINTED_BYLINE.match(text):
                return text
    return None


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


def _marked_body(article: dict, tree) -> list[str]:
    body = article.get("articleBody")
    if isinstance(body, str) and body.strip():
        return split_paragraphs(body)
    return [p for element in tree.xpath('.//*[@itemprop="articleBody"]') for p in block_paragraphs(element, MAX_LINK_SHARE)]


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


def extract_metadata(tree, url: str | None, hints: dict, captured_at: datetime | None = None) -> Metadata:
    """`captured_at`: when the page was fetched or archived; no date after it is believed."""
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
    # The host of the URL the page was fetched from; a page read from a file has only its own
    # canonical URL to say where it lives.
    host = host_name(url) or host_name(known_as)
    credits = _credits(article, tags, tree, hints.get("authors"), [site_name or "", host or "", *publisher])
    country = page_country(host, tree.get("lang"), _first(tags, ("og:locale",)))
    published = find_published(tree, article, tags, known_as, hints.get("published"), captured_at, country)
    modified = modified_evidence(article, tags, captured_at)
    return Metadata(
        title=title,
        authors=credits.people,
        author_orgs=credits.organisations,
        published_at=published.moment,
        date_source=published.source,
        modified_at=modified[0].moment if modified else None,
        url=known_as,
        canonical_url=known_as,
        section=section,
        tags=_keywords(article, tags),
        top_image=urljoin(known_as or "", image) if image else None,
        site_name=site_name or host,
        host=host,
        description=description,
        headings=[h for h in (title, _text(h1) if h1 is not None else None) if h],
        marked_body=_marked_body(article, tree),
    )
