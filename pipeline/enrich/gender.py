"""What the text shows of a person's gender, for resolving "he" and "she".

Evidence, strongest first: an honorific before a mention of the person (Mr, Ms, Mrs, Miss, Sir,
Lady, ...), a gendered title (spokeswoman, congressman, king, queen), a pronoun that opens the
words right after a mention as a subject does ("Hart said she ..."), and a first name from a
short list of common unambiguous ones. Without evidence the gender is unknown, and an unknown
person is compatible with either pronoun.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from pipeline.records import Entity

MALE, FEMALE = "m", "f"
PRONOUN_GENDER = {"he": MALE, "him": MALE, "his": MALE, "she": FEMALE, "her": FEMALE, "hers": FEMALE}
HONORIFICS = {
    "mr": MALE, "sir": MALE, "lord": MALE, "king": MALE, "prince": MALE, "congressman": MALE,
    "spokesman": MALE, "chairman": MALE, "councilman": MALE, "father": MALE, "brother": MALE,
    "ms": FEMALE, "mrs": FEMALE, "miss": FEMALE, "lady": FEMALE, "dame": FEMALE, "queen": FEMALE,
    "princess": FEMALE, "congresswoman": FEMALE, "spokeswoman": FEMALE, "chairwoman": FEMALE,
    "councilwoman": FEMALE, "sister": FEMALE,
}
# Common first names that are almost always one gender in English-language news.
FIRST_NAMES = {
    MALE: """james john robert michael william david richard joseph thomas charles christopher daniel
        matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy ronald
        edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott brandon
        benjamin samuel gregory frank alexander raymond patrick jack dennis jerry tyler aaron jose adam
        henry nathan douglas zachary peter kyle walter ethan jeremy harold keith christian roger noah
        gerald carl terry sean austin arthur lawrence jesse dylan bryan joe jordan billy bruce albert
        willie gabriel logan alan juan wayne roy ralph randy eugene vincent russell elijah louis bobby
        philip johnny barack bernie mitt mike ted chris tim bill vladimir emmanuel boris xi narendra
        olaf recep benjamin volodymyr mohammed muhammad ahmed ali hassan ivan sergei dmitry""".split(),
    FEMALE: """mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty
        margaret sandra ashley kimberly emily donna michelle carol amanda dorothy melissa deborah
        stephanie rebecca sharon laura cynthia kathleen amy angela shirley anna brenda pamela emma
        nicole helen samantha katherine christine debra rachel carolyn janet catherine maria heather
        diane ruth julie olivia joyce virginia victoria kelly lauren christina joan evelyn judith
        megan andrea cheryl hannah jacqueline martha gloria teresa ann sara madison frances kathryn
        janice jean abigail alice judy sophia grace denise amber doris marilyn danielle beverly
        isabella theresa diana natalie brittany charlotte marie kayla alexis lori hillary nikki kamala
        angela ursula theresa giorgia marine jacinda nancy elena claire ivana melania loretta""".split(),
}
_FIRST_NAME_GENDER = {name: g for g, names in FIRST_NAMES.items() for name in names}
_WORD = re.compile(r"[A-Za-z]+")


def _honorific_before(text: str, start: int) -> str | None:
    words = _WORD.findall(text[max(0, start - 25):start])
    return HONORIFICS.get(words[-1].lower()) if words else None


def _pronoun_after(text: str, end: int) -> str | None:
    """"Hart said she ...", "Hart, who ... , said he ...": a subject pronoun within a few words."""
    words = [w.lower() for w in _WORD.findall(text[end:end + 40])][:5]
    for word in words:
        if word in ("he", "she"):
            return PRONOUN_GENDER[word]
    return None


def genders(text: str, entities: Iterable[Entity]) -> dict[str, str]:
    """canonical name -> "m" or "f", for the people of the article whose gender the text shows;
    conflicting evidence of the same strength leaves a person out."""
    votes: dict[str, dict[str, list[int]]] = {}
    for e in entities:
        if e.label != "PERSON":
            continue
        tally = votes.setdefault(e.canonical, {MALE: [0, 0, 0], FEMALE: [0, 0, 0]})
        honorific = _honorific_before(text, e.start_char)
        if honorific:
            tally[honorific][0] += 1
        first = e.canonical.split()[0].lower()
        if first in _FIRST_NAME_GENDER and len(e.canonical.split()) > 1:
            tally[_FIRST_NAME_GENDER[first]][1] += 1
        pronoun = _pronoun_after(text, e.end_char)
        if pronoun:
            tally[pronoun][2] += 1
    found = {}
    for name, tally in votes.items():
        for level in range(3):   # honorifics, then first names, then pronouns nearby
            m, f = tally[MALE][level], tally[FEMALE][level]
            if m != f:
                found[name] = MALE if m > f else FEMALE
                break
    return found


def compatible(pronoun: str, name: str, known: dict[str, str]) -> bool:
    """Whether a singular personal pronoun can stand for the person `name`."""
    wanted = PRONOUN_GENDER.get(pronoun.lower())
    return wanted is None or known.get(name, wanted) == wanted
