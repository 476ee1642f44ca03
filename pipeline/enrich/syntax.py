"""Speakers from a dependency parse, on the sentences that hold a quotation.

The parser runs only on those sentences (a few per cent of the words): parsing whole texts would
cost more than the recogniser itself. `speaker_in_parse` walks from the quotation up the tree to
the speech verb that governs it (`X said the plan was "rushed"`, `what X called "a disgrace"`,
`X took to Twitter to accuse Y of being "duped"`), then to that verb's subject, following
conjoined, open-complement and participle verbs to the clause that has one; an "according to"
attached on the way names the source instead; a reported verb inside a reported clause
(`Ryan said ... demands that ...`) gives way to the outer reporter. Relative pronouns
(`McConnell, who said ...`) are the mention, their antecedent the name.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from spacy.tokens import Doc, Token

from pipeline.enrich.lexicon import DOCUMENT_NOUNS, ORG_NOUNS, PERSON_TITLES, ROLE_NOUNS, SPEECH_VERBS

SUBJECTS = ("nsubj",)
# Verbs that hand their subject down to a verb depending on them ("took to Twitter to accuse").
SUBJECT_SHARING = ("conj", "xcomp", "advcl", "acl", "pcomp")
# Dependencies through which a clause sits inside another one's statement.
CLAUSE_LINKS = frozenset({"ccomp", "xcomp", "conj", "advcl", "acl", "relcl", "dobj", "pobj", "prep", "pcomp",
                          "oprd", "attr"})
REPORTED_LINKS = frozenset({"ccomp", "xcomp", "conj", "advcl"})
RELATIVE_PRONOUNS = frozenset({"who", "which", "that"})
SPEAKER_PRONOUNS = frozenset({"he", "she", "they", "we", "i", "you"})
SPEAKER_ENTITY_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP"})


@dataclass
class ParsedSpeaker:
    start: int                         # the mention, as character offsets into the article
    end: int
    cue: str
    antecedent: tuple[int, int] | None = None   # for a relative pronoun, the noun phrase it stands for


# Word classes from the fine-grained tags: the tagger's own output, so the attribute ruler (which
# maps tags to coarse classes and costs as much as the parser) need not run.
def _is_verb(token: Token) -> bool:
    return token.tag_.startswith("VB") or token.tag_ == "MD"


def _is_noun(token: Token) -> bool:
    return token.tag_.startswith("NN")


def _is_cue(token: Token) -> bool:
    return token.lower_ in SPEECH_VERBS and _is_verb(token)


def _subject(verb: Token, depth: int = 0) -> Token | None:
    for child in verb.children:
        if child.dep_ in SUBJECTS:
            return child
    for child in verb.children:   # a passive cue: "was described by X as ..."
        if child.dep_ == "agent":
            return next((c for c in child.children if c.dep_ == "pobj"), None)
    if depth < 3 and verb.dep_ in SUBJECT_SHARING and verb.head is not verb:
        head = verb.head
        if verb.dep_ == "acl" and _is_noun(head):
            head = head.head if head.head is not head else head   # "tweets saying ..." -> who sent them
        return _subject(head, depth + 1)
    return None


def _according_to(verb: Token) -> Token | None:
    for child in verb.children:
        if child.lower_ == "according":
            to = next((c for c in child.children if c.lower_ == "to"), None)
            if to is not None:
                return next((c for c in to.children if c.dep_ == "pobj"), None)
    return None


def _can_speak(token: Token, labels) -> bool:
    """A subject that can be a source: a pronoun for people, a named person/organisation/place,
    or a noun for a role, a body or a document ("officials", "the ministry", "the report")."""
    low = token.lower_
    if low in SPEAKER_PRONOUNS or low in RELATIVE_PRONOUNS and token.dep_ in SUBJECTS:
        return True
    if any(labels(t) in SPEAKER_ENTITY_LABELS for t in token.subtree):
        return _is_noun(token)
    if token.tag_ in ("NNP", "NNPS"):
        return True
    return token.tag_ in ("NN", "NNS") and (low in PERSON_TITLES or low in ROLE_NOUNS or low in ORG_NOUNS
                                     or low in DOCUMENT_NOUNS or low.rstrip("s") in ROLE_NOUNS)


def _phrase(token: Token) -> tuple[int, int]:
    """The noun phrase headed by `token`, without what follows a comma (appositions, relative
    clauses): character offsets within its doc."""
    first = token.left_edge
    last = token
    for child in token.rights:
        if child.dep_ in ("compound", "flat", "prep") and child.i == last.i + 1 and child.lower_ != "of":
            last = child.right_edge if child.dep_ == "prep" else child
        elif child.lower_ == "of" and child.i == last.i + 1:
            last = child.right_edge   # "the mayor of Paris"
        else:
            break
    while first.i < token.i and (first.is_punct or first.is_quote):
        first = first.doc[first.i + 1]
    return first.idx, last.idx + len(last)


def _quote_head(doc: Doc, start: int, end: int) -> Token | None:
    inside = [t for t in doc if start <= t.idx < end]
    heads = [t for t in inside if not (start <= t.head.idx < end) or t.head is t]
    return heads[0] if heads else None


def _nearest_cue(chain: list[Token], labels) -> tuple[Token, Token, bool] | None:
    """The first verb up the chain that is a speech cue with a subject that can speak, or an
    "according to" source: (verb, subject, by_according_to)."""
    for node in chain:
        source = _according_to(node)
        if source is not None and _can_speak(source, labels):
            return node, source, True
        if _is_cue(node):
            subject = _subject(node)
            if subject is not None and _can_speak(subject, labels):
                return node, subject, False
    return None


def _climb(verb: Token, subject: Token, labels) -> tuple[Token, Token]:
    """The outermost source: a speech verb whose reported clause holds this one (`Ryan said ...
    demands that all "..."`), or, for a personal pronoun, the subject of the clause that holds its
    own (`Ban condemned what he called "..."`: "he" is Ban). A clause introduced by a conjunction
    ("after she attacked ...") is a separate event and stops the climb, as does a relative pronoun
    speaking for itself (`McConnell, who said ...`)."""
    relative = subject.lower_ in RELATIVE_PRONOUNS and subject.head.dep_ == "relcl"
    # "X released a letter that says ...": the letter's sender; "X told a woman who asked ... that
    # "..."": the parser hangs the statement on the nearer clause, but the teller says it.
    pronoun = subject.lower_ in SPEAKER_PRONOUNS or relative and (
        subject.head.head.lower_ in DOCUMENT_NOUNS or _is_cue(subject.head.head.head))
    reported = True   # still inside the statement of each verb passed, through clausal complements only
    node = verb
    while node.head is not node:
        own_subject = any(c.dep_ in SUBJECTS for c in node.children)
        if node.dep_ not in CLAUSE_LINKS or (node.dep_ == "advcl" and any(c.dep_ == "mark" for c in node.children)) \
                or (node.dep_ == "conj" and own_subject):
            break
        reported = reported and node.dep_ in REPORTED_LINKS
        node = node.head
        if not _is_verb(node):
            continue
        outer = _subject(node)
        if outer is None or outer.i == subject.i or not _can_speak(outer, labels):
            continue
        if (reported and _is_cue(node)) or pronoun:
            verb, subject = node, outer
            pronoun = subject.lower_ in SPEAKER_PRONOUNS
            reported = True
    return verb, subject


def speaker_in_parse(doc: Doc, offset: int, quote_start: int, quote_end: int,
                     entity_label: Callable[[int], str]) -> ParsedSpeaker | None:
    """The source of the quotation text[quote_start:quote_end], parsed in `doc` (a sentence that
    starts at character `offset` of the article), or None when the parse shows none.
    `entity_label(char)` is the recogniser's label at that character of the article ("" if none):
    the sentence is parsed on its own, its entities come from the whole text's pass."""
    def labels(token: Token) -> str:
        return entity_label(token.idx + offset)

    start, end = quote_start - offset, quote_end - offset
    head = _quote_head(doc, start, end)
    if head is None:
        return None
    chain = [t for t in [head, *head.ancestors] if not start <= t.idx < end]
    found = _nearest_cue(chain, labels)
    if found is None:
        return None
    verb, subject, by_according_to = found
    if not by_according_to:
        verb, subject = _climb(verb, subject, labels)
    cue = "according to" if by_according_to else verb.lower_   # the verb of the source found
    if start <= subject.idx < end or subject.idx >= end and verb.idx < start:
        return None   # a subject after the quotation for a cue before it: a misparse of a long sentence
    named = next((c for c in subject.rights if c.dep_ == "appos" and labels(c) == "PERSON"), None)
    if named is not None and labels(subject) != "PERSON":
        subject = named   # "Russia's top general, Valery Gerasimov, praised ...": the name
    s_start, s_end = _phrase(subject)
    antecedent = None
    if subject.lower_ in RELATIVE_PRONOUNS and subject.head.dep_ == "relcl":
        a_start, a_end = _phrase(subject.head.head)
        antecedent = (a_start + offset, a_end + offset)
        s_start, s_end = subject.idx, subject.idx + len(subject)
    return ParsedSpeaker(s_start + offset, s_end + offset, cue, antecedent)


def _reports(inner: Token, outer: Token) -> bool:
    """Whether `outer` reports the clause of `inner` (`outer` said that ... `inner` ...): the path
    between them goes through clausal complements only."""
    node = inner
    while node is not outer and node.head is not node:
        if node.dep_ not in ("ccomp", "conj", "xcomp", "advcl"):
            return False
        node = node.head
    return node is outer
