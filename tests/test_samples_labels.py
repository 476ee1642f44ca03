"""Sanity of the bundled samples and their hand-made labels (the labels other stages are
tested against): every sample is labelled, and every label is consistent with its file."""
from __future__ import annotations

import json
from datetime import datetime
from html import unescape
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = sorted(path for path in (REPO / "samples").rglob("*") if path.suffix in (".html", ".txt"))
LABEL_DIR = REPO / "tests" / "labels"
ENTITY_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT", "FAC", "PRODUCT", "LAW", "WORK_OF_ART"}
LABEL_KEYS = {"file", "title", "paragraphs", "boilerplate", "entities", "quotes", "authors", "published_at"}


def _label(sample: Path) -> dict:
    return json.loads((LABEL_DIR / f"{sample.stem}.json").read_text(encoding="utf-8"))


def test_every_sample_has_exactly_one_label_and_the_mix_is_right():
    assert len(SAMPLES) >= 22
    assert len({path.stem for path in SAMPLES}) == len(SAMPLES)
    assert {path.stem for path in SAMPLES} == {path.stem for path in LABEL_DIR.glob("*.json")}
    assert sum(path.suffix == ".html" for path in SAMPLES) >= 10
    assert sum(path.suffix == ".txt" for path in SAMPLES) >= 10
    assert len({path.parent for path in SAMPLES}) >= 2


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda path: path.stem)
def test_label_is_consistent_with_its_sample(sample):
    label = _label(sample)
    assert set(label) == LABEL_KEYS
    assert label["file"] == sample.relative_to(REPO).as_posix()
    body = "\n\n".join(label["paragraphs"])
    assert 150 <= len(body.split()) <= 450
    raw = sample.read_text(encoding="utf-8")
    page_text = unescape(raw) if sample.suffix == ".html" else raw
    assert label["title"] in page_text
    for paragraph in label["paragraphs"]:
        assert paragraph in page_text

    for entity in label["entities"]:
        assert entity["mention"] in body and entity["label"] in ENTITY_LABELS
    assert len({entity["canonical"] for entity in label["entities"]}) >= 3

    assert label["quotes"]
    for quote in label["quotes"]:
        assert quote["kind"] in ("direct", "partial")
        assert quote["quote"] in body
        assert quote["quote"][0] in "\"“"
        assert quote["speaker"] and quote["speaker_mention"]
        assert quote["speaker_mention"] in body

    if label["published_at"] is not None:
        datetime.fromisoformat(label["published_at"])
        if sample.suffix == ".html":
            assert label["published_at"] in raw
    for author in label["authors"]:
        assert author in page_text


@pytest.mark.parametrize("sample", [path for path in SAMPLES if path.suffix == ".txt"], ids=lambda path: path.stem)
def test_scraped_label_accounts_for_every_line_in_order(sample):
    label = _label(sample)
    lines = [line.strip() for line in sample.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert lines[0] == label["title"]
    boilerplate = [item["text"] for item in label["boilerplate"]]
    assert [line for line in lines if line not in boilerplate] == label["paragraphs"]
    assert sorted(line for line in lines if line in boilerplate) == sorted(boilerplate)
    assert all(item["rule"] for item in label["boilerplate"])
