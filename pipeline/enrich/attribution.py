"""Where a quotation's speaker is written: rules over the tokens around the quotation.

Each function looks in one place (inside the quotation, right after it, before it in its
sentence, the paragraph before) and returns the speaker phrase as (first, last) token indexes
with the cue that attributes it, or None. `quotes.py` decides the order in which they are tried.
"""
from __future__ import annotations

import re

from pipeline.enrich.lexicon import (
    ATTRIBUTING_VERBS, BETWEEN_SPEAKER_AND_VERB, DETERMINERS, NP_STOP, PRONOUNS, SENTENCE_OPENERS, SPEECH_VERBS,
    WEEKDAYS,
)
from pipeline.enrich.quote_marks import QuotedSpan, quote_at
from pipeline.enrich.speakers import Tokens, phrase_starting_at, speaker_before_verb

SENTENCE_END = {".", "?", "!", "…"}
MARK_CHARS = "\"“”„«»‘’'‹›`"


def inner_end_char(text: str, span: QuotedSpan) -> str:
    inner = text[span.start:span.end].rstrip().rstrip(MARK_CHARS).rstrip()
    return inner[-1:] if inner else ""


def transcript_label(tok: Tokens, span: QuotedSpan):
    """A speaker's name in capitals opening the quotation, as in transcripts: `"PENCE: Well, ..."`."""
    i = tok.first_at_or_after(span.start)
    while i < len(tok) and tok.start[i] < span.end and tok.text[i] in MARK_CHARS:
        i += 1
    j = i
    while j < len(tok) and j - i < 3 and tok.text[j].isupper() and tok.text[j].isalpha():
        j += 1
    if j > i and j < len(tok) and tok.text[j] == ":" and tok.start[j] < span.end:
        return (i, j - 1), ":"
    return None


def _attributable_from_after(text: str, span: QuotedSpan) -> bool:
    """`"...," Smith said` needs the quotation to end in a comma, "?" or "!", not a full stop."""
    follows = text[span.end:span.end + 2].lstrip()
    return inner_end_char(text, span) in {",", "?", "!", "—", "–", "-"} or follows.startswith(",")


def _is_quote_mark(token: str) -> bool:
    return token[:1] in MARK_CHARS and token not in ("'s", "’s", "'", "’")


def _sentence_ceiling(tok: Tokens, first: int, para_end: int, limit: int) -> int:
    ceiling = first
    while ceiling < len(tok) and tok.start[ceiling] < para_end and ceiling - first < limit:
        if tok.text[ceiling] in SENTENCE_END or _is_quote_mark(tok.text[ceiling]) or tok.text[ceiling] == ";":
            break
        ceiling += 1
    return ceiling


def _inner_preposition(tok: Tokens, k: int, ceiling: int) -> bool:
    """"in", "at", "from" inside a subject: "a narrator in the Clinton ad", "a lawyer at Smith & Co"."""
    return (tok.lower[k] in ("in", "at", "from") and k + 1 < ceiling
            and (tok.lower[k + 1] in DETERMINERS or tok.is_capitalised(k + 1)))


def _subject_then_verb(tok: Tokens, first: int, ceiling: int) -> tuple[tuple[int, int], int] | None:
    """`Smith said`, `IMF chief economist Maury Obstfeld said`, `Smith, the party's chairman, said`:
    a short subject starting at `first`, maybe with appositions, then a speech verb."""
    head_end = None  # the subject's last token, before any apposition
    k = first
    while k < ceiling and k - first < 40:
        t, low = tok.text[k], tok.lower[k]
        if low in ATTRIBUTING_VERBS and k > first:
            j = k - 1
            while j > first and tok.lower[j] in BETWEEN_SPEAKER_AND_VERB:
                j -= 1
            if head_end is None or tok.text[j] == ",":  # not a noun inside an apposition ("the states")
                break
        if t == ",":
            head_end = k - 1 if head_end is None else head_end
        elif head_end is None and (low in NP_STOP and low not in BETWEEN_SPEAKER_AND_VERB
                                   and not _inner_preposition(tok, k, ceiling) or k - first >= 12):
            return None
        k += 1
    else:
        return None
    if k >= ceiling or tok.lower[k] not in ATTRIBUTING_VERBS:
        return None
    last = k - 1 if head_end is None else head_end
    while last > first and (tok.lower[last] in BETWEEN_SPEAKER_AND_VERB
                            or (tok.lower[last].endswith("ly") and tok.text[last].islower())):
        last -= 1
    if tok.text[last] == "," or last < first:
        return None
    return (first, last), k


def speaker_after(text: str, tok: Tokens, span: QuotedSpan, para_end: int):
    """`"...," Smith said`, `"...," said Smith`, `"..." ― Smith`."""
    dash = re.match(r"[\s\u00a0]*([―—–]|--?)[\s\u00a0]*", text[span.end:para_end])
    if dash:
        first = tok.first_at_or_after(span.end + dash.end())
        ceiling = _sentence_ceiling(tok, first, para_end, 8)
        phrase = phrase_starting_at(tok, first, ceiling)
        if phrase and tok.is_capitalised(phrase[0]) and tok.lower[phrase[0]] not in DETERMINERS:
            rest = text[tok.end[phrase[1]]:para_end].strip(" \t\u00a0.")
            return ((phrase, dash.group(1)) if not rest or rest[0] in "(,\n" else None)
        return None
    if not _attributable_from_after(text, span):
        return None
    first = tok.first_at_or_after(span.end)
    if first < len(tok) and tok.text[first] == ",":
        first += 1
    ceiling = _sentence_ceiling(tok, first, para_end, 60)
    if first >= ceiling:
        return None
    if tok.lower[first] in ATTRIBUTING_VERBS:
        phrase = phrase_starting_at(tok, first + 1, ceiling)
        if phrase and phrase[1] + 2 < ceiling and tok.text[phrase[1] + 1] == ",":
            named = phrase_starting_at(tok, phrase[1] + 2, ceiling)  # "said the director, Ingrid Solberg"
            if named and tok.is_capitalised(named[0]) and tok.lower[named[0]] not in DETERMINERS:
                phrase = (phrase[0], named[1])
        return (phrase, tok.lower[first]) if phrase else None
    found = _subject_then_verb(tok, first, ceiling)
    return (found[0], tok.lower[found[1]]) if found else None


def sentence_subject(tok: Tokens, floor: int, ceiling: int) -> tuple[int, int] | None:
    """The subject of the sentence starting at `floor`, skipping an introductory phrase."""
    i = floor
    while i < ceiling and tok.lower[i] in ("but", "and", "so", "yet", "still", "also", "then", "now"):
        i += 1
    if i < ceiling and (tok.lower[i] in SENTENCE_OPENERS or tok.lower[i].endswith(("ing", "ly"))):
        comma = next((j for j in range(i, min(ceiling, i + 30)) if tok.text[j] == ","), None)
        if comma is None:
            return None
        i = comma + 1
    return phrase_starting_at(tok, i, ceiling) if i < ceiling else None


def _is_noun_use(tok: Tokens, i: int, floor: int) -> bool:
    """"a tweet", "his claims", "Republican claims": after a determiner, a possessive, a number or a
    nationality these words are nouns, not speech verbs."""
    if i <= floor:
        return False
    before = tok.lower[i - 1]
    if before in DETERMINERS or before in ("'s", "’s") or before[:1].isdigit():
        return True
    return tok.lower[i].endswith("s") and (before == "of" or tok.ent_label[i - 1] == "NORP")


def _cue_speaker(tok: Tokens, i: int, floor: int, last: int):
    """The speaker phrase of the speech verb (or "according to", "put it") at token i, if any."""
    low = tok.lower[i]
    if low == "according" and i + 1 <= last and tok.lower[i + 1] == "to":
        phrase = phrase_starting_at(tok, i + 2, last + 1)
        if phrase and phrase[1] + 2 <= last and tok.lower[phrase[1] + 1] in ("by", "from"):
            author = phrase_starting_at(tok, phrase[1] + 2, last + 1)  # "according to a filing by Acme"
            phrase = author if author and tok.is_capitalised(author[0]) else phrase
        return (phrase, "according to") if phrase else None
    if low == "put" and i + 1 <= last and tok.lower[i + 1] == "it":  # "as Smith put it"
        phrase = speaker_before_verb(tok, i, floor)
        return (phrase, "put it") if phrase else None
    if low not in SPEECH_VERBS or _is_noun_use(tok, i, floor):
        return None
    phrase = None
    participle_of_name = low.endswith("ing") and i - 1 > floor and tok.is_capitalised(i - 1) and tok.is_word(i - 1)
    if participle_of_name or not low.endswith("ing") and not (i > floor and tok.lower[i - 1] == "to"):
        phrase = speaker_before_verb(tok, i, floor)
        if phrase and phrase[0] == phrase[1] and tok.lower[phrase[0]] in PRONOUNS and phrase[0] > floor \
                and tok.lower[phrase[0] - 1] == "what":
            phrase = sentence_subject(tok, floor, phrase[0] - 1) or phrase  # "X denounced what he called ..."
    if phrase is None and not low.endswith("ing") and i + 1 <= last and tok.is_capitalised(i + 1):
        phrase = phrase_starting_at(tok, i + 1, last + 1)  # inverted: "said Lopez, adding ..."
    if phrase is None:
        phrase = sentence_subject(tok, floor, i)  # "..., calling it ...": the sentence's subject speaks
    return (phrase, low) if phrase else None


def _separate_clause(tok: Tokens, start: int, end: int, comma_allowed: bool) -> bool:
    """Whether something other than a reported clause lies between two tokens: a comma, a dash, a
    ";", "and", "but" (then a later speech verb is not reported by the earlier one)."""
    breaks = {";", "―", "—", "–", "--"} | (set() if comma_allowed else {","})
    return any(tok.text[k] in breaks or tok.lower[k] in ("and", "but", "while", "whereas")
               for k in range(start, end))


def speaker_before(tok: Tokens, span: QuotedSpan, floor: int, quotes: list[QuotedSpan]):
    """The speech verb (or "according to") before the quotation in its sentence, and its subject.

    When the nearest verb's clause is itself reported by an earlier verb ("Lynch said she recalled
    thinking, ..."; "According to X, Y said ..."), the outermost source is the speaker.
    """
    last = tok.last_before(span.start)
    found = []  # (verb index, phrase, cue), nearest first
    nearest_participle = None  # "..., said Lopez, adding that ...": the speaker is found further back
    i = last
    while i >= floor:
        inside = quote_at(quotes, tok.start[i])
        if inside is not None:
            i = tok.last_before(inside.start)
            continue
        result = _cue_speaker(tok, i, floor, last)
        if result:
            found.append((i, *result))
        elif not found and nearest_participle is None and tok.lower[i] in SPEECH_VERBS and tok.lower[i].endswith("ing"):
            nearest_participle = tok.lower[i]
        i -= 1
    if not found:
        return None
    if nearest_participle:
        return found[0][1], nearest_participle
    chosen = found[0]
    for earlier in found[1:]:
        # "According to X, Y said ..." reports Y through X; a comma ends any other reporting clause.
        reported = not _separate_clause(tok, earlier[0] + 1, min(chosen[0], chosen[1][0]),
                                        comma_allowed=earlier[2] == "according to")
        if earlier[1][1] >= chosen[1][0] or not reported:
            break
        chosen = earlier
    return chosen[1], chosen[2]


def speaker_at_sentence_end(tok: Tokens, span: QuotedSpan, para_end: int):
    """`A cashier who "steals" is held accountable, Warren said.`: a closing `, X said` after the
    quotation, later in its sentence."""
    first = tok.first_at_or_after(span.end)
    ceiling = _sentence_ceiling(tok, first, para_end, 60)
    if ceiling >= len(tok) or tok.text[ceiling] not in SENTENCE_END:
        return None
    for comma in range(ceiling - 2, first - 1, -1):
        if tok.text[comma] != ",":
            continue
        found = _subject_then_verb(tok, comma + 1, ceiling)
        if found and all(tok.lower[k] in BETWEEN_SPEAKER_AND_VERB or tok.lower[k] in WEEKDAYS
                         for k in range(found[1] + 1, ceiling)):
            return found[0], tok.lower[found[1]]
        return None
    return None


def subject_before_colon(text: str, tok: Tokens, span: QuotedSpan, floor: int):
    """`Smith scolded him: "..."`: a quotation introduced by a colon belongs to the sentence's subject."""
    if not text[:span.start].rstrip().endswith(":"):
        return None
    subject = sentence_subject(tok, floor, tok.last_before(span.start) + 1)
    return (subject, ":") if subject else None


def according_to_after(tok: Tokens, span: QuotedSpan, para_end: int):
    """`... "quoted words," according to X.` later in the same sentence."""
    first = tok.first_at_or_after(span.end)
    ceiling = _sentence_ceiling(tok, first, para_end, 40)
    for i in range(first, ceiling - 2):
        if tok.lower[i] == "according" and tok.lower[i + 1] == "to":
            return _cue_speaker(tok, i, i, ceiling - 1)
    return None


def colon_intro(text: str, tok: Tokens, para: tuple[int, int], prev_para: tuple[int, int] | None):
    """`He said:` closing the previous paragraph introduces a quotation opening this one."""
    if prev_para is None or not text[prev_para[0]:prev_para[1]].rstrip().endswith(":"):
        return None
    colon = tok.last_before(len(text[:prev_para[1]].rstrip()))
    verb = colon - 1
    floor = tok.first_at_or_after(prev_para[0])
    if verb >= floor and tok.lower[verb] in SPEECH_VERBS:
        phrase = speaker_before_verb(tok, verb, floor)
        return (phrase, tok.lower[verb] + ":") if phrase else None
    return None


def names_someone(tok: Tokens, phrase: tuple[int, int]) -> bool:
    """A person, organisation or place named in the phrase, or a personal pronoun."""
    first, last = phrase
    return tok.lower[first] in PRONOUNS or any(
        tok.ent_label[k] in ("PERSON", "ORG", "GPE", "NORP") for k in range(first, last + 1))
