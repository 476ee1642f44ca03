"""clean_body: drop scraper boilerplate lines from an extracted article body."""
from __future__ import annotations

from pipeline.clean.headline import headline_keys, title_matches
from pipeline.clean.lines import Line, split_lines
from pipeline.clean.rules import RULES, Rule
from pipeline.records import Cleaned, Removal

# A kept line this long ends the head of the article (where bylines and headline copies
# live); shorter kept lines, such as a kicker, do not.
HEAD_ENDS_AT_WORDS = 8
# A rule's `max_words` bounds its line in characters too, at this many per word: a line of one
# megabyte-long "word" is no boilerplate, and matching rule patterns over it would cost seconds.
MAX_CHARS_PER_WORD = 40


def matching_rule(line: str, in_head: bool, headline: set[str], word_count: int | None = None) -> Rule | None:
    """The first rule of the table that removes `line` (of `word_count` words), or None to keep it."""
    if word_count is None:
        word_count = len(line.split())
    for rule in RULES:
        if rule.zone == "head" and not in_head:
            continue
        if word_count > rule.max_words or len(line) > rule.max_words * MAX_CHARS_PER_WORD:
            continue
        if rule.pattern is None:
            if title_matches(line, headline):
                return rule
        elif rule.pattern.fullmatch(line):
            return rule
    return None


def classify_lines(text: str, title: str | None = None, in_head: bool = True) -> list[tuple[Line, Rule | None]]:
    """Each non-blank line of `text` with the rule that removes it (None: keep). `in_head=False`:
    `text` is known to start past the head of the article (the end of a huge body)."""
    lines = split_lines(text)
    headline = headline_keys(lines, title)
    verdicts = []
    for line in lines:
        words = line.word_count
        rule = matching_rule(line.text, in_head, headline, words)
        if rule is None and words >= HEAD_ENDS_AT_WORDS:
            in_head = False
        verdicts.append((line, rule))
    return verdicts


def clean_body(text: str, title: str | None = None) -> Cleaned:
    """Cleaned body: kept lines as paragraphs joined by a blank line, plus what was removed.

    Each non-blank input line is one paragraph (scrapers and extractors put one paragraph
    per line); whitespace inside lines is normalised, nothing else in a kept line changes.
    """
    kept: list[str] = []
    removed: list[Removal] = []
    for line, rule in classify_lines(text, title):
        if rule is None:
            kept.append(line.text)
        else:
            removed.append(Removal(rule.name, text[line.start_char:line.end_char],
                                   line.start_char, line.end_char))
    return Cleaned(text="\n\n".join(kept), removed=removed)
