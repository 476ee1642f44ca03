"""What kind of thing a quotation's speaker is, and whether it may be named as the speaker.

`speaker_type` is one of:
  person        a named person, or a personal pronoun resolved to one ("she" -> "Ellie Hart")
  organisation  a named organisation, government or group ("the ministry", "Acme Corp", "Kenya")
  role          a person or people by what they do ("a spokeswoman", "officials", "the lawyer")
  document      a text as the source ("the statement said", "according to the report")
  unknown       none of these
A speaker must be a person, an organisation or a role: a document keeps its mention but has no
`speaker`; numbers, percentages, products, titles of works, diseases and platforms ("Instagram",
"Truth Social") are never speakers, and lose the mention too; an unknown phrase keeps its
mention with `speaker` null. Null rather than wrong.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.enrich.entities import NOT_PERSONAL_NAME_WORDS, entity_key
from pipeline.enrich.lexicon import DOCUMENT_NOUNS, ORG_NOUNS, PERSON_TITLES, PLATFORMS, ROLE_NOUNS
from pipeline.records import Entity

PERSON, ORGANISATION, ROLE, DOCUMENT, UNKNOWN = "person", "organisation", "role", "document", "unknown"
LABEL_TYPES = {"PERSON": PERSON, "ORG": ORGANISATION, "NORP": ORGANISATION, "GPE": ORGANISATION}
NEVER_SPEAKER_LABELS = frozenset({"PRODUCT", "WORK_OF_ART", "EVENT", "FAC", "LAW", "LOC"})
DISEASES = frozenset(
    """covid covid-19 coronavirus sars mers flu influenza cancer hiv aids ebola zika measles malaria
    tuberculosis diabetes dementia alzheimer's parkinson's mpox monkeypox polio cholera pneumonia
    pneumonitis asthma""".split()
)
PERSONAL_PRONOUNS = frozenset({"he", "she", "i", "him", "her", "me"})
GROUP_PRONOUNS = frozenset({"they", "we", "them", "us", "you"})
NUMBER_LIKE = re.compile(r"^[\W\d]*\d[\d\W]*$|\b(?:percent|per cent|percentage|points?)\b|%", re.IGNORECASE)
_WORD = re.compile(r"[\w'’-]+")


@dataclass
class SpeakerVerdict:
    speaker: str | None
    speaker_type: str
    speaker_key: str | None
    keep_mention: bool


def _entity_for(name: str | None, start: int, end: int, entities: list[Entity]) -> Entity | None:
    """The entity the speaker resolved to: one overlapping the mention first, else one of that name."""
    overlapping = [e for e in entities if e.start_char < end and start < e.end_char]
    for e in overlapping:
        if name and e.canonical == name:
            return e
    if overlapping and not name:
        return overlapping[0]
    return next((e for e in entities if name and e.canonical == name), None)


def _head_noun(mention: str) -> str:
    words = _WORD.findall(mention.lower().split(",")[0].split(" of ")[0])
    return words[-1] if words else ""


def _looks_like_name(name: str) -> bool:
    words = name.split()
    return 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words) and not any(
        w.lower().strip(".,") in NOT_PERSONAL_NAME_WORDS for w in words)


def is_number(mention: str) -> bool:
    return bool(NUMBER_LIKE.search(mention))


def is_never_a_speaker(mention: str, entity: Entity | None) -> bool:
    """Products, works, diseases, platforms, undefined short acronyms."""
    low = " ".join(mention.lower().replace("’s", "").replace("'s", "").split())
    low = re.sub(r"^(?:the|a|an)\s+", "", low)
    if low in PLATFORMS or low in DISEASES or low in PERSONAL_PRONOUNS:
        return low not in PERSONAL_PRONOUNS
        return True
    if entity is not None and entity.label in NEVER_SPEAKER_LABELS:
        return True
    letters = re.sub(r"[^A-Za-z]", "", mention)
    # "HP", "AB": a short acronym the recogniser did not take for a name is seldom a source.
    return entity is None and mention.strip().isupper() and len(letters) <= 2


def classify(mention: str, start: int, end: int, name: str | None, entities: list[Entity]) -> SpeakerVerdict:
    """The speaker's type, and its name and key where it may be named (see the module's docstring)."""
    entity = _entity_for(name, start, end, entities)
    if is_never_a_speaker(mention, entity) or (name and is_never_a_speaker(name, None)):
        return SpeakerVerdict(None, UNKNOWN, None, False)
    if is_number(mention):   # "63 percent said": a share of some group, never a name
        return SpeakerVerdict(None, UNKNOWN, None, True)
    low = mention.lower().strip()
    head = _head_noun(mention)
    if low in GROUP_PRONOUNS:  # a plural pronoun never names one person
        kind = LABEL_TYPES.get(entity.label, UNKNOWN) if entity is not None and entity.label != "PERSON" else UNKNOWN
        return SpeakerVerdict(name if kind != UNKNOWN else None, kind, entity.entity_key if kind != UNKNOWN else None, True)
    if entity is not None and entity.label in LABEL_TYPES:
        return SpeakerVerdict(name or entity.canonical, LABEL_TYPES[entity.label], entity.entity_key, True)
    if low in PERSONAL_PRONOUNS:
        return SpeakerVerdict(name, PERSON if name else UNKNOWN, entity_key("PERSON", name) if name else None, True)
    if head in DOCUMENT_NOUNS:
        return SpeakerVerdict(None, DOCUMENT, None, True)
    if head in ORG_NOUNS:
        return SpeakerVerdict(name, ORGANISATION, entity_key("ORG", name) if name and name[:1].isupper() else None, True)
    if head in ROLE_NOUNS or head.rstrip("s") in ROLE_NOUNS or head in PERSON_TITLES or head.rstrip("s") in PERSON_TITLES:
        if name and name != " ".join(mention.split()) and _looks_like_name(name):  # "the president" -> a name
            return SpeakerVerdict(name, PERSON, entity_key("PERSON", name), True)
        return SpeakerVerdict(name, ROLE, None, True)
    if name and _looks_like_name(name):   # a name the recogniser missed ("Prof Ousmane Traoré")
        return SpeakerVerdict(name, PERSON, entity_key("PERSON", name), True)
    return SpeakerVerdict(None, UNKNOWN, None, True)
