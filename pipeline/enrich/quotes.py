"""Quotations and their speakers, by rules over the text, its tokens and its entities.

Kinds: "direct" when the quotation is a statement of its own (it opens the paragraph or the
sentence, follows a colon, or follows a speech verb and a comma: `he said, "..."`), "partial"
when a quoted fragment sits inside reported speech (`declared that the operation had "failed"`).

Speakers are looked for in this order (the rules themselves are in `attribution.py`):
  1. a transcript label opening the quotation: `"PENCE: Well, ..."`;
  2. right after the quotation: `"...," Smith said`, `"...," said Smith`, `"..." ― Smith`;
  3. before it in the same sentence: the nearest speech verb and its subject (`Smith said:`,
     `Smith told reporters that ...`, `X, the minister, declared`), `according to X`; a verb in
     -ing (`..., calling it "a disgrace"`) takes the subject of its sentence; a verb whose clause
     is itself reported (`Lynch said she recalled ...`) gives way to the outer reporter;
  4. a colon after the sentence's subject (`Smith scolded him: "..."`), `according to X` or
     `, X said.` later in the sentence;
  5. a partial quotation of two words or more with no speech verb takes its sentence's subject
     when that names someone;
  6. a direct quotation left without a speaker takes the speaker of the quotation before it in
     the paragraph, of the quotation it continues from the previous paragraph, of a previous
     paragraph that ends with a colon, or of a previous paragraph's quotation when it opens its own.
Then the dependency parse of the sentences holding a partial quotation names its source where it
shows one (see `syntax.py`): for a partial quotation the parse is preferred to the rules, which
read no structure inside reported speech; a direct quotation still without a speaker after
step 6 is given the one the parse of its sentence shows.
Pronouns are resolved to a person named earlier in the paragraph, else to the speaker named in
this or the previous paragraph, else to the nearest person named before (see `speakers.py`).
A quotation spread over paragraphs yields one Quote per paragraph piece, all with one speaker.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.enrich.attribution import (
    MARK_CHARS, SENTENCE_END, according_to_after, colon_intro, inner_end_char, names_someone,
    sentence_subject, speaker_after, speaker_at_sentence_end, speaker_before, subject_before_colon,
    transcript_label,
)
from pipeline.enrich.entities import title_spans
from pipeline.enrich.gender import compatible, genders
from pipeline.enrich.lexicon import PERSON_PRONOUNS, SPEECH_VERBS
from pipeline.enrich.speaker_types import classify
from pipeline.enrich.quote_marks import (QuotedSpan, QuotedSpans, find_quoted_spans, paragraph_at, paragraphs,
                                         quote_at)
from pipeline.enrich.nlp import load_nlp, parse
from pipeline.enrich.speakers import Tokens, opens_clause, resolve_speaker
from pipeline.enrich.syntax import speaker_in_parse
from pipeline.records import Entity, Quote
# An agency dateline opening a paragraph: place in capitals, maybe a date and agency, then a dash.
DATELINE = re.compile(r"[A-Z][A-Z .'-]{2,}(?:,[^—\n]{0,40})?\s*(?:—|--|–)\s*")
WORK_CONTEXT = re.compile(
    r"(?:['’]s?|\b(?:titled|entitled|called|named|show|program|programme|book|film|movie|documentary|series|"
    r"episode of|broadcast of|newspaper|magazine|column|song|album|ad|slogan|on)$)")


@dataclass
class _Found:
    span: QuotedSpan
    kind: str
    para: tuple[int, int]
    floor: int = 0                            # first token of its sentence
    speaker: tuple[int, int] | None = None    # token indexes of the speaker phrase
    cue: str | None = None
    antecedent: tuple[int, int] | None = None  # characters of what a relative pronoun speaker stands for


def _sentence_floor(text: str, tok: Tokens, span: QuotedSpan, para: tuple[int, int],
                    quotes: list[QuotedSpan]) -> int:
    """The first token of the sentence holding the quotation (quotations are opaque)."""
    i = tok.last_before(span.start)
    para_first = tok.first_at_or_after(para[0])
    while i >= para_first:
        inside = quote_at(quotes, tok.start[i])
        if inside is not None:
            ends_sentence = inner_end_char(text, inside) in SENTENCE_END
            after = tok.first_at_or_after(inside.end)
            if ends_sentence and after < len(tok) and tok.is_capitalised(after) and after <= tok.last_before(span.start):
                return after
            i = tok.last_before(inside.start)
            continue
        if tok.text[i] in SENTENCE_END:
            return i + 1
        i -= 1
    return para_first


def _kind(text: str, tok: Tokens, span: QuotedSpan, para: tuple[int, int], floor: int) -> str:
    if span.continuation:
        return "direct"
    before = text[para[0]:span.start].rstrip()
    if not before or before[-1] in ":.?!―—" or before[-1] in MARK_CHARS:
        return "direct"
    if before.endswith(","):
        last = tok.last_before(para[0] + len(before))
        words = tok.lower[floor:last + 1]
        if any(w in SPEECH_VERBS for w in words) or "according" in words:
            return "direct"
    return "partial"


def _attribute(text: str, tok: Tokens, found: list[_Found], quotes: list[QuotedSpan]) -> None:
    """Set speaker and cue of each quotation by the first rule that finds one (order: see above)."""
    for f in found:
        span, para_end = f.span, f.para[1]
        floor = _sentence_floor(text, tok, span, f.para, quotes)
        result = (transcript_label(tok, span)
                  or speaker_after(text, tok, span, para_end)
                  or speaker_before(tok, span, floor, quotes)
                  or subject_before_colon(text, tok, span, floor)
                  or according_to_after(tok, span, para_end)
                  or speaker_at_sentence_end(tok, span, para_end))
        # Without a speech verb, a single quoted word is a scare quote ("promoting "quack" cures");
        # a longer fragment is most often words of the sentence's subject.
        if result is None and f.kind == "partial" and len(text[span.start:span.end].split()) >= 2:
            subject = sentence_subject(tok, floor, tok.last_before(span.start) + 1)
            result = (subject, None) if subject and names_someone(tok, subject) else None
        if result:
            f.speaker, f.cue = result


def _sentence_end(text: str, tok: Tokens, span: QuotedSpan, para: tuple[int, int],
                  quotes: list[QuotedSpan]) -> int:
    """The character where the sentence holding the quotation ends (quotations are opaque)."""
    if inner_end_char(text, span) in SENTENCE_END and not text[span.end:span.end + 2].strip(" \u00a0")[:1].islower():
        return span.end
    i = tok.first_at_or_after(span.end)
    while i < len(tok) and tok.start[i] < para[1]:
        inside = quote_at(quotes, tok.start[i])
        if inside is not None:
            if inner_end_char(text, inside) in SENTENCE_END:
                return inside.end
            i = tok.first_at_or_after(inside.end)
            continue
        if tok.text[i] in SENTENCE_END:
            return tok.end[i]
        i += 1
    return para[1]


def _attribute_by_syntax(nlp: Language, text: str, tok: Tokens, wanted: list[_Found],
                         quotes: list[QuotedSpan], up_to_quotes: bool = False) -> None:
    """The quotations `wanted` get the speaker the dependency parse of their sentence shows, where
    it shows one. Only those sentences are parsed, once each; with `up_to_quotes`, only up to the
    end of the last wanted quotation in them (for partial quotations, whose cue and its subject
    come before the quoted words: a quarter fewer words to parse)."""
    sentences = {}
    for f in wanted:
        start = tok.start[f.floor] if f.floor < len(tok) else f.para[0]
        dateline = DATELINE.match(text, start, f.span.start)
        if dateline:  # "FLINT, Mich., Oct. 4 (UPI) — Former President ...": the sentence starts after the dash
            start = dateline.end()
        sentences[id(f)] = (start, _sentence_end(text, tok, f.span, f.para, quotes))
    if up_to_quotes:
        last_end: dict[tuple[int, int], int] = {}
        for f in wanted:
            last_end[sentences[id(f)]] = max(last_end.get(sentences[id(f)], 0), f.span.end)
        sentences = {k: (v[0], min(v[1], last_end[v])) for k, v in sentences.items()}
    ranges = sorted(set(sentences.values()))

    def entity_label(char: int) -> str:
        i = tok.first_at_or_after(char)
        return tok.ent_label[i] if i < len(tok) and tok.start[i] == char else ""

    docs = dict(zip(ranges, parse(nlp, (text[s:e] for s, e in ranges))))
    for f in wanted:
        start, end = sentences[id(f)]
        if not start <= f.span.start < end:
            continue
        parsed = speaker_in_parse(docs[(start, end)], start, f.span.start, f.span.end, entity_label)
        if parsed is None:
            continue
        first, last = tok.first_at_or_after(parsed.start), tok.last_before(parsed.end)
        if first <= last:
            f.speaker, f.cue, f.antecedent = (first, last), parsed.cue, parsed.antecedent


def _inherit(text: str, tok: Tokens, found: list[_Found]) -> None:
    paras = paragraphs(text)
    para_index = {p: n for n, p in enumerate(paras)}
    for n, f in enumerate(found):
        if f.speaker is not None or f.kind != "direct":
            continue
        prev = found[n - 1] if n else None
        this_para = para_index[f.para]
        prev_para = paras[this_para - 1] if this_para else None
        opens_para = not text[f.para[0]:f.span.start].strip()
        if prev and prev.speaker and (prev.para == f.para or f.span.continuation):
            f.speaker, f.cue, f.antecedent = prev.speaker, prev.cue, prev.antecedent
        elif opens_para and (intro := colon_intro(text, tok, f.para, prev_para)):
            f.speaker, f.cue = intro
        elif opens_para and prev and prev.speaker and prev.para == prev_para and prev.kind == "direct":
            f.speaker, f.cue, f.antecedent = prev.speaker, prev.cue, prev.antecedent
    # A quotation over several paragraphs is often attributed only in its last piece.
    for n in range(len(found) - 1, 0, -1):
        if found[n].span.continuation and found[n].speaker and found[n - 1].speaker is None:
            found[n - 1].speaker, found[n - 1].cue, found[n - 1].antecedent = \
                found[n].speaker, found[n].cue, found[n].antecedent


def _names_a_work(text: str, span: QuotedSpan) -> bool:
    """A short quoted Title Case phrase right after a possessive or a noun such as "show" is a title
    ("MSNBC's "Morning Joe"", "the book ''Make Your Kid a Millionaire''"), not a quotation."""
    words = re.findall(r"[\w’'-]+", text[span.start:span.end])
    if not words or len(words) > 8 or not all(w[0].isupper() or len(w) <= 3 or not w[0].isalpha() for w in words):
        return False
    before = text[max(0, span.start - 40):span.start].rstrip(" ,\u00a0").lower()
    return bool(WORK_CONTEXT.search(before))


def extract_quotes(doc: Doc, entities: list[Entity], title: str | None = None,
                   text: str | None = None, nlp: Language | None = None) -> list[Quote]:
    """All quotations of the document with kind, speaker (resolved) and cue, in text order.

    Quotations inside a repeated headline (`title`) are left out, as are quoted fragments that no
    rule attributes (scare quotes: "so-called "reforms"") and quoted titles of works.
    `text` is the doc's text when the caller has it at hand (doc.text is rebuilt on every access).
    """
    text = doc.text if text is None else text
    tok = Tokens(doc, text)
    headline = title_spans(text, title)
    spans = QuotedSpans(s for s in find_quoted_spans(text)
                        if not any(h0 <= s.start < h1 for h0, h1 in headline) and not _names_a_work(text, s))
    paras = paragraphs(text)
    found = []
    for span in spans:
        if sum(c.isalnum() for c in text[span.start:span.end]) < 2:
            continue
        para = paragraph_at(paras, span.start)
        if para is None:   # a quotation always starts inside a paragraph; never guessed otherwise
            continue
        floor = _sentence_floor(text, tok, span, para, spans)
        found.append(_Found(span, _kind(text, tok, span, para, floor), para, floor))
    _attribute(text, tok, found, spans)
    nlp = nlp or load_nlp()
    _attribute_by_syntax(nlp, text, tok, [f for f in found if f.kind == "partial"], spans, up_to_quotes=True)
    _inherit(text, tok, found)
    # Direct quotations still without a speaker once continuations have inherited theirs
    # ("I laughed and said, "..."" where no rule reads the clause before the comma).
    _attribute_by_syntax(nlp, text, tok, [f for f in found if f.speaker is None], spans)
    return _as_records(text, tok, [f for f in found if f.speaker is not None or f.kind == "direct"], entities)


def _compatible_people(persons: list[Entity], starts: list[int], begin: int, end: int, pronoun: str,
                       known_genders) -> list[Entity]:
    """The people named in [begin, end) whom the pronoun can refer to, in text order: the range
    found by bisection, so only that paragraph's people are looked at."""
    window = persons[bisect.bisect_left(starts, begin):bisect.bisect_left(starts, end)]
    return [e for e in window if compatible(pronoun, e.canonical, known_genders)]


def _as_records(text: str, tok: Tokens, found: list[_Found], entities: list[Entity]) -> list[Quote]:
    """Quote records with the speakers named, typed and keyed."""
    para_number_of = {p: n for n, p in enumerate(paragraphs(text))}
    known_genders = genders(text, entities)
    # people in text order, for "the last one named before the pronoun" by bisection
    persons = sorted((e for e in entities if e.label == "PERSON"), key=lambda e: e.start_char)
    person_starts = [e.start_char for e in persons]
    quotes = []
    last_named: tuple[str, int] | None = None  # the last speaker named outright, and its paragraph
    for f in found:
        name = mention = s_start = s_end = None
        verdict = None
        if f.speaker is not None:
            speaker = resolve_speaker(text, tok.start[f.speaker[0]], tok.end[f.speaker[1]], entities, known_genders)
            name, mention, s_start, s_end = speaker.name, speaker.mention, speaker.start, speaker.end
            if f.antecedent is not None:  # "McConnell, who said ...": the mention is "who"
                name = resolve_speaker(text, *f.antecedent, entities, known_genders).name
            para_number = para_number_of[f.para]
            pronoun = tok.lower[f.speaker[0]]
            if pronoun in PERSON_PRONOUNS:
                # A pronoun refers back to a person of its gender named earlier in its paragraph,
                # else to the speaker named in this or the previous paragraph ("..., Hart said.
                # "...," she added").
                in_paragraph = _compatible_people(persons, person_starts, f.para[0], s_start, pronoun, known_genders)
                if in_paragraph:  # a subject ("Morrison was ... with Zelensky. He said") before an object
                    subjects = [e for e in in_paragraph if opens_clause(text, e)]
                    name = (subjects or in_paragraph)[-1].canonical
                elif last_named and para_number - last_named[1] <= 1 and compatible(pronoun, last_named[0], known_genders):
                    name = last_named[0]
            verdict = classify(mention, s_start, s_end, name, entities)
            if verdict.speaker and pronoun not in PERSON_PRONOUNS and verdict.speaker_type in ("person", "organisation"):
                last_named = (verdict.speaker, para_number)
            name = verdict.speaker
            if not verdict.keep_mention:
                mention = s_start = s_end = None
        quotes.append(Quote(text[f.span.start:f.span.end], f.kind, f.span.start, f.span.end,
                            name, mention, s_start, s_end, f.cue if f.speaker is not None else None,
                            verdict.speaker_key if verdict else None, verdict.speaker_type if verdict else None))
    return quotes
