"""Extraction on hand-written pages (tests/fixtures/html) with the real extractors, offline."""
from __future__ import annotations

import gzip
import json
import random
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pipeline.extract import ExtractionError, extract_html, extract_text
from pipeline.extract.authors import clean_authors
from pipeline.extract.body import combine
from pipeline.extract.boilerplate import PROMO_PATTERNS, is_promo
from pipeline.extract.candidates import newspaper_paragraphs
from pipeline.extract.command import main as extract_command
from pipeline.extract.dates import date_from_url, parse_date
from pipeline.extract.decode import decode_html
from pipeline.extract.titles import clean_title

FIXTURES = Path(__file__).parent / "fixtures" / "html"
REPO = Path(__file__).parent.parent
LABELS = sorted((REPO / "tests" / "labels").glob("*.json"))  # labelled samples/, written by a colleague


def page(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def paragraphs(text: str) -> list[str]:
    return text.split("\n\n")


@pytest.fixture(scope="module")
def ferry():
    return extract_html(page("jsonld_article.html"))


def test_jsonld_article_metadata(ferry):
    assert ferry.title == "Ferry service to Gull Island resumes after storm repairs"
    assert ferry.authors == ["Maria Okafor", "Tom Reyes"]
    assert ferry.published_at == datetime(2024, 3, 5, 8, 30, tzinfo=timezone.utc)
    assert ferry.published_at.utcoffset() == timedelta(hours=1)
    assert ferry.meta["modified_at"] == datetime(2024, 3, 5, 13, 5, tzinfo=timezone.utc)
    assert ferry.url == "https://harbourgazette.example/news/2024/03/05/gull-island-ferry-resumes"
    assert ferry.meta["canonical_url"] == ferry.url
    assert ferry.meta["section"] == "Local"
    assert ferry.meta["tags"] == ["Transport", "Weather"]
    assert ferry.meta["site_name"] == "The Harbour Gazette"
    assert ferry.meta["top_image"] == "https://harbourgazette.example/images/ferry-at-dock.jpg"
    assert ferry.meta["description"].startswith("The island ferry is back")
    assert ferry.language == "en"
    assert ferry.extractor


def test_jsonld_article_body_is_every_paragraph_and_nothing_else(ferry):
    body = paragraphs(ferry.text)
    assert len(body) == 5
    assert body[0].startswith("The passenger ferry between Port Allard and Gull Island")
    assert body[2].startswith('"We have been counting the days," said Edith Marlow')
    assert body[4].endswith("the summer service adds two evening sailings.")
    for boilerplate in ("Most popular", "Read more", "All rights reserved", "Subscribe today", "Lighthouse keeper",
                        "By Maria Okafor", "Ferry service to Gull Island resumes"):
        assert boilerplate not in ferry.text


def test_og_tags_and_byline_only():
    article = extract_html(page("og_byline.html"))
    assert article.title == "Orchard growers try night-time harvests"
    assert article.authors == ["Jane Whitfield"]
    assert article.published_at == datetime(2023, 9, 14, 21, 15, tzinfo=timezone.utc)
    assert article.meta["modified_at"] == datetime(2023, 9, 15, 8, 0, tzinfo=timezone.utc)
    assert article.url == "https://valleyledger.example/farming/night-harvests"
    body = paragraphs(article.text)
    assert len(body) == 4
    assert body[0].startswith("When the temperature in the Ostrander Valley")
    assert body[3].endswith("the five farms that tried it this year.")
    assert "Share this article" not in article.text and "4 min read" not in article.text


def test_heavy_boilerplate_around_a_short_body():
    article = extract_html(page("boilerplate_short_body.html"), url="https://courier.example/news/library-hours")
    body = paragraphs(article.text)
    assert len(body) == 3
    assert body[0].startswith("Northfield Central Library will open on Sunday afternoons")
    assert body[2].startswith("Head librarian Priya Raman said")
    for boilerplate in ("cookies", "Trending now", "You may also like", "Subscribe now", "readerjoe", "the cafe be open",
                        "Midland Local Media", "morning newsletter", "Advertisement", "Bookshop owner"):
        assert boilerplate not in article.text
    assert article.title == "Library extends weekend opening hours"
    # Nothing on the page gives an author or a date: none is invented.
    assert article.authors == [] and article.published_at is None
    assert article.url == "https://courier.example/news/library-hours"


@pytest.mark.parametrize("name", ["charset_utf8_declared_latin1.html", "charset_cp1252_declared_utf8.html"])
def test_wrong_declared_charset(name):
    article = extract_html(page(name))
    assert article.title == "Caf\u00e9 owners in Z\u00fcrich square rally against rent rises"
    assert "na\u00efve" in article.text and "cr\u00e8me br\u00fbl\u00e9e" in article.text
    assert "\u201cWe are not" in article.text and "Ren\u00e9e Fischer" in article.text


def test_byte_order_mark_wins_over_declaration():
    html = '<html><head><meta charset="iso-8859-1"></head><body><p>Gr\u00fc\u00dfe</p></body></html>'
    assert "Gr\u00fc\u00dfe" in decode_html(html.encode("utf-16"))


def test_latin1_label_reads_as_windows_1252_like_browsers_do():
    html = '<html><head><meta charset="iso-8859-1"></head><body><p>\u201cQuoted\u201d \u2014 caf\u00e9</p></body></html>'
    assert "\u201cQuoted\u201d \u2014 caf\u00e9" in decode_html(html.encode("cp1252"))


def test_page_without_an_article_is_an_error():
    with pytest.raises(ExtractionError) as error:
        extract_html(page("no_article.html"))
    assert error.value.reason == "no_article_body"


def test_non_english_page():
    article = extract_html(page("german_article.html"))
    assert article.language == "de"
    assert article.title == "Neue Fahrradbr\u00fccke \u00fcber die Lahne er\u00f6ffnet"
    assert article.authors == ["Klaus Brenner"]
    assert article.published_at == datetime(2022, 6, 18, tzinfo=timezone.utc)
    assert len(paragraphs(article.text)) == 3 and "Impressum" not in article.text


def test_binary_garbage_is_an_error():
    garbage = random.Random(7).randbytes(20_000)
    with pytest.raises(ExtractionError) as error:
        extract_html(garbage)
    assert error.value.reason == "undecodable"


def test_text_that_is_not_html_is_an_error():
    with pytest.raises(ExtractionError) as error:
        extract_html(b"just a line of text, no markup at all\n" * 20)
    assert error.value.reason == "not_html"


def test_hints_fill_only_what_the_page_lacks():
    hints = {"published": "2024-05-01T07:00:00Z", "authors": ["Ann Example"], "title": "Hint title"}
    lacking = extract_html(page("boilerplate_short_body.html"), hints=hints)
    assert lacking.published_at == datetime(2024, 5, 1, 7, 0, tzinfo=timezone.utc)
    assert lacking.authors == ["Ann Example"]
    assert lacking.title == "Library extends weekend opening hours"
    complete = extract_html(page("og_byline.html"), hints=hints)
    assert complete.published_at == datetime(2023, 9, 14, 21, 15, tzinfo=timezone.utc)
    assert complete.authors == ["Jane Whitfield"]


def test_date_from_url_when_the_page_has_none():
    article = extract_html(page("boilerplate_short_body.html"), url="https://courier.example/2021/07/09/library")
    assert article.published_at == datetime(2021, 7, 9, tzinfo=timezone.utc)


def test_newspaper_runs_offline_on_a_page():
    found, failure = newspaper_paragraphs(page("og_byline.html").decode("utf-8"), None)
    assert failure is None
    assert any(p.startswith("Pickers now work under floodlights") for p in found)


def test_plain_text_article():
    text = "\n\nHarbour wall to be raised by a metre\n\nThe council approved the plan on Monday night after a long debate.\n\nWork starts in the spring and should last about eight months.\n"
    article = extract_text(text)
    assert article.title == "Harbour wall to be raised by a metre"
    assert paragraphs(article.text) == [
        "The council approved the plan on Monday night after a long debate.",
        "Work starts in the spring and should last about eight months.",
    ]
    assert article.extractor == "text" and article.language == "en"


def test_plain_text_too_short_for_a_language():
    article = extract_text("Headline\n\nTwo words.")
    assert article.text == "Two words." and article.language is None
    with pytest.raises(ExtractionError):
        extract_text("   \n\n ")


def test_dates_are_aware_and_plausible():
    assert parse_date("2019-11-18 10:00") == datetime(2019, 11, 18, 10, 0, tzinfo=timezone.utc)
    assert parse_date("Tue, 05 Mar 2024 09:30:00 +0100") == datetime(2024, 3, 5, 8, 30, tzinfo=timezone.utc)
    assert parse_date(1_700_000_000) == datetime.fromtimestamp(1_700_000_000, tz=timezone.utc)
    assert parse_date(time.gmtime(1_700_000_000)) == datetime.fromtimestamp(1_700_000_000, tz=timezone.utc)
    assert parse_date(["soon", "2020-01-02"]) == datetime(2020, 1, 2, tzinfo=timezone.utc)
    future = datetime.now(timezone.utc) + timedelta(days=30)
    assert parse_date(future.isoformat()) is None
    assert parse_date("1989-12-31") is None
    assert parse_date("not a date") is None and parse_date("") is None
    assert date_from_url("https://x.example/news/2018/02/30/story") is None  # no 30 February
    assert date_from_url("https://x.example/a/20200115/story") == datetime(2020, 1, 15, tzinfo=timezone.utc)


def test_author_junk_is_removed():
    assert clean_authors(["By Lena Ortiz | Staff Writer", "lena ortiz", "Paul Kim and Ruth Abebe",
                          "@handle", "Updated 12/03/2021 5 min read", "Sam Lee, 6 min read"]) == [
        "Lena Ortiz", "Paul Kim", "Ruth Abebe", "Sam Lee"]


def test_site_name_is_stripped_from_titles():
    assert clean_title("Rates rise again | The Money Desk", "The Money Desk", "meta") == "Rates rise again"
    assert clean_title("Money Desk: Rates rise again - Money Desk", "Money Desk", "title") == "Money Desk: Rates rise again"
    assert clean_title("Rates rise again as inflation bites - MD", None, "title") == "Rates rise again as inflation bites"
    # A dash inside a headline of an <h1> is part of it.
    assert clean_title("Stocks - and bonds - fall", None, "h1") == "Stocks - and bonds - fall"


def test_command_writes_one_line_per_file_and_goes_on_after_errors(tmp_path, capsys):
    folder = tmp_path / "pages"
    (folder / "nested").mkdir(parents=True)
    (folder / "ferry.html").write_bytes(page("jsonld_article.html"))
    (folder / "nested" / "orchard.html.gz").write_bytes(gzip.compress(page("og_byline.html")))
    (folder / "nested" / "broken.htm").write_bytes(random.Random(3).randbytes(5000))
    (folder / "notes.txt").write_text("not an HTML file: skipped")
    assert extract_command([str(folder), "--format", "jsonl"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    by_name = {Path(line["path"]).name: line for line in lines}
    assert set(by_name) == {"ferry.html", "orchard.html.gz", "broken.htm"}
    assert by_name["broken.htm"]["error"] == "undecodable"
    assert by_name["orchard.html.gz"]["title"] == "Orchard growers try night-time harvests"
    ferry = by_name["ferry.html"]
    assert ferry["published_at"] == "2024-03-05T09:30:00+01:00"
    assert ferry["authors"] == ["Maria Okafor", "Tom Reyes"] and ferry["language"] == "en"
    assert ferry["text"].startswith("The passenger ferry") and ferry["extractor"]


@pytest.mark.skipif(not LABELS, reason="no labelled samples yet")
@pytest.mark.parametrize("label_path", LABELS, ids=lambda p: p.stem)
def test_labelled_samples(label_path):
    """The samples/ pages written for the project, against their hand-made labels. A .txt sample
    keeps the scraper debris that the cleaning stage removes, so only its paragraphs' presence
    and its title are checked here."""
    label = json.loads(label_path.read_text())
    source = REPO / label["file"]
    if source.suffix in (".html", ".htm"):
        article = extract_html(source.read_bytes())
        assert paragraphs(article.text) == label["paragraphs"]
        assert article.authors == label["authors"]
        expected = parse_date(label["published_at"]) if label.get("published_at") else None
        assert article.published_at == expected
    else:
        article = extract_text(source.read_text(encoding="utf-8"))
        for paragraph in label["paragraphs"]:
            assert paragraph in article.text
    assert article.title == label["title"]


@pytest.mark.parametrize("name", sorted(PROMO_PATTERNS))
def test_every_promo_pattern_matches_its_example(name):
    pattern, example = PROMO_PATTERNS[name]
    assert re.match(pattern, example, re.I)
    assert is_promo(example)


@pytest.mark.parametrize("paragraph", [
    "Subscribers to the water company's newsletter were told of the outage only on Friday, "
    "three days after the first homes lost supply, and many learned of it from neighbours.",
    "Read the full report, the minister said, and you will see that the figures do not add up.",
    "Related costs rose by a fifth over the year, the company said in its annual filing.",
])
def test_article_prose_is_not_taken_for_a_promo(paragraph):
    assert not is_promo(paragraph)


def test_vote_trims_unconfirmed_edges_and_keeps_embeds_between():
    lead = ("The council approved the harbour budget on Monday after a debate that lasted four hours. "
            "Nine members voted in favour and four against, and two abstained after a long speech.")
    middle = "Embedded post from a councillor who voted against it."
    last = ("The budget includes money for dredging the channel and repairing the old sea wall, "
            "both delayed for years, and for a study of a second slipway near the lifeboat station.")
    teaser = "Things to do this weekend"
    primary = [teaser, lead, middle, last, teaser + " with dogs"]
    second = [lead, last]
    body, extractor = combine(primary, second, tie_breaker=lambda: [])
    assert body == [lead, middle, last] and extractor == "vote:trafilatura+readability"


def test_much_longer_second_opinion_needs_the_tie_breaker():
    short = ["A short lead paragraph of the story with only a few words in it."]
    long = short + [f"Further paragraph number {i} of the full story, with details and quotes." for i in range(12)]
    assert combine(short, long, tie_breaker=lambda: long) == (long, "vote:readability+newspaper4k")
    assert combine(short, long, tie_breaker=lambda: short) == (short, "vote:trafilatura+newspaper4k")
    assert combine(short, long, tie_breaker=lambda: []) == (long, "readability")


def test_navigation_residue_is_not_an_article():
    page = ("<html><head><title>Search</title></head><body><nav><a href='/'>Home</a> "
            "<a href='/about'>About</a> <a href='/contact'>Contact</a></nav>"
            "<form><input name='q'><button>Search</button></form></body></html>")
    with pytest.raises(ExtractionError, match="no_article_body"):
        extract_html(page)
