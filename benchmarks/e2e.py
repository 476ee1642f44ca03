"""Whole-path benchmark: N generated articles through extract, clean, dedup, enrich, validate, publish.

Prints articles/s, the time per stage and the peak resident memory of the process, so that runs
with growing N show whether memory stays bounded (it should grow far slower than N).

    .venv/bin/python benchmarks/e2e.py --articles 300
"""
from __future__ import annotations

import argparse
import json
import logging
import random
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIRST = ["Maria", "Tomas", "Aiko", "Daniel", "Priya", "Olu", "Greta", "Hassan", "Lucia", "Pavel"]
LAST = ["Okafor", "Lindqvist", "Moreau", "Tanaka", "Brennan", "Castillo", "Novak", "Haddad", "Reyes", "Kowalski"]
PLACES = ["Lisbon", "Nairobi", "Osaka", "Denver", "Krakow", "Valparaiso", "Hamburg", "Chennai"]
ORGS = ["the Ministry of Transport", "Northwind Energy", "the city council", "the Harbour Authority",
        "Meridian Bank", "the National Weather Service"]
TOPICS = ["a new tram line", "the port expansion", "rising rents", "the river clean-up",
          "a delayed budget", "the heatwave response", "school meal funding"]


def make_article(rng: random.Random, n: int) -> tuple[str, str]:
    """A plausible short news text with quotes, names and scraper residue; returns (suffix, content)."""
    person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    other = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    place, org, topic = rng.choice(PLACES), rng.choice(ORGS), rng.choice(TOPICS)
    title = f"{place} weighs {topic} as officials disagree (story {n})"
    paragraphs = [
        f"{place}: Officials in {place} met on Tuesday to discuss {topic}, a question that has divided "
        f"residents for months and that {org} has promised to settle before the end of the year.",
        f"\u201cWe cannot wait another winter,\u201d {person} said at the meeting, adding that the cost "
        f"of delay had already reached {rng.randint(2, 90)} million.",
        f"{other}, who leads the opposition group, argued that the plan was \u201cbadly rushed\u201d and "
        f"that {org} had not published its figures.",
        f"According to {org}, a final vote is expected within {rng.randint(2, 9)} weeks. "
        f"{person.split()[-1]} told reporters that talks would continue.",
        " ".join(f"Sentence {i} of story {n} adds detail about {topic} in {place}." for i in range(rng.randint(3, 9))),
    ]
    if n % 2:
        body = "\n\n".join(paragraphs)
        return ".txt", f"{title}\n\n0 0\n{title}\n\n{body}\n\n  \u2022 Tags:\nTo comment or like please login first....\nLogin/Register\n"
    html_paragraphs = "".join(f"<p>{p}</p>" for p in paragraphs)
    return ".html", (
        f"<html><head><title>{title} | The Daily Sample</title>"
        f"<meta property='og:title' content='{title}'></head><body>"
        f"<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav>"
        f"<article><h1>{title}</h1><p class='byline'>By {other}</p>{html_paragraphs}</article>"
        f"<aside><h3>Related</h3><ul><li><a href='/a'>Another story</a></li></ul></aside>"
        f"<footer>Copyright The Daily Sample. We use cookies.</footer></body></html>")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    from pipeline.config import files_config
    from pipeline.run import run_all

    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp) / "inputs"
        inputs.mkdir()
        words = 0
        for n in range(args.articles):
            suffix, content = make_article(rng, n)
            (inputs / f"article_{n:06d}{suffix}").write_text(content, encoding="utf-8")
            words += len(content.split())
        timings = {}
        clock = [time.perf_counter()]

        def on_stage(stage: str, counts: dict) -> None:
            now = time.perf_counter()
            timings[stage] = round(now - clock[0], 2)
            clock[0] = now

        started = time.perf_counter()
        summary = run_all(files_config([str(inputs)]), Path(tmp) / "warehouse", date(2026, 11, 25),
                          on_stage=on_stage)
        elapsed = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"articles_in": args.articles, "articles_stored": summary["articles"],
                      "entities": summary["entities"], "quotes": summary["quotes"],
                      "rejects": summary["rejects"], "seconds": round(elapsed, 2),
                      "articles_per_s": round(args.articles / elapsed, 1),
                      "input_words_per_s": round(words / elapsed), "peak_rss_mib": round(peak_mib),
                      "stage_seconds": timings}, indent=2))


if __name__ == "__main__":
    main()
