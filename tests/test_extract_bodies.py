"""Bodies of page classes that extractors get wrong (lists, live blogs, short video pages), and the
guard against catastrophic choices. The pages are written for the project (tests/fixtures/html)."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.extract import extract_html
from pipeline.extract.body import agreement, drop_headlines, is_suspect, prose_words, rescue

FIXTURES = Path(__file__).parent / "fixtures" / "html"
ARTICLE = [
    "The council approved the harbour budget on Monday after a debate that lasted four hours.",
    "Nine members voted in favour and four against, and two abstained after a long speech.",
    "The budget includes money for dredging the channel and repairing the old sea wall, both delayed for years.",
    "Work on the wall should start in the spring and last about eight months, the harbour master said.",
]
MENU = ["Home", "News", "Sport", "Weather", "Skip to content", "Sign in", "Regions: North, South, East, West"]


def paragraphs(name: str) -> list[str]:
    return extract_html((FIXTURES / name).read_bytes()).text.split("\n\n")


def test_list_items_of_a_round_up_are_kept():
    body = paragraphs("list_roundup.html")
    for item in ("Weighs 84 grams", "Two burners let you simmer", "Its regulator keeps the flame steady",
                 "It costs twice as much as the Ridgeline"):
        assert any(item in p for p in body), item
    assert body[0].startswith("We cooked breakfast") and body[-1].startswith("Prices were checked")
    assert not any("Most read" in p or "cookies" in p or "Copyright" in p for p in body)


def test_steps_of_a_how_to_are_kept_in_order():
    body = paragraphs("step_list.html")
    openings = ["A radiator that is cold", "Turn the heating off", "Hold a cloth", "Turn the key",
                "Close the valve", "Check the boiler", "Repeat for every radiator"]
    assert len(body) == len(openings)
    assert all(opening in paragraph for opening, paragraph in zip(openings, body))


def test_every_entry_of_a_live_blog_and_not_the_headline():
    body = paragraphs("live_blog.html")
    assert len(body) == 6
    assert body[0].startswith("The harbour master has closed") and body[-1].startswith("The coastal road")
    assert not any(p.startswith("Storm Eldra live") for p in body)


def test_the_few_paragraphs_around_a_video_are_kept():
    body = paragraphs("short_video.html")
    assert body == [
        "Volunteers freed a grey seal pup tangled in a discarded fishing net on the mudflats on Sunday morning.",
        "The pup, thought to be about three weeks old, was taken to a rescue centre and is expected to be released next month.",
    ]


def test_headline_repeated_anywhere_in_the_body_is_dropped():
    assert drop_headlines(["Lead.", "Harbour wall: a plan", "More."], ["Harbour Wall - a plan"]) == ["Lead.", "More."]
    assert drop_headlines(["Harbour wall"], ["Harbour wall"]) == ["Harbour wall"]  # never empties a body


def test_a_body_without_prose_or_one_that_misses_the_marked_body_is_suspect():
    assert is_suspect(["May 19, 2020"], []) and is_suspect(["Skip to content"], [])
    assert not is_suspect(ARTICLE[:2], [])  # two real sentences around a video are a body
    assert not is_suspect(ARTICLE * 2, [])
    calendar = [f"Round {n}: {day} March - Northfield circuit" for n, day in enumerate(range(3, 30, 2), 1)]
    assert not is_suspect(calendar, [])  # a list without sentences is content, not residue
    assert is_suspect(MENU * 10 + ["A sentence that reads as prose but belongs to a sidebar teaser box."], ARTICLE * 2)
    assert not is_suspect(ARTICLE * 2, ARTICLE)
    # a marked body much shorter than the body is a summary: it judges nothing
    summary = ["A short summary of a long interview about programming languages and careers, in one sentence."]
    assert not is_suspect(ARTICLE * 20, summary * 3)


def test_rescue_prefers_the_candidate_that_agrees_with_the_marked_body():
    chosen = rescue((["Skip to content"], "trafilatura"), [(MENU * 5, "trafilatura"), (ARTICLE, "newspaper4k")], ARTICLE * 3)
    assert chosen == (ARTICLE, "rescue:newspaper4k")
    # no candidate holds it: the marked body itself
    assert rescue((MENU, "trafilatura"), [(MENU * 3, "newspaper4k")], ARTICLE * 3) == (ARTICLE * 3, "rescue:marked")


def test_rescue_without_a_marked_body_takes_the_most_prose():
    assert rescue((["May 19, 2020"], "trafilatura"), [(MENU * 20, "trafilatura"), (ARTICLE, "newspaper4k")], []) == \
        (ARTICLE, "rescue:newspaper4k")
    assert prose_words(MENU * 20) == 0 and prose_words(ARTICLE) > 50
    assert agreement(ARTICLE, ARTICLE[:2]) == pytest.approx(0.5, abs=0.05)
