"""Property-based fuzzing of the components that read untrusted text (issue 12).

For each component: a hypothesis strategy of generated and mutated inputs (deeply nested tags, huge
attributes, broken encodings and BOMs, mixed scripts and RTL overrides, unbalanced quotation marks,
NUL bytes, megabyte lines and words, entity floods), and a check that runs the real component on
one input and asserts its properties. A check raises AssertionError when a property fails; any other
exception is one that escaped the component. Used by tests/test_fuzz.py (a small sample in `make
test`) and benchmarks/fuzz.py (the nightly-style run, 10,000 inputs per component).
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
# Markup left in a plain-text column: "<" then a tag name, "/", "!" or "?" (as the net defines it).
from pipeline.clean.plain import MARKUP  # noqa: E402

# --- building blocks ---------------------------------------------------------------------------

QUOTE_MARKS = "\"'“”„«»‘’‹›`"
ODD_CHARS = ("\u202e", "\u202d", "\u200f", "\u200e", "\u2066", "\u2069",   # RTL/LTR overrides, isolates
             "\u200b", "\ufeff", "\x00", "\u00a0", "\u3000", "\ufffd", "\U0001F600", "\u0301")
SCRIPTS = ("Ada Moss said", "Ленин сказал", "قال الوزير", "שלום עולם", "東京都の知事", "नमस्ते दुनिया",
           "Ελληνικά", "한국어 텍스트", "Zürich Straße")
ENTITIES = ("&amp", "&amp;", "&#1234567", "&#x110000;", "&#0;", "&nbsp", "&lt;script&gt;", "&#", "&;", "&quot")
TAGS = ("div", "p", "span", "b", "i", "a", "script", "style", "template", "plaintext", "textarea", "title",
        "noscript", "iframe", "svg", "math", "table", "tr", "td", "br", "img", "meta", "xmp", "article")


def _repeat(piece: st.SearchStrategy[str], most: int) -> st.SearchStrategy[str]:
    """A piece repeated up to `most` times: how megabyte inputs are made without drawing each byte."""
    return st.builds(lambda text, times: text * times, piece, st.integers(1, most))


small_text = st.text(max_size=40)
atoms = st.one_of(
    small_text,
    st.sampled_from(SCRIPTS),
    st.sampled_from(ODD_CHARS),
    st.sampled_from(ENTITIES),
    st.text(alphabet=QUOTE_MARKS + " a\n", max_size=30),
    st.just("\n\n"),
)


def texts(longest_run: int) -> st.SearchStrategy[str]:
    """Text with floods: runs of one piece (a megabyte word, digits, quote marks, emoji, entities)
    up to `longest_run` repeats, among short pieces of every script and odd character."""
    flood = _repeat(st.one_of(st.sampled_from(list(QUOTE_MARKS) + list(ODD_CHARS) + list(ENTITIES)),
                              st.sampled_from(["x", "7", "-", "ab-", "\" ", " ", "\n", "a.", "Moss "])), longest_run)
    return st.lists(st.one_of(atoms, atoms, flood), max_size=12).map("".join)


hostile_text = texts(200_000)           # up to megabytes
nlp_text = texts(20_000)                # what the enrich stage hands on: within nlp_max_chars' order


@st.composite
def markup(draw, depth: int = 0) -> str:
    """A fragment of HTML, well-formed or not: nested tags, attributes huge or hostile, text."""
    parts = []
    for _ in range(draw(st.integers(0, 4 if depth < 3 else 1))):
        kind = draw(st.integers(0, 9))
        if kind <= 3 or depth >= 4:
            parts.append(draw(st.one_of(atoms, hostile_text)) if kind == 0 else draw(atoms))
        elif kind <= 6:
            tag = draw(st.sampled_from(TAGS))
            attr = draw(st.sampled_from(["", " class=\"story\"", " onerror=alert(1)", " src=x", " style=\"display:none\"",
                                         " hidden", " itemprop=\"articleBody\"", " data-x='"]))
            if draw(st.booleans()):
                attr += " title=\"" + "a" * draw(st.integers(0, 300_000)) + "\""
            inner = draw(markup(depth + 1))
            close = draw(st.sampled_from([f"</{tag}>", "", f"</{tag}", f"</ {tag}>"]))
            parts.append(f"<{tag}{attr}>{inner}{close}")
        elif kind == 7:
            n = draw(st.integers(1, 600))
            tag = draw(st.sampled_from(["div", "span", "b"]))
            parts.append(f"<{tag}>" * n + draw(atoms) + f"</{tag}>" * draw(st.integers(0, n)))
        elif kind == 8:
            parts.append(draw(st.sampled_from(["<![CDATA[<b>x</b>]]>", "<!-- c --", "<scr<script>ipt>alert(1)</scr</script>ipt>",
                                               "<?xml x?>", "<!doctype html>", "<", ">", "</", "<p", "&"])))
        else:
            parts.append(draw(_repeat(st.sampled_from(["<p>a</p>", "<br>", "<div>", "&amp", "<b>x", "\""]), 20_000)))
    return "".join(parts)


@st.composite
def html_pages(draw) -> bytes:
    """A page: generated around a plausible skeleton, or a real sample page mutated; then encoded,
    sometimes badly (BOMs that lie, UTF-16, cp1252, bytes cut in the middle of a character)."""
    if draw(st.integers(0, 3)) == 0:
        page = draw(st.sampled_from(_seed_pages()))
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(page)))
            piece = draw(st.one_of(markup(), hostile_text))
            cut = draw(st.integers(0, 2000)) if draw(st.booleans()) else 0
            page = page[:at] + piece + page[at + cut:]
    else:
        title = draw(st.one_of(atoms, markup()))
        head = draw(st.sampled_from(["", "<meta name=\"author\" content=\"<img src=x onerror=alert(1)>Rhea Vance\">",
                                     "<meta name=\"description\" content=\"<script>alert(2)</script>News\">",
                                     "<script type=\"application/ld+json\">{\"@type\":\"NewsArticle\",\"articleBody\":\"\\ud800 x\","
                                     "\"author\":{\"name\":\"<b>Ada</b>\"}}</script>"]))
        body = draw(markup())
        page = (f"<html><head><title>{title}</title>{head}</head><body><article><h1>{title}</h1>"
                f"<p>The harbour board approved a new ferry timetable on Monday, the chair said.</p>{body}"
                f"</article></body></html>")
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-16", "utf-16-le", "cp1252", "utf-8-sig"]))
    data = page.encode(encoding, errors="replace") if encoding != "utf-8" else page.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 5)) == 0:
        data = draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b""])) + data
    if draw(st.integers(0, 5)) == 0:
        data = data[:draw(st.integers(0, len(data)))]
    return data


_SEEDS: list[str] = []


def _seed_pages() -> list[str]:
    if not _SEEDS:
        folders = [ROOT / "tests" / "fixtures" / "html", ROOT / "samples"]
        for path in sorted(p for folder in folders for p in folder.rglob("*.htm*")):
            _SEEDS.append(path.read_bytes().decode("utf-8", "replace")[:60_000])
    return _SEEDS


urls = st.one_of(
    st.builds(lambda scheme, user, host, port, path, query, frag: f"{scheme}://{user}{host}{port}{path}{query}{frag}",
              st.sampled_from(["http", "https", "HTTP", "ftp", "javascript", ""]),
              st.sampled_from(["", "user:pw@", "@", "a@b@"]),
              st.one_of(st.sampled_from(["example.com", "EXAMPLE.com.", "..", ".", "a..b", "[::1]", "[::1", "xn--bcher-kva.de",
                                         "bücher.de", "127.0.0.1", "ex ample.com", "", "a" * 300]),
                        st.text(max_size=20)),
              st.sampled_from(["", ":80", ":443", ":8080", ":0", ":99999", ":x"]),
              st.one_of(st.sampled_from(["", "/", "//a//b", "/./a/../b", "/%zz", "/ü", "/a b"]), st.text(max_size=30)),
              st.one_of(st.sampled_from(["", "?utm_source=x&a=1", "?a=1&a=2&fbclid=z", "?=", "?&&", "?a=%zz"]),
                        st.text(max_size=30).map(lambda q: "?" + q)),
              st.sampled_from(["", "#frag", "#"])),
    st.text(max_size=60),
    _repeat(st.sampled_from(["a.", "/", "%", "?a=1&", "http://"]), 50_000).map(lambda s: "http://example.com/" + s),
)


# --- the checks --------------------------------------------------------------------------------

def check_html(data: bytes) -> None:
    """The extractor chain, whole: bytes -> Article (or an InputError with a reason)."""
    from pipeline.articles import InputError, article_row, extract_document
    from pipeline.records import RawDocument

    doc = RawDocument("fuzz", "fuzz.html", data, "html")
    try:
        article = article_row(doc, extract_document(doc), "fuzz", date(2026, 1, 1))
    except InputError as exc:
        assert isinstance(exc.reason, str) and exc.reason and "\n" not in exc.reason, exc.reason
        return
    # (a body the cleaner empties is allowed here: validation rejects it, "empty body after cleaning")
    assert isinstance(article.text, str) and isinstance(article.authors, list)
    for value in [article.text, article.title or "", article.description or "", article.site_name or "",
                  *article.authors, *article.author_orgs, *article.tags]:
        assert isinstance(value, str)
        assert not MARKUP.search(value), f"markup left: {value[:200]!r}"
        assert not re.search("[\ud800-\udfff\x00]", value)
    for removal in article.removed:
        assert 0 <= removal["start_char"] <= removal["end_char"]


def check_cleaner(text: str) -> None:
    from pipeline.clean import clean_body, is_truncated

    cleaned = clean_body(text, title=text[:60])
    assert isinstance(cleaned.text, str) and isinstance(is_truncated(text), bool)
    for removal in cleaned.removed:
        assert 0 <= removal.start_char < removal.end_char <= len(text)
        assert text[removal.start_char:removal.end_char] == removal.text
    assert len(cleaned.text.split()) <= len(text.split())


def check_quote_finder(text: str) -> None:
    from pipeline.enrich.quote_marks import find_quoted_spans

    previous_end = 0
    for span in find_quoted_spans(text):
        assert previous_end <= span.start < span.end <= len(text), (span, previous_end)
        assert "\n" not in text[span.start:span.end], "a quote never runs past its paragraph"
        previous_end = span.end


_TRAILING_NUMBERS_REGEX = re.compile(r"(?:\s+\S*\d\S*)+$")


def check_entities(case: tuple[str, list[tuple[int, int, str]]]) -> None:
    """Entity post-processing over a Doc whose entity spans are drawn, not predicted (so the rules
    meet every kind of span, fast)."""
    from spacy.tokens import Span

    from pipeline.enrich.entities import KEPT_LABELS, extract_entities, trailing_numbers_start

    from pipeline.enrich import analysable

    text, spans = case
    doc = _blank()(analysable(text))      # as enrich_texts hands texts to the model
    ents, taken = [], set()
    for start, length, label in spans:
        if len(doc) == 0:
            break
        start %= len(doc)
        end = min(len(doc), start + 1 + length % 6)
        if taken.isdisjoint(range(start, end)):
            taken.update(range(start, end))
            ents.append(Span(doc, start, end, label=label))
    doc.ents = sorted(ents, key=lambda s: s.start)
    for entity in extract_entities(doc, title=text[:30], text=text):
        assert 0 <= entity.start_char < entity.end_char <= len(text)
        assert text[entity.start_char:entity.end_char] == entity.mention
        assert entity.label in KEPT_LABELS and entity.entity_key.startswith(entity.label.lower() + ":")
    if len(text) < 300:   # the linear rule agrees with the (exponential) regex it replaced
        mention = text.strip("\n")
        found = _TRAILING_NUMBERS_REGEX.search(mention)
        expected = found.start() if found and found.start() > 0 else None
        assert (trailing_numbers_start(mention) or None) == expected, mention


_NLP = []


def _blank():
    if not _NLP:
        import spacy
        _NLP.append(spacy.blank("en"))
    return _NLP[0]


entity_cases = st.tuples(nlp_text, st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 20),
                                                          st.sampled_from(["PERSON", "ORG", "GPE", "FAC", "DATE",
                                                                           "PRODUCT", "NORP"])), max_size=30))


def check_url(url: str) -> None:
    from urllib.parse import urlsplit

    from pipeline.urls import canonicalize_url, is_tracking_param

    canonical = canonicalize_url(url)
    if canonical is None:
        return
    assert canonicalize_url(canonical) == canonical, f"not idempotent: {url!r} -> {canonical!r} -> {canonicalize_url(canonical)!r}"
    parts = urlsplit(canonical)
    assert parts.scheme in ("http", "https") and parts.hostname and not parts.fragment
    assert "@" not in parts.netloc
    assert not any(is_tracking_param(k.split("=")[0]) for k in parts.query.split("&") if k)


@dataclass
class Component:
    name: str
    strategy: st.SearchStrategy
    check: Callable[[Any], None]
    seconds: float                     # time budget of one input
    describe: Callable[[Any], str] = repr
    warm_up: Any = ""                  # one plain input, run untimed first (imports and models load)


def _describe_bytes(data: bytes) -> str:
    return f"{len(data)} bytes: {data[:80]!r}" if isinstance(data, bytes) else repr(data)[:80]


def _describe_text(text: str) -> str:
    return f"{len(text)} chars: {text[:80]!r}" if isinstance(text, str) else repr(text)[:80]


# Time budgets per input: the extract stage's default for a page (extract_seconds), and for the
# text components a third of it; generous for a busy machine, far under what a quadratic
# algorithm takes on the megabyte inputs drawn here.
COMPONENTS = {
    "html": Component("html", html_pages(), check_html, 30.0, _describe_bytes,
                      b"<html><body><p>The board met on Monday, the chair said.</p></body></html>"),
    "cleaner": Component("cleaner", hostile_text, check_cleaner, 10.0, _describe_text),
    "quotes": Component("quotes", hostile_text, check_quote_finder, 10.0, _describe_text),
    "entities": Component("entities", entity_cases, check_entities, 10.0, lambda c: _describe_text(c[0]),
                          ("Ada Moss said", [(0, 1, "PERSON")])),
    "urls": Component("urls", urls, check_url, 10.0, _describe_text),
}


@dataclass
class Tally:
    """What a run of one component saw: inputs tried, failures by kind, the slowest input."""
    name: str
    tried: int = 0
    escaped: list[str] = field(default_factory=list)    # exceptions that were not AssertionError
    violated: list[str] = field(default_factory=list)   # properties that failed
    over_budget: list[str] = field(default_factory=list)
    slowest: tuple[float, str] = (0.0, "")


def run_checked(component: Component, value: Any, tally: Tally | None = None) -> None:
    """One input through the component's check, timed. With a tally, failures are counted there
    (the run goes on); without one they are raised (a test fails)."""
    started = time.monotonic()
    error: BaseException | None = None
    try:
        component.check(value)
    except Exception as exc:   # counted or re-raised below
        error = exc
    seconds = time.monotonic() - started
    if seconds > component.seconds and error is None:
        error = TimeoutError(f"{seconds:.1f} s over the budget of {component.seconds:g} s")
    if tally is None:
        if error is not None:
            raise error
        return
    tally.tried += 1
    if seconds > tally.slowest[0]:
        tally.slowest = (seconds, component.describe(value))
    if error is not None:
        line = f"{type(error).__name__}: {str(error)[:200]} on {component.describe(value)}"
        kind = (tally.violated if isinstance(error, AssertionError)
                else tally.over_budget if isinstance(error, TimeoutError) else tally.escaped)
        kind.append(line)


def fuzz(component: Component, examples: int, tally: Tally | None = None, seed: int | None = 0) -> None:
    """`examples` inputs of the component through its check. Without a tally the first failure is
    raised (hypothesis shrinks it first); `seed` fixes the inputs (None: new ones every run)."""
    from hypothesis import HealthCheck, Phase, given, settings

    component.check(component.warm_up)
    phases = [Phase.generate] if tally is not None else [Phase.generate, Phase.shrink]
    config = settings(max_examples=examples, deadline=None, database=None, phases=phases,
                      suppress_health_check=list(HealthCheck), derandomize=seed is not None)

    @config
    @given(component.strategy)
    def one(value):
        run_checked(component, value, tally)

    if seed is not None:
        one = __import__("hypothesis").seed(seed)(one)
    one()
