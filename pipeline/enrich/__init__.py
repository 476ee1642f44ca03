"""The enrich stage: named entities with canonical names, and quotations with their speakers."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

from spacy.language import Language

from pipeline.enrich.entities import extract_entities
from pipeline.enrich.lexicon import DETERMINERS, PRONOUNS
from pipeline.enrich.nlp import load_nlp
from pipeline.enrich.quotes import extract_quotes
from pipeline.records import Entity, Quote

NOT_NAMES = PRONOUNS | DETERMINERS


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
    """
    nlp = nlp or load_nlp()
    source = iter(items)
    while batch := list(islice(source, batch_size)):
        english = [item for item in batch if _is_english(item)]
        docs = nlp.pipe((item.get("text") or "" for item in english), batch_size=batch_size)
        analysed = {id(item): doc for item, doc in zip(english, docs)}
        for item in batch:
            doc = analysed.get(id(item))
            if doc is None:
                yield {"id": item.get("id"), "entities": [], "quotes": [], "skipped": "non_english"}
                continue
            text, title = item.get("text") or "", item.get("title")
            entities = extract_entities(doc, title, text)
            quotes = extract_quotes(doc, entities, title, text, nlp)
            yield {"id": item.get("id"), "entities": with_named_speakers(entities, quotes),
                   "quotes": quotes, "skipped": None}


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
