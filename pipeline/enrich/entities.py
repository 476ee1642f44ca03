"""Named entities from a spaCy Doc: label filtering, junk removal, canonical names and keys.

Label mapping (spaCy OntoNotes label -> kept as):
    PERSON, ORG, GPE, LOC, NORP, EVENT, FAC, PRODUCT, WORK_OF_ART, LAW -> kept unchanged
    DATE, TIME, PERCENT, MONEY, QUANTITY, ORDINAL, CARDINAL, LANGUAGE -> dropped
    (numbers and dates are not "who" or "what" an analyst groups by)

A short PERSON, ORG, GPE or PRODUCT mention that is the surname of a PERSON named in full in the
same article is relabelled PERSON, because the small model often tags a bare surname ("Clinton")
as an organisation or a place; likewise a full name tagged ORG whose surname alone is tagged PERSON.
A one-word organisation takes the longer name it starts or abbreviates ("Skylink" -> "Skylink
Airways", "NCA" -> "National Crime Agency").

`canonical` is resolved within one article: leading titles ("President", "Mr.") and a trailing
possessive are left out of the mention, and a short name takes the full name whose words end
with it ("Putin" -> "Vladimir Putin"), the nearest earlier full name first, else the nearest later.
`entity_key` is the canonical name normalised across articles and prefixed with the label.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from spacy.tokens import Doc

from pipeline.enrich.lexicon import INSTITUTION_WORDS, ORG_NOUNS, PLATFORMS
from pipeline.enrich.mending import mend
from pipeline.enrich.places import gazetteer_places, is_place_name
from pipeline.records import Entity

KEPT_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT", "FAC", "PRODUCT", "WORK_OF_ART", "LAW"}
)

# Words that precede a name without being part of it; compared casefolded, trailing "." ignored.
TITLES = frozenset(
    """
    mr mrs ms miss dr prof president vice prime minister secretary senator sen rep representative
    gov governor mayor general gen lt col colonel capt captain sgt sergeant adm admiral chancellor
    judge justice chief ambassador former late acting deputy rev reverend councillor councilor
    councilman councilwoman alderman librarian coach manager boss director chairman chairwoman chair
    spokesman spokeswoman spokesperson professor officer inspector detective superintendent
    commissioner conductor
    """.split()
)
# Labels the small model gives a capital or a country by mistake; the gazetteer corrects them.
PLACE_CONFUSABLE = frozenset({"ORG", "FAC", "PRODUCT", "LOC", "WORK_OF_ART"})
# Left out on purpose: "Pope Francis", "Queen Elizabeth", "Prince Harry" are how these people are named.
# Labels the small model gives a bare surname by mistake ("Clinton" as ORG, "Dubois" as GPE).
SURNAME_CONFUSABLE = frozenset({"PERSON", "ORG", "GPE", "PRODUCT"})
# Full names the small model files under the wrong label ("Colm Avery" as ORG, a player as FAC).
FULL_NAME_CONFUSABLE = SURNAME_CONFUSABLE | {"FAC"}
# Words that make a capitalised phrase an institution or a place rather than a person's name.
NOT_PERSONAL_NAME_WORDS = ORG_NOUNS | frozenset(
    """
    house airways airlines corp corporation inc ltd plc llc co holdings partners fund energy motors
    news times post street square park station bridge river lake island hall center centre school
    college hospital church museum library gallery stadium airport port harbour harbor city county
    state republic kingdom united national international federal royal west east north south
    """.split()
)
_NAME_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")
# A score, date or count glued to a name by the model ("Marta Zielińska 4-6 7-6") is not part of it.
_TOKEN = re.compile(r"\S+")
_DIGIT = re.compile(r"\d")
# URLs, handles and slashed menu items ("Login/Register") are page furniture, not names.
URL_LIKE = re.compile(r"(?:https?://|www\.|@|/|\.(?:com|org|net|gov)\b)", re.IGNORECASE)


@dataclass
class _Mention:
    start: int
    end: int
    label: str
    words: list[str]


def entity_key(label: str, canonical: str) -> str:
    """Label-prefixed, casefolded, accent-folded, punctuation-free key: "person:vladimir putin"."""
    folded = unicodedata.normalize("NFKD", canonical)
    folded = "".join(c for c in folded if not unicodedata.combining(c)).casefold()
    folded = re.sub(r"['’]s\b", "", folded)
    folded = " ".join(re.sub(r"[^\w]+", " ", folded).split())
    return f"{label.lower()}:{folded}"


def is_junk_mention(mention: str) -> bool:
    """Banners, menu items, URLs, single characters: recogniser output that names nothing."""
    letters = [c for c in mention if c.isalpha()]
    if len(letters) < 2 or "\n" in mention or URL_LIKE.search(mention):
        return True
    # Several words all in capitals are banners ("READ MORE", "BREAKING NEWS"), not names;
    # a single capitalised word is usually an acronym (NATO, FBI) and stays.
    return len(mention.split()) > 1 and mention.upper() == mention


def trailing_numbers_start(mention: str) -> int | None:
    r"""Where the run of space-separated words with a digit in them that ends `mention` begins (at
    the space before the first of them), or None. One pass over the words: a regex such as
    `(?:\s+\S*\d\S*)+$` backtracks exponentially over a long run of digits and spaces."""
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(mention)]
    if not tokens or tokens[-1][1] != len(mention):
        return None
    cut = None
    for index in range(len(tokens) - 1, -1, -1):
        start, end = tokens[index]
        space_before = tokens[index - 1][1] if index else 0
        if space_before == start or not _DIGIT.search(mention, start, end):
            break
        cut = space_before
    return cut


def _trim(text: str, start: int, end: int, label: str) -> tuple[int, int]:
    """Drop a leading "the", a person's leading titles and a trailing possessive from a span."""
    numbers = trailing_numbers_start(text[start:end])
    if numbers:
        end = start + numbers
    mention = text[start:end]
    possessive = POSSESSIVE.search(mention)
    if possessive and len(mention) > len(possessive.group()) + 1:
        end -= len(possessive.group())
    while True:
        match = re.match(r"(\S+)\s+", text[start:end])
        if not match:
            break
        word = match.group(1).rstrip(".").casefold()
        rest = text[start + match.end():end]
        if word == "the" or (label == "PERSON" and word in TITLES and rest[:1].isupper()):
            start += match.end()
        else:
            break
    return start, end


def _name_words(mention: str) -> list[str]:
    return [w.casefold() for w in re.findall(r"[\w'’.-]+", mention)]


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)


def title_spans(text: str, title: str | None) -> list[tuple[int, int]]:
    """Where the headline is repeated in the text; entities there are not tagged."""
    title = (title or "").strip()
    if len(title) < 8:
        return []
    return [(m.start(), m.end()) for m in re.finditer(re.escape(title), text)]


def _mentions(doc: Doc, text: str, title: str | None) -> list[_Mention]:
    headline = title_spans(text, title)
    found = []
    for ent in doc.ents:
        if ent.label_ not in KEPT_LABELS:
            continue
        start, end = _trim(text, ent.start_char, ent.end_char, ent.label_)
        mended = mend(text, start, end, ent.label_) if start < end else None
        if mended is None:
            continue
        start, end = mended
        mention = text[start:end]
        if start >= end or is_junk_mention(mention) or _overlaps(start, end, headline):
            continue
        label = "GPE" if ent.label_ in PLACE_CONFUSABLE and is_place_name(mention) else ent.label_
        found.append(_Mention(start, end, label, _name_words(mention)))
    taken = [(m.start, m.end) for m in found] + headline
    found += [_Mention(s, e, "GPE", _name_words(text[s:e])) for s, e in gazetteer_places(text, taken)]
    return sorted(found, key=lambda m: m.start)


def _longer_names(candidates: list[_Mention], by_last_words: bool,
                  generic_last_words: frozenset[str] = frozenset()) -> dict[tuple[str, ...], list[_Mention]]:
    """Multi-word mentions in text order, under each short form that may stand for them: their
    first one or two words, their last ones when `by_last_words` (a surname: "Putin"; a club:
    "Athletic") unless the last word is generic (for organisations "House" is not "White House"),
    and (as ("", initials)) their acronym."""
    index: dict[tuple[str, ...], list[_Mention]] = {}
    for c in candidates:
        initials = "".join(w[0] for w in c.words if w not in ("of", "and", "for", "the"))
        keys = {tuple(c.words[:k]) for k in (1, 2)} | {("", initials)}
        if by_last_words and c.words[-1] not in generic_last_words:
            keys |= {tuple(c.words[-k:]) for k in (1, 2)}
        for key in keys:
            if len(key) < len(c.words) or key[0] == "":
                index.setdefault(key, []).append(c)
    return index


def _full_name_for(mention: _Mention, longer: dict[tuple[str, ...], list[_Mention]]) -> _Mention | None:
    """The nearest longer mention whose words start or end with this shorter mention, or, for an
    organisation's acronym, whose initials spell it ("NCA" -> "National Crime Agency"); an earlier
    one first, else a later one."""
    matches = list(longer.get(tuple(mention.words), []))
    if mention.label == "ORG" and len(mention.words) == 1 and len(mention.words[0]) >= 2:
        matches += longer.get(("", mention.words[0].replace(".", "")), [])
    earlier = [c for c in matches if c.start < mention.start]
    if earlier:
        return max(earlier, key=lambda c: c.start)
    later = [c for c in matches if c.start > mention.start]
    return min(later, key=lambda c: c.start) if later else None


def _looks_like_personal_name(text: str, mention: _Mention) -> bool:
    words = text[mention.start:mention.end].split()
    return (2 <= len(words) <= 3 and all(_NAME_WORD.fullmatch(w) and w[0].isupper() for w in words)
            and not any(w in NOT_PERSONAL_NAME_WORDS for w in mention.words))


def _people(mentions: list[_Mention], text: str) -> list[_Mention]:
    """PERSON mentions, plus full names the model mislabelled: a two- or three-word mention whose
    last word is elsewhere in the article a PERSON on its own ("Ellie Hart" as ORG, "Hart" as PERSON),
    or one shaped like a personal name whose last word recurs alone ("Colm Avery" ... "Avery",
    both as ORG), as surnames do and institutions' last words ("House", "Bank") do not."""
    surnames = {m.words[0] for m in mentions if m.label == "PERSON" and len(m.words) == 1}
    short_forms = {m.words[0] for m in mentions if len(m.words) == 1 and m.label in SURNAME_CONFUSABLE}
    return [m for m in mentions if m.label == "PERSON" or (
        m.label in SURNAME_CONFUSABLE and 2 <= len(m.words) <= 3 and m.words[-1] in surnames) or (
        m.label in FULL_NAME_CONFUSABLE and m.words[-1] in short_forms and _looks_like_personal_name(text, m))]


def extract_entities(doc: Doc, title: str | None = None, text: str | None = None) -> list[Entity]:
    """One Entity per kept mention, in text order, with article-level canonical names.

    `text` is the doc's text when the caller has it at hand (doc.text is rebuilt on every access).
    """
    text = doc.text if text is None else text
    mentions = _mentions(doc, text, title)
    people = _people(mentions, text)
    person_ids = {id(m) for m in people}
    # Only names of two words or more can be the full form of another mention.
    people = _longer_names([m for m in people if len(m.words) > 1], by_last_words=True)
    organisations = _longer_names([m for m in mentions if m.label == "ORG" and len(m.words) > 1],
                                  by_last_words=True, generic_last_words=NOT_PERSONAL_NAME_WORDS)
    entities = []
    for m in mentions:
        label = "PERSON" if id(m) in person_ids else m.label
        canonical = text[m.start:m.end]
        full = _full_name_for(m, people) if m.label in SURNAME_CONFUSABLE and len(m.words) <= 2 else None
        if full is not None:
            label, canonical = "PERSON", text[full.start:full.end]
        elif m.label in SURNAME_CONFUSABLE and len(m.words) == 1 and not (m.label == "GPE" and is_place_name(text[m.start:m.end])):
            full = _full_name_for(m, organisations)  # "Skylink" -> "Skylink Airways"
            if full is not None:
                label, canonical = "ORG", text[full.start:full.end]
        canonical = " ".join(canonical.split())
        entities.append(Entity(text[m.start:m.end], label, m.start, m.end, canonical,
                               entity_key(label, canonical)))
    return one_label_per_entity(entities)


# When mentions of one name disagree and their votes tie, the more reliable label wins.
LABEL_RELIABILITY = ["PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "LAW", "PRODUCT", "WORK_OF_ART"]


def text_label(canonical: str) -> str | None:
    """The label the name itself shows: "the Senate", "Wells Fargo Bank" are organisations, and
    so are the platforms ("Twitter"), whatever one mention was tagged."""
    words = canonical.casefold().split()
    if not words:
        return None
    if " ".join(words) in PLATFORMS or words[-1] in INSTITUTION_WORDS:
        return "ORG"
    return None


def one_label_per_entity(entities: list[Entity]) -> list[Entity]:
    """One label for all the mentions of a canonical name in the article: the one the name shows
    ("Senate" is an ORG), else the majority of its mentions, ties to the more reliable label."""
    votes: dict[str, Counter] = {}
    for e in entities:
        votes.setdefault(e.canonical.casefold(), Counter())[e.label] += 1
    chosen = {}
    for name, counts in votes.items():
        shown = text_label(name)
        chosen[name] = shown or max(counts, key=lambda label: (counts[label], -LABEL_RELIABILITY.index(label)))
    out = []
    for e in entities:
        label = chosen[e.canonical.casefold()]
        out.append(e if label == e.label else Entity(e.mention, label, e.start_char, e.end_char, e.canonical,
                                                     entity_key(label, e.canonical)))
    return out
