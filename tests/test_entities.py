"""Entities: label filtering, junk removal, canonical names within an article, keys across articles."""
from pathlib import Path

import pytest

from pipeline.enrich import enrich_texts
from pipeline.enrich.entities import KEPT_LABELS, entity_key, extract_entities, is_junk_mention
from pipeline.enrich.nlp import load_nlp

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


def entities_of(nlp, text, title=None):
    return extract_entities(nlp(text), title)


def test_model_runs_only_what_enrich_needs(nlp):
    assert "ner" in nlp.pipe_names
    assert "parser" not in nlp.pipe_names and "tagger" not in nlp.pipe_names
    assert load_nlp() is nlp  # loaded once per process


def test_short_name_takes_full_name_mentioned_earlier(nlp):
    text = ("Russian President Vladimir Putin met officials in Moscow on Monday. "
            "Later, Putin's aides said the talks had gone well.")
    putins = [e for e in entities_of(nlp, text) if e.label == "PERSON"]
    assert [e.mention for e in putins] == ["Vladimir Putin", "Putin"]
    assert {e.canonical for e in putins} == {"Vladimir Putin"}
    assert {e.entity_key for e in putins} == {"person:vladimir putin"}
    later = putins[1]
    assert text[later.start_char:later.end_char] == "Putin"  # possessive "'s" left out


def test_title_is_not_part_of_the_name(nlp):
    text = "President Donald Trump spoke to reporters in Washington. Trump said little else."
    people = [e for e in entities_of(nlp, text) if e.label == "PERSON"]
    assert people[0].mention == "Donald Trump"
    assert text[people[0].start_char - len("President "):people[0].start_char] == "President "
    assert people[-1].mention == "Trump" and people[-1].canonical == "Donald Trump"


def test_numbers_and_dates_are_dropped(nlp):
    text = ("Angela Merkel visited Paris on 3 March 2021 with 40 aides and a budget of $2 million, "
            "the second such trip by the German chancellor.")
    found = entities_of(nlp, text)
    labels = {e.label for e in found}
    assert labels <= KEPT_LABELS
    assert {"PERSON", "GPE"} <= labels
    assert not any(ch.isdigit() for e in found for ch in e.mention)


def test_entity_key_folds_case_accents_and_punctuation():
    assert entity_key("PERSON", "José  Álvarez-Núñez") == "person:jose alvarez nunez"
    assert entity_key("ORG", "The U.N.") == entity_key("ORG", "the u n")
    assert entity_key("GPE", "Côte d’Ivoire") == "gpe:cote d ivoire"
    assert entity_key("PERSON", "Putin") != entity_key("ORG", "Putin")


def test_repeated_headline_is_not_tagged(nlp):
    title = "Merkel Meets Macron in Berlin"
    text = f"{title}\n\n{title}\n\nAngela Merkel met Emmanuel Macron in Berlin on Friday."
    body_start = text.rindex("Angela")
    found = entities_of(nlp, text, title)
    assert found, "the body's entities are kept"
    assert all(e.start_char >= body_start for e in found)
    with_headline = entities_of(nlp, text)
    assert any(e.start_char < body_start for e in with_headline), "without the title the headline is tagged"


@pytest.mark.parametrize("mention", ["READ MORE", "Login/Register", "www.example.com", "@newsdesk", "X"])
def test_junk_mentions(mention):
    assert is_junk_mention(mention)


@pytest.mark.parametrize("mention", ["NATO", "Vladimir Putin", "New York"])
def test_real_names_are_not_junk(mention):
    assert not is_junk_mention(mention)


def test_non_english_items_are_skipped_in_order(nlp):
    items = [
        {"id": "a", "text": "Angela Merkel spoke in Berlin.", "language": "en"},
        {"id": "b", "text": "Angela Merkel sprach am Montag in Berlin.", "language": "de"},
        {"id": "c", "text": "Emmanuel Macron spoke in Paris.", "language": None},
    ]
    results = list(enrich_texts(iter(items), nlp=nlp, batch_size=2))
    assert [r["id"] for r in results] == ["a", "b", "c"]
    assert results[1] == {"id": "b", "entities": [], "quotes": [], "skipped": "non_english"}
    assert results[0]["skipped"] is None and results[0]["entities"]
    assert results[2]["skipped"] is None and results[2]["entities"]


def test_short_organisation_name_and_acronym_take_the_full_name(nlp):
    text = ("Officers from the National Crime Agency raided the depot on Monday. "
            "The NCA said three men were held.")
    by_mention = {e.mention: e for e in entities_of(nlp, text)}
    assert by_mention["NCA"].canonical == "National Crime Agency"
    assert by_mention["NCA"].entity_key == by_mention["National Crime Agency"].entity_key == "org:national crime agency"


def test_enrich_streams_batch_by_batch(nlp):
    pulled = []

    def articles():
        for n in range(1000):
            pulled.append(n)
            yield {"id": n, "text": f"Angela Merkel spoke in Berlin on day {n}."}

    results = enrich_texts(articles(), nlp=nlp, batch_size=8)
    first = next(results)
    assert first["id"] == 0 and first["entities"]
    assert len(pulled) <= 8  # the rest of the input has not been read


def test_organisation_short_form_matches_first_words_only(nlp):
    text = ("The White House welcomed the vote. The House of Representatives passed the bill on Friday, "
            "and the House will sit again in January.")
    houses = [e for e in entities_of(nlp, text) if e.mention == "House"]
    assert houses and all(e.canonical == "House of Representatives" for e in houses)


def test_titles_that_are_part_of_a_name_are_kept(nlp):
    entities = entities_of(nlp, "Pope Francis met King Charles in Rome. Later Francis spoke to reporters.")
    names = {e.canonical for e in entities if e.label == "PERSON"}
    assert {"Pope Francis", "King Charles"} <= names
    assert len({e.entity_key for e in entities if e.canonical == "Pope Francis"}) == 1


def test_gazetteer_finds_capitals_the_model_misses(nlp):
    text = "Officials in Kyiv said the talks would resume. The Kyiv Independent reported it first."
    places = [(e.mention, e.label) for e in entities_of(nlp, text)]
    assert ("Kyiv", "GPE") in places
    assert not any(m == "Kyiv" and e.start_char > 40 for e in entities_of(nlp, text) for m in [e.mention]
                   if e.label == "GPE")  # not inside a longer name


def test_one_label_per_entity_in_an_article(nlp):
    text = ("Twitter said on Monday it would change its rules. Users of Twitter complained, and Twitter "
            "later apologised. The Senate will hold a hearing; the Senate committee chair agreed.")
    by_name = {}
    for e in entities_of(nlp, text):
        by_name.setdefault(e.canonical, set()).add(e.label)
    assert by_name.get("Twitter") == {"ORG"}
    assert by_name.get("Senate") == {"ORG"}


@pytest.mark.parametrize("text,span,label,expected", [
    ("He bought the earlier MacBook Pro today.", "earlier MacBook Pro", "PRODUCT", "MacBook Pro"),
    ("Sens. Jon Tester (D-Mont.) spoke.", "Jon Tester (D", "PERSON", "Jon Tester"),
    ("The HP outbreak spread.", "HP", "ORG", None),
    ("Hypersensitivity pneumonitis (HP) is rare; HP spread.", "HP", "ORG", "HP"),
])
def test_junk_spans_are_mended_or_dropped(text, span, label, expected):
    from pipeline.enrich.mending import mend
    start = text.rindex(span) if expected == "HP" else text.index(span)
    mended = mend(text, start, start + len(span), label)
    assert (text[mended[0]:mended[1]] if mended else None) == expected


def test_tuned_blas_gives_stock_spacys_entities_and_parses(nlp):
    """load_nlp runs the model's matrix products on one OpenBLAS thread instead of thinc's blis:
    the same entities and dependency parses as spaCy loaded as it ships, only cheaper."""
    import spacy
    from threadpoolctl import threadpool_info

    from pipeline.enrich.nlp import MODEL_NAME, PARSE_COMPONENTS, UNUSED_COMPONENTS, parse

    assert all(not pipe.model.ops.use_blis for _, pipe in nlp.components if hasattr(pipe, "model"))
    assert {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"} == {1}
    stock = spacy.load(MODEL_NAME, exclude=UNUSED_COMPONENTS, disable=[*PARSE_COMPONENTS, "attribute_ruler"])
    assert all(pipe.model.ops.use_blis for _, pipe in stock.components if hasattr(pipe, "model"))
    texts = [path.read_text(encoding="utf-8") for path in sorted((ROOT / "samples").rglob("*.txt"))]
    texts += ["Mayor Ana Ruiz told reporters in Lisbon on Friday that the European Commission would "
              "review the port contract signed with Maersk in March."]
    assert len(texts) > 1
    ents = lambda model: [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in model.pipe(texts)]
    assert ents(nlp) == ents(stock) and any(ents(nlp))
    sentences = ["\"We will not sign it,\" the minister said on Tuesday.", texts[-1]]
    heads = lambda docs: [[(t.dep_, t.head.i) for t in doc] for doc in docs]
    assert heads(parse(nlp, sentences)) == heads(parse(stock, sentences))
