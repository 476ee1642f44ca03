"""The document Broadsheet was specified from, through the whole path (skipped where ../shared is absent)."""
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from pipeline.config import files_config
from pipeline.run import run_all
from pipeline.store.catalog import connect

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed"
pytestmark = pytest.mark.skipif(not (SEED / "000_f754e1f7e53ae2b4.txt").exists(), reason="shared seed not available")


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    root = tmp_path_factory.mktemp("seed")
    shutil.copy(SEED / "000_f754e1f7e53ae2b4.txt", root / "seed.txt")
    wh = root / "wh"
    run_all(files_config([str(root / "seed.txt")]), wh, date(2026, 11, 25), run_id="seed")
    with connect(wh) as con:
        [(title, text, removed)] = con.execute("SELECT title, text, removed FROM articles").fetchall()
        quotes = con.execute("SELECT quote, kind, speaker, speaker_mention, start_char, end_char FROM quotes").fetchall()
    return title, text, removed, quotes


def test_headline_and_ten_paragraphs_without_boilerplate(stored):
    title, text, removed, _ = stored
    raw = (SEED / "000_f754e1f7e53ae2b4.txt").read_text(encoding="utf-8")
    assert title == raw.splitlines()[0].strip()
    paragraphs = text.split("\n\n")
    assert len(paragraphs) == 10
    raw_paragraphs = [p.strip() for p in raw.split("\n\n")]
    assert all(p in raw_paragraphs for p in paragraphs), "every kept paragraph is intact"
    for residue in ("0 0", "Tags", "login", "Login/Register", title):
        assert residue not in text
    assert {"repeated_headline", "share_counter", "tag_list", "login_prompt"} <= {r["rule"] for r in removed}


def test_seven_quotes_with_their_speakers(stored):
    *_, quotes = stored
    _, text, _, _ = stored
    gold = [json.loads(line) for line in (SEED / "000_f754e1f7e53ae2b4.quotes.jsonl").read_text().splitlines() if line.strip()]
    [article] = gold
    expected = {q["quote"]: q for q in article["quotes"]}
    got = {q[0]: q for q in quotes}
    assert set(got) == set(expected)
    for quote, (_, kind, speaker, mention, start, end) in got.items():
        want = expected[quote]
        assert text[start:end] == quote
        assert kind == ("direct" if want["kind"] == "direct" else "partial"), quote
        # gold names the speaker as written ("Putin"); the table holds the resolved name
        assert names(want["speaker"]) <= names(speaker), (quote, speaker)


def names(speaker: str) -> set[str]:
    return {w for w in speaker.replace("’s", "").split() if w.casefold() != "the"}
