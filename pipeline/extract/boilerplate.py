"""Promotional lines that extractors keep inside article bodies, as named patterns (data, not code).

Each pattern must match at the start of a paragraph; only paragraphs short enough to be a
teaser or a call to action are dropped, so a real paragraph that happens to begin with
"Subscribe" survives. Every pattern carries an example line, which the tests run.
"""
from __future__ import annotations

import re

from pipeline.extract.agreement import words

PROMO_PATTERNS: dict[str, tuple[str, str]] = {
    "read_more": (r"(read|see|watch|listen) (more|also|next)\b", "Read more: Storm damage along the coast, mapped"),
    "related": (
        r"related( posts?| articles?| stories| coverage| content| reading| links?)?\s*:",
        "Related: Ten galaxies that should not exist",
    ),
    "also_on": (r"also (on|read|see)\b", "Also on example.com: Ministers face questions over budget"),
    "you_may_like": (
        r"(you (may|might) (also )?like|recommended( for you)?|more from|most (read|popular))\b",
        "Most read in world news",
    ),
    "newsletter": (
        r"(sign up|subscribe|get (the latest|our)|join our)\b.*\b(newsletter|inbox|updates|free|today)\b",
        "Get the latest updates right in your inbox. Subscribe to our newsletters.",
    ),
    "share": (r"(like this (story|article)|share (this|it)|follow (us|him|her|them) on)\b", "Like this story? Share it!"),
    "click_here": (r"click here\b", "Click here for more information."),
    "advert": (r"(advertisement|sponsored content|continue reading)\W*$", "Advertisement"),
    # Staff credits that close wire stories; the byline already names the authors.
    "credits": (
        r"\(?(additional |with )?(reporting|writing|editing) by\b|.*\bcontributed (reporting|to this (report|story|article))\b",
        "(Reporting by Ann Lee; Editing by Tom Ray)",
    ),
    "tip_line": (r"(have|got) a (news )?tip\b", "Have a tip? Write to the newsroom."),
    "copyright": (r"(©|\(c\)|copyright ©).{0,60}$", "© Example Wire 2024"),
}
_PROMO = re.compile("|".join(f"(?:{pattern})" for pattern, _example in PROMO_PATTERNS.values()), re.I)
MAX_PROMO_WORDS = 40


def is_promo(paragraph: str) -> bool:
    return bool(_PROMO.match(paragraph)) and len(words(paragraph)) <= MAX_PROMO_WORDS


def drop_promos(paragraphs: list[str]) -> list[str]:
    return [p for p in paragraphs if not is_promo(p)]
