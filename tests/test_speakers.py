"""Speaker types, keys, gender-aware pronouns and the parse-based attribution, on texts written for these tests."""
import pytest

from pipeline.enrich import enrich_texts
from pipeline.enrich.nlp import load_nlp
from pipeline.enrich.speaker_types import classify
from pipeline.records import Entity


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


def enriched(nlp, text):
    [result] = list(enrich_texts([{"id": "t", "text": text}], nlp))
    return result["entities"], result["quotes"]


def test_speaker_key_joins_the_entities_and_type_is_person(nlp):
    entities, [quote] = enriched(nlp, "Finance Minister Maria Lopez spoke in Madrid.\n\n"
                                      "“We will not raise taxes,” Lopez said.")
    assert (quote.speaker, quote.speaker_type) == ("Maria Lopez", "person")
    assert quote.speaker_key in {e.entity_key for e in entities if e.canonical == "Maria Lopez"}


def test_a_document_is_the_source_but_never_the_speaker(nlp):
    _, [quote] = enriched(nlp, "The council met on Monday.\n\n"
                               "The statement said the closure had been “unavoidable and overdue.”")
    assert quote.speaker_type == "document" and quote.speaker is None and quote.speaker_key is None
    assert quote.speaker_mention == "The statement"


def test_roles_and_organisations(nlp):
    _, quotes = enriched(nlp, "“The line will reopen on Friday,” a spokeswoman said.\n\n"
                              "“Nothing was decided,” the ministry said.")
    assert [q.speaker_type for q in quotes] == ["role", "organisation"]
    assert quotes[0].speaker_key is None


@pytest.mark.parametrize("mention,label", [("Instagram", "ORG"), ("Truth Social", "ORG"), ("one percent", ""),
                                           ("43", ""), ("HP", ""), ("American Skin", "WORK_OF_ART"),
                                           ("MacBook Pro", "PRODUCT")])
def test_never_a_speaker(mention, label):
    entities = [Entity(mention, label, 0, len(mention), mention, "x")] if label else []
    verdict = classify(mention, 0, len(mention), mention, entities)
    assert verdict.speaker is None and verdict.speaker_key is None and verdict.speaker_type == "unknown"


def test_a_plural_pronoun_never_resolves_to_one_person(nlp):
    _, [quote] = enriched(nlp, "Ellie Hart met the residents on Monday.\n\n“We are not moving,” they said.")
    assert quote.speaker_mention == "they" and quote.speaker is None


def test_pronoun_takes_the_person_of_its_gender(nlp):
    _, [quote] = enriched(nlp, "Ms. Ellie Hart met Tom Avery at the harbour on Monday.\n\n"
                               "“The pier must be rebuilt,” she said.")
    assert (quote.speaker_mention, quote.speaker) == ("she", "Ellie Hart")


def test_parse_finds_the_outer_reporter_of_a_partial_quote(nlp):
    _, [quote] = enriched(nlp, "Speaker Ada Mensah said the recent spate of closures demands that every "
                               "council engage in “more listening” this winter.")
    assert (quote.kind, quote.speaker, quote.cue) == ("partial", "Ada Mensah", "said")


def test_parse_gives_a_pronoun_the_subject_of_its_clause(nlp):
    _, [quote] = enriched(nlp, "Mayor Colm Avery condemned what he called a “reckless gamble” with the budget.")
    assert quote.speaker == "Colm Avery" and quote.speaker_mention == "Mayor Colm Avery"[6:]


def test_relative_pronoun_speaks_for_its_antecedent(nlp):
    _, [quote] = enriched(nlp, "The board met Ruth Abernathy, who in 2019 said the port was a “lost cause.”")
    assert (quote.speaker_mention, quote.speaker) == ("who", "Ruth Abernathy")
