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
Pronouns are resolved to a person named earlier in the paragraph, else to the speaker named in
this or the previous paragraph, else to the nearest person named before (see `speakers.py`).
A quotation spread over paragraphs yields one Quote per paragraph piece, all with one speaker.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from spacy.tokens import Doc

from pipeline.enrich.attribution import (
    MARK_CHARS, SENTENCE_END, according_to_after, colon_intro, inner_end_char, names_someone,
    sentence_subject, speaker_after, speaker_at_sentence_end, speaker_before, subject_before_colon,
    transcript_label,
)
from pipeline.enrich.entities import title_spans
from pipeline.enrich.lexicon import PERSON_PRONOUNS, SPEECH_VERBS
from pipeline.enrich.quote_marks import (QuotedSpan, QuotedSpans, find_quoted_spans, paragraph_at, paragraphs,
                                         quote_at)
from pipeline.enrich.speakers import Tokens, resolve_speaker
from pipeline.records import Entity, Quote
WORK_CONTEXT = re.compile(
    r"(?:['’]s?|\b(?:titled|entitled|called|named|show|program|programme|book|film|movie|documentary|series|"
    r"episode of|broadcast of|newspaper|magazine|column|song|album|ad|slogan|on)$)")


@dataclass
class _Found:
    span: QuotedSpan
    kind: str
    para: tuple[int, int]
    speaker: tuple[int, int] | None = None    # token indexes of the speaker phrase
    cue: str | None = None


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
            f.speaker, f.cue = prev.speaker, prev.cue
        elif opens_para and (intro := colon_intro(text, tok, f.para, prev_para)):
            f.speaker, f.cue = intro
        elif opens_para and prev and prev.speaker and prev.para == prev_para and prev.kind == "direct":
            f.speaker, f.cue = prev.speaker, prev.cue
    # A quotation over several paragraphs is often attributed only in its last piece.
    for n in range(len(found) - 1, 0, -1):
        if found[n].span.continuation and found[n].speaker and found[n - 1].speaker is None:
            found[n - 1].speaker, found[n - 1].cue = found[n].speaker, found[n].cue


def _names_a_work(text: str, span: QuotedSpan) -> bool:
    """A short quoted Title Case phrase right after a possessive or a noun such as "show" is a title
    ("MSNBC's "Morning Joe"", "the book ''Make Your Kid a Millionaire''"), not a quotation."""
    words = re.findall(r"[\w’'-]+", text[span.start:span.end])
    if not words or len(words) > 8 or not all(w[0].isupper() or len(w) <= 3 or not w[0].isalpha() for w in words):
        return False
    before = text[max(0, span.start - 40):span.start].rstrip(" ,\u00a0").lower()
    return bool(WORK_CONTEXT.search(before))


def extract_quotes(doc: Doc, entities: list[Entity], title: str | None = None,
                   text: str | None = None) -> list[Quote]:
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
        found.append(_Found(span, _kind(text, tok, span, para, floor), para))
    _attribute(text, tok, found, spans)
    _inherit(text, tok, found)
    return _as_records(text, tok, [f for f in found if f.speaker is not None or f.kind == "direct"], entities)


def _as_records(text: str, tok: Tokens, found: list[_Found], entities: list[Entity]) -> list[Quote]:
    """Quote records with the speakers named."""
    para_number_of = {p: n for n, p in enumerate(paragraphs(text))}
    # people in text order, for "the last one named before the pronoun" by bisection
    persons = sorted((e for e in entities if e.label == "PERSON"), key=lambda e: e.start_char)
    person_starts = [e.start_char for e in persons]
    quotes = []
    last_named: tuple[str, int] | None = None  # the last speaker named outright, and its paragraph
    for f in found:
        name = mention = s_start = s_end = None
        if f.speaker is not None:
            speaker = resolve_speaker(text, tok.start[f.speaker[0]], tok.end[f.speaker[1]], entities)
            name, mention, s_start, s_end = speaker.name, speaker.mention, speaker.start, speaker.end
            para_number = para_number_of[f.para]
            if tok.lower[f.speaker[0]] in PERSON_PRONOUNS:
                # A pronoun refers back to a person named earlier in its paragraph, else to the
                # speaker named in this or the previous paragraph ("..., Hart said. "...," she added").
                nearest = bisect.bisect_left(person_starts, s_start) - 1
                if nearest >= 0 and person_starts[nearest] >= f.para[0]:
                    name = persons[nearest].canonical
                elif last_named and para_number - last_named[1] <= 1:
                    name = last_named[0]
            elif name:
                last_named = (name, para_number)
        quotes.append(Quote(text[f.span.start:f.span.end], f.kind, f.span.start, f.span.end,
                            name, mention, s_start, s_end, f.cue if f.speaker is not None else None))
    return quotes
