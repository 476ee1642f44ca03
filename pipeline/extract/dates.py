"""Publication dates: parse loosely, then keep only plausible ones (timezone-aware, UTC default)."""
from __future__ import annotations

import calendar
import re
import time
from datetime import datetime, timedelta, timezone

from dateutil import parser as date_parser

EARLIEST = datetime(1990, 1, 1, tzinfo=timezone.utc)
# A page published "tomorrow" in a timezone far east of UTC is still today somewhere.
FUTURE_SLACK = timedelta(days=1)

_URL_DATE = re.compile(
    r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?:/|-|$)"
    r"|/((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?:/|-|_|$)"
)


def plausible(moment: datetime | None, now: datetime | None = None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return moment if EARLIEST <= moment <= now + FUTURE_SLACK else None


def parse_date(value) -> datetime | None:
    """A datetime from an ISO string, a loose date string, epoch seconds/milliseconds, a datetime,
    a struct_time (what feedparser gives) or a list of any of these (JSON-LD allows one)."""
    if isinstance(value, datetime):
        return plausible(value)
    if isinstance(value, list):
        return next((moment for moment in map(parse_date, value) if moment), None)
    if isinstance(value, time.struct_time):
        value = calendar.timegm(value)
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
        number = float(value)
        if number > 1e11:  # milliseconds
            number /= 1000
        if number < 1e8:  # a bare year or id, not a timestamp
            return None
        return plausible(datetime.fromtimestamp(number, tz=timezone.utc))
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return plausible(date_parser.isoparse(text))
    except (ValueError, OverflowError):
        pass
    try:
        return plausible(date_parser.parse(text, fuzzy=True))
    except (ValueError, OverflowError, TypeError):
        return None


def date_from_url(url: str | None) -> datetime | None:
    if not url:
        return None
    match = _URL_DATE.search(url)
    if not match:
        return None
    year, month, day = [g for g in match.groups() if g is not None]
    try:
        return plausible(datetime(int(year), int(month), int(day), tzinfo=timezone.utc))
    except ValueError:
        return None
