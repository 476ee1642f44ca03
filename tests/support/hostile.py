"""Hostile but plausible input documents (issue 12), written into a folder for one night.

Each case is the kind of input that stalled or sank nights before: huge bodies, floods of one
character, pathological markup, odd files. Shared by tests/test_hostile_documents.py and
benchmarks/chaos.py, so both put the same corpus through a night.
"""
from __future__ import annotations

import os
from pathlib import Path

# A plain story, varied per case so dedup keeps each (the hostile part is added around it).
STORY = ("The {town} harbour board approved a new ferry timetable on Monday after months of complaints "
         "from commuters about late crossings. The chair of the board, Ada Moss, said the change would "
         "add two morning sailings and a late return on Fridays. Local traders welcomed the decision "
         "and said the extra crossings would bring visitors back to the market square.")


def story(town: str) -> str:
    return STORY.format(town=town)


def page(title: str, body_html: str, head: str = "") -> str:
    return (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title>{head}</head>"
            f"<body><article><h1>{title}</h1>{body_html}</article></body></html>")


def _paragraphs(town: str) -> str:
    return "".join(f"<p>{sentence.strip()}.</p>" for sentence in story(town).split(".") if sentence.strip())


def text_cases(scale: float = 1.0) -> dict[str, bytes]:
    """`.txt` and `.html` cases whose bytes are all there is to them. `scale` shrinks the floods."""
    n = lambda count: max(1, int(count * scale))  # noqa: E731
    cases: dict[str, str | bytes] = {
        # a 20 MB body: must never reach spaCy whole (E088)
        "huge-body.txt": "Huge report\n\n" + (story("Ashby") + "\n\n") * n(50_000),
        "entity-flood.html": page("Entity flood", _paragraphs("Brill") + "<p>" + "&amp" * n(200_000)
                                  + "&#1234567" * n(50_000) + "</p>"),
        "emoji-run.txt": "Emoji run\n\n" + story("Corran") + "\n\n" + "\U0001F600" * n(1_000_000),
        "tiny-paragraphs.html": page("Tiny paragraphs", _paragraphs("Dunmore") + "<p>a</p>" * n(1_000_000)),
        "digit-run.txt": "Digit run\n\n" + story("Elsted") + "\n\n" + "7" * n(2_000_000),
        "hyphenated.txt": "Hyphenated\n\n" + story("Fenwick") + "\n\n" + "-".join(["part"] * n(400_000)),
        "five-mb-word.txt": "One long word\n\n" + story("Garth") + "\n\n" + "x" * n(5_000_000),
        "br-flood.html": page("Line breaks", _paragraphs("Hollin") + "<br>" * n(2_500_000)),
        "nested-divs.html": page("Deep page", "<div>" * 300 + _paragraphs("Kelsall") + "</div>" * 300),
        "meta-markup.html": page(
            "Ferry <script>steal()</script>timetable",
            _paragraphs("Lanark"),
            head=("<meta name=\"author\" content=\"<img src=x onerror=alert(1)>Rhea Vance\">"
                  "<meta name=\"description\" content=\"<script>alert(2)</script>New sailings\">"
                  "<meta property=\"og:title\" content=\"<b>Ferry</b> timetable <script>x()</script>\">")),
        "plaintext.html": page("Plaintext tag", _paragraphs("Marden") + "<plaintext><p>after</p><b>bold</b>"),
        "template.html": page("Template tag", _paragraphs("Nairn")
                              + "<template><p>Hidden <script>t()</script> template text</p></template>"),
        "cdata.html": page("Cdata section", _paragraphs("Oban") + "<p><![CDATA[<b>raw</b> x < y]]></p>"),
        "split-script.html": page("Split script", _paragraphs("Penrith")
                                  + "<p><scr<script>ipt>alert(3)</scr</script>ipt> after the split tag.</p>"),
    }
    # six files of unbalanced quotation marks, each ~0.76 MB
    for number in range(6):
        cases[f"unbalanced-quotes-{number}.txt"] = (
            f"Quote storm {number}\n\n" + story(f"Quoth{number}") + "\n\n" + "He said \" then " * n(50_000))
    # UTF-16 without a BOM (an HTML page) and with one (a text file)
    cases["utf16-nobom.html"] = page("Sixteen bits", _paragraphs("Rosslyn")).encode("utf-16-le")
    cases["utf16-bom.txt"] = ("Sixteen bits with a mark\n\n" + story("Selkirk")).encode("utf-16")
    return {name: value if isinstance(value, bytes) else value.encode("utf-8") for name, value in cases.items()}


GOOD = {f"good-{town.lower()}.txt": f"Ferry news from {town}\n\n{story(town)}\n"
        for town in ("Tarbert", "Ullapool", "Wick")}
NON_UTF8_NAME = "caf\udce9-ferry.html"          # the bytes b"caf\xe9-ferry.html": not valid UTF-8


def write_corpus(folder: Path, scale: float = 1.0) -> Path:
    """Every hostile case, a few good stories, and the odd files (a FIFO, a symlink to /dev/zero,
    a name that is not UTF-8), in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in text_cases(scale).items():
        (folder / name).write_bytes(content)
    for name, text in GOOD.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / NON_UTF8_NAME).write_bytes(page("Odd name", _paragraphs("Yarrow")).encode("utf-8"))
    os.mkfifo(folder / "fifo.html")
    (folder / "zero.html").symlink_to("/dev/zero")
    return folder
