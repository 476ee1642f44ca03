"""When the article was first published, and which evidence says so.

The evidence, strongest first:
  * url       a day the URL's path spells out (/2020/03/27/): written by the publisher's CMS
              in its own time zone when the article was first filed, never updated;
  * jsonld    schema.org datePublished / dateCreated of the article object;
  * meta      article:published_time and the other publication meta tags;
  * time      <time datetime> marked as the publication time (itemprop, pubdate);
  * htmldate  htmldate's search for the original date (header, then the visible page), which
              knows many more markup habits and date formats than the list above;
  * feed      the date the feed or sitemap gave for the link.

Rules, each for a class of pages:
  * a URL day wins: structured timestamps are often written in UTC, which for pages east or
    west of Greenwich is the wrong local day; the URL is the local day;
  * the structured timestamp is kept whenever it falls on the chosen day (it carries the time);
  * a structured timestamp written in UTC gives way to the same instant written in local time
    elsewhere on the page (a <time> with an offset, a CMS's local timestamp); failing that, it
    is read on the clock of the page's country when it was written with `Z` and that country
    keeps one clock (zones.py);
  * htmldate completes dates it found only in part ("March 2020", a copyright year) to the
    first of the month: a first of the month from htmldate counts only when the page writes
    that day out in full somewhere;
  * htmldate decides between the structured candidates, and over them, because where they
    disagree it is right more often (pages carrying several dates in meta tags, comments with
    their own <time> elements); but a date it found that the page declares as the modification
    date gives way to the declared publication date;
  * nothing after the capture time, nothing before 1990 (dates.plausible).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from htmldate import find_date
from htmldate.extractors import LONG_TEXT_PATTERN, regex_parse
from lxml import etree

from pipeline.extract.dates import EARLIEST, FUTURE_SLACK, aware, date_from_url, parse_moment, plausible
from pipeline.extract.zones import on_local_clock

log = logging.getLogger(__name__)

PUBLISHED_KEYS = (
    "article:published_time", "og:published_time", "datepublished", "article.published",
    "publishdate", "publish-date", "publish_date", "pubdate", "date", "dc.date.issued", "dc.date",
    "dcterms.created", "dcterms.issued", "sailthru.date", "parsely-pub-date", "article_date_original",
    "cxenseparse:recs:publishtime", "original-publish-date",
)
MODIFIED_KEYS = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified", "last-modified")
# The largest UTC offsets in use are -12 and +14 hours.
_MAX_OFFSET = timedelta(hours=14)


@dataclass(frozen=True)
class Evidence:
    moment: datetime  # aware
    source: str       # url, jsonld, meta, time, htmldate, feed
    in_utc: bool      # written with Z or +00:00: its day may not be the publisher's
    # Written with the Z designator: a serialiser converted it to UTC. `+00:00` is as often a
    # CMS printing its own clock with its zone left at the default (WordPress), so only Z-times
    # are moved to the country's clock.
    zulu: bool = False

    @property
    def day(self) -> date:
        return self.moment.date()


@dataclass(frozen=True)
class Published:
    moment: datetime | None
    source: str | None


def _evidence(value, source: str, latest: datetime) -> Evidence | None:
    written = parse_moment(value)
    moment = plausible(written, latest)
    if moment is None:
        return None
    in_utc = written.tzinfo is not None and written.utcoffset() == timedelta(0)
    zulu = in_utc and isinstance(value, str) and value.strip()[-1:] in ("Z", "z")
    return Evidence(moment, source, in_utc, zulu)


def _local_rendering(utc: Evidence, others: list[Evidence]) -> Evidence | None:
    """Another candidate that writes the same instant in a local time: the same instant with a
    non-zero offset, or a zone-less time whose minutes and seconds match within the range of
    real offsets (a CMS printing its local clock)."""
    for other in others:
        if other.in_utc:
            continue
        offset = other.moment.utcoffset() or timedelta(0)
        if offset and other.moment == utc.moment:
            return other
        shift = other.moment.replace(tzinfo=timezone.utc) - utc.moment
        if not offset and other.moment.second == utc.moment.second and timedelta(0) < abs(shift) <= _MAX_OFFSET \
                and shift % timedelta(minutes=15) == timedelta(0) and (utc.moment.second or utc.moment.minute):
            return other
    return None


def _on_country_clock(utc: Evidence, country: str | None) -> Evidence | None:
    local = on_local_clock(utc.moment, country) if utc.zulu else None
    return Evidence(local, utc.source, False) if local else None


def localise(candidates: list[Evidence], country: str | None = None) -> list[Evidence]:
    """Each UTC candidate replaced by its local rendering when the page has one, else read on
    the clock of the page's country when that can be told."""
    return [(_local_rendering(c, candidates) or _on_country_clock(c, country) or c) if c.in_utc else c
            for c in candidates]


def _htmldate_day(tree, latest: datetime) -> date | None:
    """htmldate's original date. Its own URL parsing is switched off (url=""): the URL rule
    here is stricter. Extensive search: it finds dates in the visible text that markup lacks,
    for a few milliseconds a page. The latest date it may return is the capture day."""
    try:
        found = find_date(
            tree, extensive_search=True, original_date=True, url="",
            min_date=EARLIEST.replace(tzinfo=None),
            max_date=(latest + FUTURE_SLACK).replace(tzinfo=None, hour=23, minute=59, second=59, microsecond=0),
        )
    except Exception as error:  # a page that trips htmldate must not lose the article
        log.debug("htmldate failed: %s", error)
        return None
    return date.fromisoformat(found) if found else None


def spelled_out(day: date, page: str) -> bool:
    """Whether `page` (markup and text) writes `day` in full: numerically (2020-03-01,
    01.03.2020, 3/1/2020) or with a month name in one of the languages htmldate knows."""
    y, m, d = day.year, day.month, day.day
    numeric = re.compile(rf"(?<!\d)(?:{y}[-/.]0?{m}[-/.]0?{d}|0?{d}\.?\s?[-/.]?\s?0?{m}[-/.]\s?{y}|0?{m}/0?{d}/{y})(?!\d)")
    if numeric.search(page):
        return True
    for match in LONG_TEXT_PATTERN.finditer(page):
        parsed = regex_parse(match.group(0))
        if parsed is not None and parsed.date() == day:
            return True
    return False


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def choose(url_day: date | None, originals: list[Evidence], modified: list[Evidence],
           htmldate_day: date | None, hint: Evidence | None, country: str | None = None) -> Published:
    """The decision over gathered evidence (see the module docstring)."""
    originals = localise(originals, country)
    day = url_day
    if day is None and htmldate_day is not None:
        if originals and htmldate_day not in {e.day for e in originals}:
            return Published(originals[0].moment, originals[0].source)
        day = htmldate_day
    if day is not None:
        agreeing = next((e for e in originals if e.day == day), None)
        if agreeing:
            return Published(agreeing.moment, agreeing.source)
        return Published(_midnight(day), "url" if url_day else "htmldate")
    if originals:
        return Published(originals[0].moment, originals[0].source)
    if hint:
        return Published(hint.moment, "feed")
    return Published(None, None)


# More <time> elements marked as publication times than this are a list's (comments,
# related stories), not the article's.
MAX_MARKED_TIMES = 3


def _time_elements(tree) -> list[str]:
    marked = tree.xpath('.//time[@datetime][@itemprop="datePublished" or @pubdate]/@datetime')
    return marked if len(marked) <= MAX_MARKED_TIMES else []


def modified_evidence(article: dict, tags: dict[str, list[str]], latest: datetime) -> list[Evidence]:
    values = [(article.get("dateModified"), "jsonld")] + [(v, "meta") for k in MODIFIED_KEYS for v in tags.get(k, [])]
    found = (_evidence(value, source, latest) for value, source in values)
    return [e for e in found if e]


def find_published(tree, article: dict, tags: dict[str, list[str]], url: str | None, hint,
                   latest: datetime | None = None, country: str | None = None) -> Published:
    """`tree` is only read (htmldate copies it before pruning); `country` is the page's
    (zones.page_country), for timestamps written in UTC."""
    latest = aware(latest) if latest else datetime.now(timezone.utc)
    values = [(article.get("datePublished"), "jsonld"), (article.get("dateCreated"), "jsonld")]
    values += [(v, "meta") for key in PUBLISHED_KEYS for v in tags.get(key, [])]
    values += [(v, "time") for v in _time_elements(tree)]
    originals = [e for e in (_evidence(value, source, latest) for value, source in values) if e]
    url_moment = date_from_url(url, latest)
    url_day = url_moment.date() if url_moment else None
    htmldate_day = None if url_day else _htmldate_day(tree, latest)
    if htmldate_day and htmldate_day.day == 1 and not any(e.day == htmldate_day for e in originals):
        if not spelled_out(htmldate_day, etree.tostring(tree, encoding="unicode")):
            htmldate_day = None
    return choose(url_day, originals, modified_evidence(article, tags, latest), htmldate_day,
                  _evidence(hint, "feed", latest) if hint else None, country)
