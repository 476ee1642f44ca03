"""Publication dates: the evidence, the decision between sources, and the limits (1990, capture time)."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from pipeline.extract import extract_html
from pipeline.extract.command import main as extract_command
from pipeline.extract.dates import date_from_url, parse_date, parse_moment
from pipeline.extract.hosts import host_name
from pipeline.extract.published import Evidence, Published, choose, localise, spelled_out

FIXTURES = Path(__file__).parent / "fixtures" / "html"
UTC = timezone.utc


def evidence(text: str, source: str = "jsonld") -> Evidence:
    written = parse_moment(text)
    return Evidence(written if written.tzinfo else written.replace(tzinfo=UTC), source,
                    written.tzinfo is not None and written.utcoffset() == timedelta(0))


def page(body_head: str, url: str = "https://paper.example/news/story") -> str:
    paragraphs = "".join(
        f"<p>Paragraph {n} of a story about the harbour wall, with enough words to read as an article body.</p>"
        for n in range(6))
    return (f"<html><head><title>Harbour wall</title><link rel='canonical' href='{url}'>{body_head}</head>"
            f"<body><article><h1>Harbour wall</h1>{paragraphs}</article></body></html>")


def test_url_day_wins_over_a_utc_timestamp_of_the_next_day():
    # 01:09 UTC on the 9th is the evening of the 8th where the paper is; its URL says the 8th.
    chosen = choose(date(2023, 11, 8), [evidence("2023-11-09T01:09:55Z")], [], None, None)
    assert chosen == Published(datetime(2023, 11, 8, tzinfo=UTC), "url")


def test_a_structured_timestamp_on_the_chosen_day_keeps_its_time():
    stamp = evidence("2023-11-08T18:09:55-05:00", "meta")
    assert choose(date(2023, 11, 8), [stamp], [], None, None) == Published(stamp.moment, "meta")
    assert choose(None, [stamp], [], date(2023, 11, 8), None) == Published(stamp.moment, "meta")


def test_utc_gives_way_to_the_same_instant_written_in_local_time():
    utc, local = evidence("2023-11-09T02:11:03+00:00"), evidence("2023-11-08T21:11:03-05:00", "time")
    assert localise([utc, local]) == [local, local]
    # a zone-less CMS clock with the same minutes and seconds, hours apart, is the same instant
    naive = evidence("2023-11-08 18:09:55", "jsonld")
    assert localise([evidence("2023-11-09T01:09:55Z", "meta"), naive])[0] == naive
    # an unrelated local time is not a rendering of it
    other = evidence("2023-11-08T10:00:00+01:00", "meta")
    assert localise([utc, other])[0] == utc


def test_htmldate_decides_between_structured_dates_but_not_against_all_of_them():
    first, second = evidence("2022-01-04T07:29:00Z"), evidence("2022-01-06T08:29:34+01:00", "meta")
    # htmldate agrees with one of the page's publication dates: that one
    assert choose(None, [first, second], [], date(2022, 1, 6), None).source == "meta"
    # htmldate found a day no publication date gives (a comment, the modification): the page's own
    assert choose(None, [first], [evidence("2022-01-25T14:24:00Z")], date(2022, 1, 25), None) == \
        Published(first.moment, "jsonld")
    # nothing structured: htmldate's day, at midnight UTC
    assert choose(None, [], [], date(2019, 5, 6), None) == Published(datetime(2019, 5, 6, tzinfo=UTC), "htmldate")


def test_feed_date_only_when_the_page_has_nothing():
    feed = evidence("2024-05-01T07:00:00Z", "feed")
    assert choose(None, [], [], None, feed) == Published(feed.moment, "feed")
    assert choose(None, [], [], None, None) == Published(None, None)


def test_a_first_of_the_month_counts_only_when_written_in_full():
    assert spelled_out(date(2020, 3, 1), "<p>Posted on 1 March 2020</p>")
    assert spelled_out(date(2020, 3, 1), "<p>Stand: 01.03.2020</p>")
    assert spelled_out(date(2020, 3, 1), '<span data-date="2020-03-01">')
    assert spelled_out(date(2020, 3, 1), "<p>1. März 2020</p>")
    assert not spelled_out(date(2020, 3, 1), "<p>Archive: March 2020</p>")
    assert not spelled_out(date(2024, 1, 1), "<footer>Copyright 2024 Example Media</footer>")


def test_a_copyright_year_is_not_a_publication_date():
    html = page("").replace("</article>", "</article><footer>All content copyright Example Media 2021.</footer>")
    article = extract_html(html)
    assert article.published_at is None and article.date_source is None


def test_parse_moment_is_strict_and_multilingual():
    assert parse_moment("2020-10-07T12:09:00+02:00").utcoffset() == timedelta(hours=2)
    assert parse_moment("Tue, 05 Mar 2024 09:30:00 +0100") == datetime(2024, 3, 5, 8, 30, tzinfo=UTC)
    assert parse_moment("7. Oktober 2020") == datetime(2020, 10, 7)
    assert parse_moment("18 NOV 2019") == datetime(2019, 11, 18)
    # incomplete or not dates at all: no day is made up
    assert parse_moment("March 2024") is None
    assert parse_moment("updated 3 times by 2 editors") is None


def test_dates_never_after_the_capture_nor_before_1990():
    captured = datetime(2020, 6, 1, tzinfo=UTC)
    assert parse_date("2020-06-01T20:00:00Z", captured) is not None  # the same day, later hour: slack
    assert parse_date("2020-06-05", captured) is None
    assert parse_date("1989-12-31") is None
    html = page('<script type="application/ld+json">{"@type": "NewsArticle", '
                '"datePublished": "2021-03-01T10:00:00Z"}</script>')
    assert extract_html(html).published_at == datetime(2021, 3, 1, 10, tzinfo=UTC)
    # archived before that date: it cannot be the publication, and nothing else dates the page
    archived = extract_html(html, hints={"warc_date": "2020-06-01T00:00:00Z"})
    assert archived.published_at is None and archived.date_source is None


def test_url_dates_are_whole_path_segments():
    assert date_from_url("https://x.example/2020/03/27/story") == datetime(2020, 3, 27, tzinfo=UTC)
    assert date_from_url("https://x.example/blog/2019-12-09-title") == datetime(2019, 12, 9, tzinfo=UTC)
    assert date_from_url("https://x.example/a/20200115/story") == datetime(2020, 1, 15, tzinfo=UTC)
    assert date_from_url("https://x.example/2023/10/3-questions-for-ann") is None
    assert date_from_url("https://x.example/2018/02/30/story") is None


@pytest.mark.parametrize("head, source", [
    ('<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2021-04-02T09:00:00+02:00"}</script>', "jsonld"),
    ('<meta property="article:published_time" content="2021-04-02T09:00:00+02:00">', "meta"),
])
def test_date_source_names_the_evidence(head, source):
    article = extract_html(page(head))
    assert article.published_at == datetime(2021, 4, 2, 7, tzinfo=UTC) and article.date_source == source


def test_date_source_time_and_url():
    timed = page("").replace("<h1>", '<time itemprop="datePublished" datetime="2021-04-02T09:00:00+02:00">2 April</time><h1>')
    assert extract_html(timed).date_source == "time"
    dated_url = extract_html(page("", "https://paper.example/2021/04/02/harbour-wall"))
    assert (dated_url.published_at, dated_url.date_source) == (datetime(2021, 4, 2, tzinfo=UTC), "url")


def test_modified_date_is_kept_apart():
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2016-08-29T10:00:00Z", '
            '"dateModified": "2020-10-01T10:00:00Z"}</script>')
    article = extract_html(page(head))
    assert article.published_at.date() == date(2016, 8, 29)
    assert article.meta["modified_at"] == datetime(2020, 10, 1, 10, tzinfo=UTC)


def test_host_name():
    assert host_name("https://WWW.BBC.co.uk:443/news/x") == "www.bbc.co.uk"
    assert host_name("http://user@paper.example./a") == "paper.example"
    assert host_name("ftp://paper.example/a") is None and host_name("/relative") is None and host_name(None) is None


def test_host_from_the_final_url_else_the_canonical_and_site_name_falls_back_to_it():
    html = page("", "https://www.paper.example/news/wall")
    assert extract_html(html).host == "www.paper.example"
    fetched = extract_html(html, url="https://mirror.example/wall")
    assert fetched.host == "mirror.example"
    assert fetched.meta["site_name"] == "mirror.example"
    named = extract_html((FIXTURES / "jsonld_article.html").read_bytes())
    assert named.meta["site_name"] == "The Harbour Gazette" and named.host == "harbourgazette.example"


def test_command_output_carries_date_source_and_host(tmp_path, capsys):
    (tmp_path / "ferry.html").write_bytes((FIXTURES / "jsonld_article.html").read_bytes())
    assert extract_command([str(tmp_path)]) == 0
    line = json.loads(capsys.readouterr().out)
    assert line["published_at"] == "2024-03-05T09:30:00+01:00"
    assert line["date_source"] == "jsonld" and line["host"] == "harbourgazette.example"
    assert line["author_orgs"] == []


def test_a_page_without_an_article_still_reports_its_date(tmp_path, capsys):
    nav = ("<html><head><title>Gallery</title><meta property='article:published_time' content='2022-05-04T10:00:00Z'>"
           "</head><body><nav><a href='/'>Home</a> <a href='/a'>Photos</a></nav></body></html>")
    (tmp_path / "gallery.html").write_text(nav)
    assert extract_command([str(tmp_path)]) == 0
    line = json.loads(capsys.readouterr().out)
    assert line["error"] == "no_article_body"
    assert line["published_at"] == "2022-05-04T10:00:00+00:00" and line["date_source"] == "meta"
    assert "text" not in line


def _published_day(head: str, url: str, lang: str | None = None) -> date:
    html = page(head, url)
    if lang:
        html = html.replace("<html>", f"<html lang='{lang}'>", 1)
    return extract_html(html, url).published_at.date()


@pytest.mark.parametrize("url, lang, written, day", [
    # 23:00Z is midnight in Germany: a German paper printed the 5th
    ("https://zeitung.example.de/a", None, "2021-11-04T23:00Z", date(2021, 11, 5)),
    # the page's language tag names the country when the host does not
    ("https://zeitung.example.com/a", "de-AT", "2021-11-04T23:00Z", date(2021, 11, 5)),
    # no country known: the UTC day stays
    ("https://paper.example.com/a", None, "2021-11-04T23:00Z", date(2021, 11, 4)),
    # a country with several clocks (the United States) cannot tell the day
    ("https://paper.example.com/a", "en-US", "2021-11-05T02:00Z", date(2021, 11, 5)),
    # +00:00 is as often a CMS's own clock left at UTC: kept as written
    ("https://zeitung.example.de/a", None, "2021-11-04T23:00:00+00:00", date(2021, 11, 4)),
    # exactly midnight is a date written as a timestamp
    ("https://paper.example.jp/a", None, "2021-11-04T00:00:00Z", date(2021, 11, 4)),
    # a vanity country code says nothing about where the publisher is
    ("https://news.example.io/a", None, "2021-11-04T23:00Z", date(2021, 11, 4)),
])
def test_a_zulu_timestamp_is_read_on_the_clock_of_the_page_country(url, lang, written, day):
    head = f"<meta property='article:published_time' content='{written}'>"
    assert _published_day(head, url, lang) == day


def test_page_country_from_host_then_language_tag():
    from pipeline.extract.zones import page_country
    assert page_country("www.bbc.co.uk", None, None) == "gb"
    assert page_country("www.example.com", "it-IT", None) == "it"
    assert page_country("www.example.com", None, "fr_CA") == "ca"
    assert page_country("www.example.com", "en", None) is None
    assert page_country(None, None, None) is None
