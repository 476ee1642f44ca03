"""The publisher's time zone, where the page says which country it comes from.

A structured timestamp written in UTC (`Z`, `+00:00`) names the instant but not the day the
publisher printed: an article filed at 00:15 in Rome is `23:15Z` the day before. When the
page's country is known and every zone of that country keeps the same clock at that instant
(Italy, Germany, Japan; not the United States or Russia), the instant is read on that clock.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import pytz

# Country-code TLDs sold as generic names: they say nothing about where the publisher is.
VANITY_TLDS = frozenset({
    "ai", "am", "cc", "co", "fm", "gg", "io", "im", "la", "ly", "me", "nu", "sh", "tk", "to", "tv", "ws", "xyz",
})
# ISO 3166 codes whose TLD is spelt otherwise.
TLD_COUNTRY = {"uk": "gb"}
_REGION = re.compile(r"^[a-z]{2,3}[-_]([a-z]{2})$", re.IGNORECASE)


def page_country(host: str | None, lang: str | None, locale: str | None) -> str | None:
    """The host's country-code TLD, else the region of the page's language tag (`de-AT`) or
    of og:locale (`de_AT`); lower-case ISO 3166 alpha-2, or None."""
    if host and "." in host:
        tld = host.rsplit(".", 1)[1].lower()
        tld = TLD_COUNTRY.get(tld, tld)
        if len(tld) == 2 and tld not in VANITY_TLDS and tld.upper() in pytz.country_timezones:
            return tld
    for tag in (lang, locale):
        match = _REGION.match((tag or "").strip())
        if match and match.group(1).upper() in pytz.country_timezones:
            return match.group(1).lower()
    return None


@lru_cache(maxsize=None)
def _zones(country: str) -> tuple[ZoneInfo, ...]:
    return tuple(ZoneInfo(name) for name in pytz.country_timezones[country])


def country_clock(country: str | None, moment: datetime):
    """The zone to read `moment` in for `country`, or None when the country's zones disagree
    at that instant (or the country is unknown)."""
    if not country:
        return None
    zones = _zones(country)
    offsets = {moment.astimezone(zone).utcoffset() for zone in zones}
    return zones[0] if len(offsets) == 1 else None


def on_local_clock(moment: datetime, country: str | None) -> datetime | None:
    """`moment` (aware, written in UTC) on the publisher's clock, or None when it cannot be
    told. A time of exactly midnight is a date written as a timestamp: it stays as it is."""
    if moment.time() == datetime.min.time() or moment.utcoffset() != timedelta(0):
        return None
    zone = country_clock(country, moment)
    return moment.astimezone(zone) if zone else None
