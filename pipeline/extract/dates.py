"""Date values: the one place where strings, numbers and URLs become datetimes.

Every parsed moment is timezone-aware (UTC when the value names no zone) and plausible: not
before 1990 and not after the moment the page was captured (the fetch, or the WARC record's
date), with a day of slack for zones east of UTC.
"""
from __future__ import annotations

import calendar
import re
import time
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from dateutil import parser as date_parser
from htmldate.extractors import try_date_expr

EARLIEST = datetime(1990, 1, 1, tzinfo=timezone.utc)
# A page published "tomorrow" in a timezone far east of UTC is still today somewhere.
FUTURE_SLACK = timedelta(days=1)

# A date in a URL is a whole path segment run: /2020/03/27/ or /2020-03-27-slug or /20200327/.
# "/2023/10/3-questions" is not a day: with slashes the day must end its segment.
_URL_DATE = re.compile(
    r"/((?:19|20)\d{2})/(0?[1-9]|1[0-2])/(0?[1-9]|[12]\d|3[01])(?:/|\.|$)"
    r"|/((?:19|20)\d{2})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?:/|-|_|\.|$)"
    r"|/((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?:/|-|_|\.|$)"
)
# Two different defaults tell a complete date ("5 March 2024") from one dateutil would
# complete with today's day or month ("March 2024").
_DEFAULTS = (datetime(2001, 1, 1), datetime(2002, 2, 2))


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def plausible(moment: datetime | None, latest: datetime | None = None) -> datetime | None:
    """`moment` (made aware) when it lies between 1990 and `latest` (default: now), else None."""
    if moment is None:
        return None
    moment = aware(moment)
    latest = aware(latest) if latest else now_utc()
    return moment if EARLIEST <= moment <= latest + FUTURE_SLACK else None


def parse_moment(value) -> datetime | None:
    """The datetime a value writes, as written: naive when it names no zone, unchecked.
    Accepts ISO strings, RFC 2822 strings (feeds, HTTP), other complete date strings in many
    languages (day precision), epoch seconds or milliseconds, datetimes, struct_time (what
    feedparser gives) and lists of any of these (JSON-LD allows one)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, list):
        return next((moment for moment in map(parse_moment, value) if moment), None)
    if isinstance(value, time.struct_time):
        value = calendar.timegm(value)
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
        number = float(value)
        if number > 1e11:  # milliseconds
            number /= 1000
        if number < 1e8:  # a bare year or id, not a timestamp
            return None
        return datetime.fromtimestamp(number, tz=timezone.utc)
    if not isinstance(value, str) or not value.strip():
        return None
    return _parse_string(value.strip())


def _parse_string(text: str) -> datetime | None:
    try:
        return date_parser.isoparse(text)
    except (ValueError, OverflowError):
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    try:
        # Not fuzzy: fuzzy parsing turns any string with two numbers into some date.
        first, second = (date_parser.parse(text, default=default) for default in _DEFAULTS)
        if first.date() == second.date():
            return first
    except (ValueError, OverflowError, TypeError):
        pass
    # Month names in other languages, day-first numeric dates: htmldate's parser (day precision).
    day = try_date_expr(text, "%Y-%m-%d", False, EARLIEST.replace(tzinfo=None), datetime(2100, 1, 1))
    return datetime.strptime(day, "%Y-%m-%d") if day else None


def parse_date(value, latest: datetime | None = None) -> datetime | None:
    """parse_moment made aware (UTC when the value names no zone) and plausible."""
    return plausible(parse_moment(value), latest)


def date_from_url(url: str | None, latest: datetime | None = None) -> datetime | None:
    """The day a URL's path spells out (midnight UTC), or None."""
    if not url:
        return None
    match = _URL_DATE.search(url)
    if not match:
        return None
    year, month, day = [g for g in match.groups() if g is not None]
    try:
        return plausible(datetime(int(year), int(month), int(day), tzinfo=timezone.utc), latest)
    except ValueError:
        return None
