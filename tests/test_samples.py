"""The bundled samples through the real path (extract -> clean -> enrich), against hand-made labels.

Labels live in tests/labels/ (conventions in its README) and were written from the texts, not from
program output. What our own rules decide (body, boilerplate, quotes and speakers) is asserted
exactly; entity recognition comes from the statistical spaCy model, so every labelled person must be
found with its canonical name, and the other labelled entities are held to a recall floor.
"""
import json
from datetime import date, datetime
from pathlib import Path

import pytest

from pipeline.articles import article_row, extract_document
from pipeline.enrich import enrich_texts
from pipeline.records import RawDocument

ROOT = Path(__file__).resolve().parents[1]
LABELS = sorted((ROOT / "tests" / "labels").glob("*.json"))


def load(label_path):
    label = json.loads(label_path.read_text(encoding="utf-8"))
    path = ROOT / label["file"]
    doc = RawDocument(source="samples", location=str(path), content=path.read_bytes(),
                      kind="html" if path.suffix == ".html" else "text")
    return label, article_row(doc, extract_document(doc), "test", date(2026, 11, 25))


@pytest.fixture(scope="module")
def enriched():
    pairs = [load(p) for p in LABELS]
    results = enrich_texts({"id": row["article_id"], "text": row["text"], "language": row["language"],
                            "title": row["title"]} for _, row in pairs)
    return [(label, row, result) for (label, row), result in zip(pairs, results)]


def test_every_sample_has_a_label_and_every_label_a_sample():
    samples = {p.stem for p in (ROOT / "samples").rglob("*") if p.is_file()}
    assert samples == {p.stem for p in LABELS}
    assert len(samples) >= 20


@pytest.mark.parametrize("label_path", LABELS, ids=lambda p: p.stem)
def test_body_title_and_boilerplate(label_path):
    label, row = load(label_path)
    assert row["title"] == label["title"]
    assert row["text"].split("\n\n") == label["paragraphs"]
    if label["file"].endswith(".txt"):
        removed = [(r["text"].strip(), r["rule"]) for r in row["removed"]]
        expected = [(b["text"].strip(), b["rule"]) for b in label["boilerplate"]]
        # the file's first line is the headline itself: extraction takes it as the title, not the body
        assert expected[0] == (label["title"], "repeated_headline")
        assert removed == expected[1:]
    else:
        assert row["authors"] == label["authors"]
        expected = label["published_at"] and datetime.fromisoformat(label["published_at"])
        assert row["published_at"] == expected


def test_quotes_and_speakers_exactly(enriched):
    mismatches = []
    for label, row, result in enriched:
        got = sorted((q.quote, q.kind, q.speaker) for q in result["quotes"])
        want = sorted((q["quote"], q["kind"], q["speaker"]) for q in label["quotes"])
        if got != want:
            mismatches.append((Path(label["file"]).name, sorted(set(got) - set(want)), sorted(set(want) - set(got))))
    assert not mismatches, "\n".join(f"{name}: extra {extra} missing {missing}" for name, extra, missing in mismatches)


def test_labelled_people_are_found_with_their_canonical_names(enriched):
    missing = []
    for label, row, result in enriched:
        found = {(e.mention, e.label, e.canonical) for e in result["entities"]}
        for entity in label["entities"]:
            if entity["label"] == "PERSON" and (entity["mention"], "PERSON", entity["canonical"]) not in found:
                missing.append((Path(label["file"]).name, entity["mention"], entity["canonical"]))
    assert not missing, missing


def test_labelled_entities_recall_floor(enriched):
    total = hit = 0
    for label, row, result in enriched:
        found = {(e.mention, e.label, e.canonical) for e in result["entities"]}
        for entity in label["entities"]:
            total += 1
            hit += (entity["mention"], entity["label"], entity["canonical"]) in found
    assert total >= 100
    assert hit / total >= 0.75, f"entity recall {hit}/{total}"
