"""The enrich stage: named entities with canonical names, and quotations with their speakers."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
import re
from itertools import islice

from spacy.language import Language

from pipeline.enrich.entities import extract_entities
from pipeline.enrich.lexicon import DETERMINERS, PRONOUNS
from pipeline.enrich.nlp import load_nlp
from pipeline.enrich.quotes import extract_quotes
from pipeline.records import Entity, Quote

NOT_NAMES = PRONOUNS | DETERMINERS
_SURROGATE = re.compile("[\ud800-\udfff]")
LONGEST_TOKEN = 100
_LONG_RUN = re.compile(r"\S{%d}" % LONGEST_TOKEN)


def _is_english(item: dict) -> bool:
    language = item.get("language")
    return not language or language.lower().split("-")[0] == "en"


def enrich_texts(items: Iterable[dict], nlp: Language | None = None, batch_size: int = 64) -> Iterator[dict]:
    """Entities and quotes for each item, yielded in input order.

    Items are {"id", "text", "language"?, "title"?}. The input is read `batch_size` items at a
    time and each batch goes through `nlp.pipe`, so memory stays bounded however long the stream.
    The model is English: an item whose language is given and is not English is not analysed at
    all; it comes back with empty lists and skipped="non_english" rather than with entities a
    wrong-language model would invent.

    One bad item costs only itself: whatever fails on it (the model, the entity or quote rules)
    comes back as {"id", "entities": [], "quotes": [], "skipped": None, "error": "Class: message"}
    and the items after it are analysed as usual. The model reads each text as `analysable` gives
    it; offsets, mentions and quotes are the text's own.
    """
    nlp = nlp or load_nlp()
    source = iter(items)
    while batch := list(islice(source, batch_size)):
        english = [item for item in batch if _is_english(item)]
        analysed = dict(zip(map(id, english), _analyse(nlp, [analysable(_text_of(item)) for item in english],
                                                        batch_size)))
        for item in batch:
            doc = analysed.get(id(item))
            if doc is None:
                yield {"id": item.get("id"), "entities": [], "quotes": [], "skipped": "non_english"}
                continue
            try:
                if isinstance(doc, Exception):
                    raise doc
                text, title = _text_of(item), _title_of(item)
                entities = extract_entities(doc, title, text)
                quotes = extract_quotes(doc, entities, title, text, nlp)
            except Exception as exc:  # one item's failure is its own, reported with it
                yield {"id": item.get("id"), "entities": [], "quotes": [], "skipped": None,
                       "error": f"{type(exc).__name__}: {exc}"[:300]}
                continue
            yield {"id": item.get("id"), "entities": with_named_speakers(entities, quotes),
                   "quotes": quotes, "skipped": None}


def _text_of(item: dict) -> str:
    text = item.get("text") or ""
    return text if isinstance(text, str) else str(text)


def analysable(text: str) -> str:
    """The text as the model is given it: of the same length, so every offset holds for the text
    itself. Lone surrogates (which no encoder takes) become U+FFFD, and a run of more than
    LONGEST_TOKEN characters without a space gets one every LONGEST_TOKEN characters: spaCy's
    tokenizer takes time quadratic in the length of a token (16,000 quote marks in a row: 19 s),
    and nothing that long is a word."""
    text = _SURROGATE.sub("\ufffd", text)
    return _LONG_RUN.sub(_broken_run, text) if len(text) > LONGEST_TOKEN else text


def _broken_run(match: re.Match) -> str:
    return match.group()[:-1] + " "


def _title_of(item: dict) -> str | None:
    title = item.get("title")
    return _SURROGATE.sub("\ufffd", title) if isinstance(title, str) else None


def _analyse(nlp: Language, texts: list[str], batch_size: int) -> list:
    """A Doc per text, in order, or the exception that text raised (the batch is redone text by
    text when one of them fails, so that only that one is lost)."""
    try:
        return list(nlp.pipe(texts, batch_size=batch_size))
    except Exception:
        pass
    docs: list = []
    for text in texts:
        try:
            docs.append(nlp(text))
        except Exception as exc:
            docs.append(exc)
    return docs


def nlp_window(text: str, limit: int) -> str:
    """What the model analyses of a text: all of it, or for a text longer than `limit` characters
    the longest run of whole paragraphs within `limit` (a hard cut when the first paragraph alone
    is longer)."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n\n", 0, limit)
    return text[:cut] if cut > 0 else text[:limit]


def with_named_speakers(entities: list[Entity], quotes: list[Quote]) -> list[Entity]:
    """Add the speaker names the recogniser missed ("...," Benning wrote) as mentions of the entity
    they resolve to, so that counting an entity's mentions counts the ones that speak. Pronouns and
    descriptions ("she", "the ministry") are not names and are not added."""
    by_canonical = {e.canonical: e for e in entities}
    taken = [(e.start_char, e.end_char) for e in entities]
    added = []
    for quote in quotes:
        mention, start, end = quote.speaker_mention, quote.speaker_start, quote.speaker_end
        known = by_canonical.get(quote.speaker or "")
        if known is None or not mention or start is None or end is None:
            continue
        words = mention.split()
        if not all(w[:1].isupper() for w in words) or words[0].casefold() in NOT_NAMES:
            continue
        if any(start < e and s < end for s, e in taken):
            continue
        taken.append((start, end))
        added.append(Entity(mention, known.label, start, end, known.canonical, known.entity_key))
    return sorted(entities + added, key=lambda e: e.start_char) if added else entities
