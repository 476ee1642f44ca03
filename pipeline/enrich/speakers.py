"""Noun phrases that can be speakers, found from token shapes (no parser), and their resolution.

A `Tokens` view holds the non-space tokens of a Doc; phrases are (first, last) token indexes.
`resolve_speaker` turns a speaker phrase into a name: the canonical name of an entity inside it,
or for a pronoun or a description ("he", "the president", "the ministry") the nearest compatible
named entity earlier in the article.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from spacy.attrs import ENT_TYPE, IDX, IS_SPACE, LENGTH
from spacy.tokens import Doc

from pipeline.enrich.lexicon import (
    BETWEEN_SPEAKER_AND_VERB, DETERMINERS, NP_STOP, ORG_NOUNS, PERSON_PRONOUNS, PERSON_TITLES,
    PRONOUNS, SPEECH_VERBS, WEEKDAYS,
)
from pipeline.enrich.entities import TITLES
from pipeline.enrich.gender import compatible
from pipeline.records import Entity

MAX_PHRASE_TOKENS = 9
TITLES_AT_END = re.compile(
    r"(?:\b(?:%s|mr|mrs|ms|dr|sen|rep|gov|former)\.?\s+)+$" % "|".join(sorted(PERSON_TITLES)), re.IGNORECASE)
POSSESSIVE_MARKS = {"'s", "’s", "'", "’"}
# What may stand before an organisation's name in its speaker mention: "the", an owner ("Nigeria’s").
ORG_PREFIX = re.compile(r"(?:[Tt]he\s+)?(?:[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)*(?:'s|’s)\s+)?")
SPEAKER_LABEL_PRIORITY = {"PERSON": 0, "ORG": 1, "NORP": 2, "GPE": 3}


class Tokens:
    """The Doc's non-space tokens as plain lists (text, lower case, offsets, entity label):
    the rules index them many times, and Python lists are much cheaper to index than a Doc."""

    def __init__(self, doc: Doc, text: str):
        # Read through one array rather than Token objects: building those costs more than all the rules.
        rows = doc.to_array([IDX, LENGTH, IS_SPACE, ENT_TYPE]).tolist()
        kept = [(start, start + length, label) for start, length, space, label in rows if not space]
        strings = doc.vocab.strings
        self.start = [start for start, _, _ in kept]
        self.end = [end for _, end, _ in kept]
        self.text = [text[start:end] for start, end, _ in kept]
        self.lower = [t.lower() for t in self.text]
        self.ent_label = [strings[label] if label else "" for _, _, label in kept]

    def __len__(self) -> int:
        return len(self.text)

    def first_at_or_after(self, char: int) -> int:
        return bisect.bisect_left(self.start, char)

    def last_before(self, char: int) -> int:
        return bisect.bisect_left(self.end, char + 1) - 1 if char > 0 else -1

    def is_capitalised(self, i: int) -> bool:
        return self.text[i][:1].isupper()

    def is_word(self, i: int) -> bool:
        return self.text[i][:1].isalpha()


def _lowercase_noun_like(tok: Tokens, i: int) -> bool:
    word = tok.lower[i]
    return (tok.text[i].isalpha() and tok.text[i].islower() and word not in NP_STOP
            and word not in SPEECH_VERBS and not word.endswith(("ly", "ed")))


def phrase_ending_at(tok: Tokens, last: int, floor: int) -> tuple[int, int] | None:
    """The noun phrase whose last token is `last`, collected leftwards but not below `floor`."""
    if last < floor:
        return None
    if tok.lower[last] in PRONOUNS:
        return last, last
    i, first = last, None
    while i >= floor and last - i < MAX_PHRASE_TOKENS:
        t, low = tok.text[i], tok.lower[i]
        if t == ")":  # a bracketed aside such as a party and state: "(D-Mo.)"
            j = i
            while j > floor and tok.text[j] != "(":
                j -= 1
            i = j - 1
            continue
        if low in DETERMINERS:
            first = i
            if i - 2 >= floor and tok.lower[i - 1] in ("of", "for", "at") and tok.is_capitalised(i - 2):
                i -= 1  # "Prof Traoré of the University": the phrase goes on past "of the"
                continue
            break
        if t in POSSESSIVE_MARKS and first is not None or (tok.is_capitalised(i) and tok.is_word(i)):
            first = i
        elif t == "-" and first == i + 1 and i > floor and tok.is_capitalised(i - 1):
            first = i  # a hyphenated name: "Holtz-Eakin"
        elif _lowercase_noun_like(tok, i) or (low in ("of", "for") and first is not None
                                             and i > floor and tok.is_word(i - 1)):
            first = i
        else:
            break
        i -= 1
    if first is None:
        return None
    while first <= last and tok.lower[first] in ("of", "for"):
        first += 1
    return (first, last) if first <= last else None


def speaker_before_verb(tok: Tokens, verb: int, floor: int) -> tuple[int, int] | None:
    """The subject right before a speech verb: "Smith said", "the mayor also said", "X, the minister, said"."""
    i = verb - 1
    while i >= floor and tok.lower[i] in BETWEEN_SPEAKER_AND_VERB | {"n't", "not"} or (
            i >= floor and tok.lower[i].endswith("ly") and tok.text[i].islower()):
        i -= 1
    if i < floor:
        return None
    if tok.text[i] == ",":  # an apposition or relative clause between subject and verb
        j = i - 1
        while j >= floor and tok.text[j] != "," and i - j < 20:
            j -= 1
        if j < floor or tok.text[j] != ",":
            return None
        head = phrase_ending_at(tok, j - 1, floor)
        return (head[0], i - 1) if head else None
    return phrase_ending_at(tok, i, floor)


def phrase_starting_at(tok: Tokens, first: int, ceiling: int) -> tuple[int, int] | None:
    """The noun phrase that starts at `first`, collected rightwards up to `ceiling` (exclusive)."""
    while first < ceiling and tok.lower[first] in WEEKDAYS | {"on", "in", "last", "this", "week"}:
        first += 1  # time words after a verb ("said on Tuesday") are not the speaker
    if first >= ceiling:
        return None
    if tok.lower[first] in PRONOUNS:
        return first, first
    i, last, seen_name = first, None, False
    while i < ceiling and i - first < MAX_PHRASE_TOKENS:
        t, low = tok.text[i], tok.lower[i]
        if t == "(":  # a bracketed aside such as a party and state: "(D-Mo.)"
            j = i
            while j < ceiling - 1 and tok.text[j] != ")":
                j += 1
            if last is not None and tok.text[j] == ")":
                last = j
            i = j + 1
            continue
        if low in DETERMINERS and i == first:
            last = i
        elif tok.is_capitalised(i) and tok.is_word(i) and low not in WEEKDAYS:
            last, seen_name = i, True
        elif t == "-" and last == i - 1 and seen_name and i + 1 < ceiling and tok.is_capitalised(i + 1):
            last = i  # a hyphenated name: "Holtz-Eakin"
        elif t in POSSESSIVE_MARKS and last == i - 1:
            last, seen_name = i, False  # the owner is named, the owned thing follows
        elif not seen_name and (_lowercase_noun_like(tok, i) or any(c.isdigit() for c in t)):
            last = i  # "chief economist", "9/11 widow"
        else:
            break
        i += 1
    if last is None or tok.lower[last] in DETERMINERS:
        return None
    return first, last


@dataclass
class ResolvedSpeaker:
    name: str | None
    mention: str
    start: int
    end: int


def _entities_in(entities: list[Entity], start: int, end: int) -> list[Entity]:
    return [e for e in entities if e.start_char >= start and e.end_char <= end]


def _nearest_before(entities: list[Entity], char: int, accept) -> Entity | None:
    for entity in reversed(entities):
        if entity.end_char <= char and accept(entity):
            return entity
    return None


def _opens_clause(text: str, entity: Entity) -> bool:
    """Whether the mention starts a sentence or paragraph, titles aside: a subject, so a likely antecedent."""
    before = TITLES_AT_END.sub("", text[max(0, entity.start_char - 60):entity.start_char])
    before = before.rstrip(" \t\u00a0")
    return not before or before[-1] in ".!?:\n\"”"


def _nearest_person(text: str, entities: list[Entity], char: int, fits=lambda e: True) -> Entity | None:
    """The nearest earlier person named in subject position, else the nearest earlier person
    (among those that `fits` accepts: of the pronoun's gender)."""
    subject = _nearest_before(entities, char, lambda e: e.label == "PERSON" and fits(e) and _opens_clause(text, e))
    nearest = _nearest_before(entities, char, lambda e: e.label == "PERSON" and fits(e))
    if subject is not None and nearest is not None and char - subject.end_char < 600:
        return subject
    return nearest


def _titled(text: str, entity: Entity, title: str) -> bool:
    """Whether the mention comes right after the title: "President Emmanuel Macron"."""
    words = text[max(0, entity.start_char - 40):entity.start_char].split()
    return bool(words) and words[-1].rstrip(".,").lower() == title


def _known_person(mention: str, entities: list[Entity]) -> str | None:
    """The full name of a person of the article whose name ends with the mention's last word
    ("Trump" -> "Donald Trump"), for mentions the recogniser did not tag."""
    words = mention.split()
    if not words or not words[-1][:1].isupper():
        return None
    last = words[-1].strip(".,").casefold()
    names = [e.canonical for e in entities if e.label == "PERSON" and e.canonical.split()[-1].casefold() == last]
    return max(names, key=len) if names else None


def _capitalised_name(head: str) -> str | None:
    """Two or more capitalised words at the end of a phrase head, titles left out: a name the
    recogniser missed ("Prof Ousmane Traoré")."""
    words = head.split()
    name: list[str] = []
    for word in reversed(words):
        if not word[:1].isupper() or word.rstrip(".").lower() in TITLES or word.lower() in DETERMINERS:
            break
        name.insert(0, word)
    return " ".join(name) if len(name) >= 2 else None


def resolve_speaker(text: str, start: int, end: int, entities: list[Entity],
                    genders: dict[str, str] | None = None) -> ResolvedSpeaker:
    """Name the speaker phrase text[start:end] using the article's entities.

    When the phrase holds a name ("Unite regional officer Mark Dempsey", "Prof Ada Traoré of the
    University of Bamako"), the mention is narrowed to that name; pronouns and descriptions
    ("she", "the ministry") stay as written and are resolved to an earlier named entity; a
    pronoun only to a person of its gender where `genders` (canonical -> "m"/"f") knows it.
    """
    phrase = text[start:end]
    words = phrase.lower().split()
    # The head comes before "of" or a comma: in "Prof Ada Traoré of the University of Bamako, who
    # led the study" the speaker is the professor, not the university.
    head_end = start + len(re.split(r",| of | for | at ", phrase, maxsplit=1)[0])
    in_head = [e for e in _entities_in(entities, start, head_end) if e.label in SPEAKER_LABEL_PRIORITY]
    inside = in_head or [e for e in _entities_in(entities, start, end) if e.label in SPEAKER_LABEL_PRIORITY]
    unrecognised = _capitalised_name(text[start:head_end])
    if unrecognised and not any(e.start_char < head_end and e.end_char > start for e in entities):
        name_start = start + text[start:head_end].rindex(unrecognised)
        return ResolvedSpeaker(unrecognised, unrecognised, name_start, name_start + len(unrecognised))
    if inside:
        best = min(inside, key=lambda e: (SPEAKER_LABEL_PRIORITY[e.label], -len(e.mention)))
        after_owner = re.match(r"\s*(?:'s|’s)\s+(\S)", text[best.end_char:end])
        if after_owner and best.label == "ORG" and after_owner.group(1).islower():
            return ResolvedSpeaker(best.canonical, phrase, start, end)  # "Acme Corp's board": the company
        # Otherwise the owner of a possessive ("Ukraine's General Staff") is not the speaker itself.
        if not (after_owner and best.label != "PERSON"):
            mention_start = best.start_char
            if best.label != "PERSON" and ORG_PREFIX.fullmatch(text[start:best.start_char]):
                mention_start = start  # an organisation keeps "the" and its owner: "the White House"
            return ResolvedSpeaker(best.canonical, text[mention_start:best.end_char], mention_start, best.end_char)
    name = None
    if words and words[0] in PERSON_PRONOUNS:
        found = _nearest_person(text, entities, start, lambda e: compatible(words[0], e.canonical, genders or {}))
        name = found.canonical if found else None
    elif len(words) >= 2 and words[0] == "the":
        noun = words[-1]
        if noun in PERSON_TITLES:
            found = _nearest_before(entities, start, lambda e: e.label == "PERSON" and _titled(text, e, noun))
            name = found.canonical if found else None
        elif noun in ORG_NOUNS:
            found = _nearest_before(entities, start, lambda e: e.label == "ORG" and noun in e.mention.lower())
            name = found.canonical if found else None
    if name is None and words and words[0] not in PRONOUNS:
        name = _known_person(phrase, entities) or " ".join(phrase.split())
    return ResolvedSpeaker(name, phrase, start, end)
