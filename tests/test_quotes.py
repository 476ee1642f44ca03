"""Quotations: marks, kinds, speakers and cues, on texts written for these tests."""
import json
from pathlib import Path

import pytest

from pipeline.enrich.entities import extract_entities
from pipeline.enrich.nlp import load_nlp
from pipeline.enrich.quote_marks import find_quoted_spans
from pipeline.enrich.quotes import extract_quotes

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_f754e1f7e53ae2b4.txt"


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


def quotes_of(nlp, text, title=None):
    doc = nlp(text)
    return extract_quotes(doc, extract_entities(doc, title), title)


def summary(quotes):
    return [(q.kind, q.speaker, q.cue) for q in quotes]


def test_speaker_after_quote(nlp):
    text = ("Finance Minister Maria Lopez unveiled the budget on Tuesday.\n\n"
            "“We will not raise taxes this year,” Lopez said.")
    [quote] = quotes_of(nlp, text)
    assert summary([quote]) == [("direct", "Maria Lopez", "said")]
    assert quote.quote == "“We will not raise taxes this year,”"
    assert text[quote.start_char:quote.end_char] == quote.quote
    assert text[quote.speaker_start:quote.speaker_end] == quote.speaker_mention == "Lopez"


def test_inverted_speaker_and_partial_quote_in_same_sentence(nlp):
    text = ("Maria Lopez unveiled the budget.\n\n"
            "“The deficit will shrink,” said Lopez, adding that the plan was “cautious but fair.”")
    assert summary(quotes_of(nlp, text)) == [("direct", "Maria Lopez", "said"),
                                             ("partial", "Maria Lopez", "adding")]


def test_apposition_between_speaker_and_verb(nlp):
    text = "“The line opens in May,” John Harris, the transport minister, said on Monday."
    [quote] = quotes_of(nlp, text)
    assert summary([quote]) == [("direct", "John Harris", "said")]
    assert quote.speaker_mention == "John Harris"


def test_pronoun_resolves_to_earlier_person_and_carries_to_next_quote(nlp):
    text = ("John Harris opened the railway on Friday.\n\n"
            "“It was a long and difficult project,” he said. “But it is done.”")
    quotes = quotes_of(nlp, text)
    assert summary(quotes) == [("direct", "John Harris", "said"), ("direct", "John Harris", "said")]
    assert quotes[0].speaker_mention == "he"
    assert text[quotes[0].speaker_start:quotes[0].speaker_end] == "he"


def test_description_resolves_to_titled_person(nlp):
    text = "President Emmanuel Macron visited Lyon on Thursday. “France is ready,” the president said."
    [quote] = quotes_of(nlp, text)
    assert (quote.speaker, quote.speaker_mention, quote.cue) == ("Emmanuel Macron", "the president", "said")


def test_colon_introduction_after_statement_opening(nlp):
    text = ("The Ministry of Finance issued new figures on Friday. "
            "In a statement, the ministry said: “Inflation has peaked.”")
    [quote] = quotes_of(nlp, text)
    assert summary([quote]) == [("direct", "Ministry of Finance", "said")]
    assert quote.speaker_mention == "the ministry"


def test_colon_at_paragraph_end_introduces_next_paragraph(nlp):
    text = "Maria Lopez spoke after the vote.\n\nLopez said:\n\n“We won because we listened.”"
    assert summary(quotes_of(nlp, text)) == [("direct", "Maria Lopez", "said:")]


def test_partial_quotes_with_according_to_told_and_wrote(nlp):
    text = ("According to Maria Lopez, the budget is “balanced.” "
            "Harris told reporters that the plan was “dead on arrival.” "
            "Lopez wrote on her blog that it was “a good day for the city.”")
    quotes = quotes_of(nlp, text)
    assert [q.kind for q in quotes] == ["partial"] * 3
    assert [q.cue for q in quotes] == ["according to", "told", "wrote"]
    assert [q.speaker_mention for q in quotes] == ["Maria Lopez", "Harris", "Lopez"]
    assert quotes[2].speaker == "Maria Lopez"


def test_organisation_speakers_keep_article_and_owner(nlp):
    text = ("The White House said the meeting was “productive.” "
            "Nigeria’s Ministry of Health said the outbreak was “under control.”")
    quotes = quotes_of(nlp, text)
    assert [q.speaker_mention for q in quotes] == ["The White House", "Nigeria’s Ministry of Health"]
    assert [q.kind for q in quotes] == ["partial", "partial"]


def test_participle_cue_takes_sentence_subject(nlp):
    text = ("In a televised address, Maria Lopez defended the plan, "
            "calling the opposition's proposal “a fantasy.”")
    [quote] = quotes_of(nlp, text)
    assert (quote.kind, quote.speaker, quote.cue) == ("partial", "Maria Lopez", "calling")


def test_attribution_closing_the_sentence(nlp):
    text = ("Maria Lopez spoke to the committee. "
            "A shop assistant who “borrows from the float” is dismissed on the spot, Lopez said.")
    [quote] = quotes_of(nlp, text)
    assert (quote.kind, quote.speaker, quote.speaker_mention, quote.cue) == ("partial", "Maria Lopez", "Lopez", "said")


def test_outermost_reporter_and_description_with_preposition(nlp):
    text = ("Maria Lopez said she had warned colleagues that the scheme was “a slow-motion disaster.”\n\n"
            "“Who pays for this?” the voice-over in the union’s leaflet campaign asks.")
    quotes = quotes_of(nlp, text)
    assert [(q.kind, q.speaker_mention, q.cue) for q in quotes] == [
        ("partial", "Maria Lopez", "said"), ("direct", "the voice-over in the union’s leaflet campaign", "asks")]


def test_single_quotes_guillemets_and_doubled_apostrophes(nlp):
    text = ("Pierre Dubois met the press. «Nous sommes prêts», Dubois said. "
            "``This is final,'' Dubois added. ''No more talks,'' he wrote on his blog. "
            "‘We are ready,’ Dubois said. It's the voters' choice, and the '90s are over.")
    quotes = quotes_of(nlp, text)
    assert [q.quote for q in quotes] == ["«Nous sommes prêts»", "``This is final,''", "''No more talks,''",
                                         "‘We are ready,’"]
    assert {q.speaker for q in quotes} == {"Pierre Dubois"}
    assert [q.cue for q in quotes] == ["said", "added", "wrote", "said"]


def test_apostrophes_are_not_quotation_marks():
    text = "It's the voters' choice, Lopez's aides say, and the '90s are long gone. Rock 'n' roll."
    assert find_quoted_spans(text) == []


def test_quote_over_two_paragraphs_gives_one_piece_per_paragraph(nlp):
    text = ("Harris spoke for an hour.\n\n"
            "“The first thing we did was listen to the passengers.\n\n"
            "“The second thing we did was fix the timetable,” Harris said.")
    quotes = quotes_of(nlp, text)
    assert [q.quote[:10] for q in quotes] == ["“The first", "“The secon"]
    assert quotes[0].end_char == text.index("\n\n“The second")  # first piece ends with its paragraph
    assert summary(quotes) == [("direct", "Harris", "said"), ("direct", "Harris", "said")]


def test_unbalanced_mark_does_not_swallow_the_article(nlp):
    text = ("Maria Lopez called it \"a disaster and the rest of this paragraph never closes the mark.\n\n"
            "\"We are fine,\" Lopez said.\n\nThe vote is on Sunday.")
    quotes = quotes_of(nlp, text)
    assert [q.quote for q in quotes] == ["\"We are fine,\""]
    assert quotes[0].speaker == "Maria Lopez"
    assert all("\n" not in q.quote for q in quotes)


def test_scare_quote_without_speaker_and_title_of_work_are_not_quotations(nlp):
    text = ("The so-called \"reform\" passed in June. "
            "Maria Lopez told MSNBC's \"Morning Edition\" that she would run again.")
    assert quotes_of(nlp, text) == []


def test_repeated_headline_quote_is_left_out(nlp):
    title = "Lopez Calls Budget ‘Balanced’"
    text = f"{title}\n\nMaria Lopez said on Monday that the budget was “balanced and fair.”"
    quotes = quotes_of(nlp, text, title)
    assert [q.quote for q in quotes] == ["“balanced and fair.”"]


@pytest.mark.skipif(not SEED.exists(), reason="shared seed not present")
def test_seed_article_quotes_and_speakers(nlp):
    text = SEED.read_text(encoding="utf-8")
    gold_path = SEED.with_name(SEED.name.replace(".txt", ".quotes.jsonl"))
    gold = json.loads(gold_path.read_text(encoding="utf-8").splitlines()[0])["quotes"]
    found = {(q.start_char, q.end_char): q for q in quotes_of(nlp, text, text.split("\n", 1)[0])}
    for g in gold:
        q = found.get((g["quote_start"], g["quote_end"]))
        assert q is not None, g["quote"]
        assert q.kind == ("partial" if g["kind"] == "mixed" else "direct"), g["quote"]
        gold_words = set(g["speaker"].replace("’s", "").lower().split()) - {"the"}
        assert gold_words <= set((q.speaker or "").lower().replace("’s", "").split()), (g["quote"], q.speaker)
