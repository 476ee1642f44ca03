"""The text-level boilerplate cleaner: its rule table, the seed document, the scraped
samples against their hand-made labels, and precision/recall on a labelled line set."""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
import trafilatura

from pipeline.clean import RULES, classify_lines, clean_body, is_truncated
from pipeline.clean.lines import normalise_whitespace

REPO = Path(__file__).resolve().parents[1]
SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_f754e1f7e53ae2b4.txt"
LABELS = sorted((REPO / "tests" / "labels").glob("*.json"))
LINE_SET = REPO / "tests" / "data" / "boilerplate_lines.jsonl"

REQUIRED_RULES = {
    "login_prompt", "registration", "paywall", "newsletter", "cookie_notice", "share_counter", "tag_list",
    "bare_bullet", "advertisement", "related_links", "photo_credit", "social_links", "repeated_headline",
    "byline", "timestamp",
}


def _split_example(example):
    """Examples are lines, or (title, line) pairs for rules that need the title."""
    return example if isinstance(example, tuple) else (None, example)


def _cases(kind):
    return [pytest.param(rule.name, *_split_example(example), id=f"{rule.name}-{i}")
            for rule in RULES for i, example in enumerate(getattr(rule, kind))]


def _load_label(path):
    return json.loads(path.read_text(encoding="utf-8"))


# --- the rule table -------------------------------------------------------------------------

def test_rule_table_covers_the_required_rules_once_each():
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))
    assert REQUIRED_RULES <= set(names)
    for rule in RULES:
        assert rule.description and rule.examples and rule.counterexamples, rule.name
        assert rule.zone in ("anywhere", "head")


@pytest.mark.parametrize("rule_name,title,line", _cases("examples"))
def test_rule_removes_its_examples(rule_name, title, line):
    cleaned = clean_body(line, title=title)
    assert cleaned.text == ""
    assert [removal.rule for removal in cleaned.removed] == [rule_name]


@pytest.mark.parametrize("rule_name,title,line", _cases("counterexamples"))
def test_rule_keeps_its_counterexamples(rule_name, title, line):
    cleaned = clean_body(line, title=title)
    assert cleaned.removed == []
    assert cleaned.text == normalise_whitespace(line)


# --- behaviour ------------------------------------------------------------------------------

def test_real_paragraphs_pass_through_untouched_and_whitespace_is_normalised():
    text = ("  First paragraph of a story,\u00a0with  odd\tspacing.  \n\n\n"
            "Second paragraph, which says 12 people were hurt.\n")
    cleaned = clean_body(text)
    assert cleaned.removed == []
    assert cleaned.text == ("First paragraph of a story, with odd spacing.\n\n"
                            "Second paragraph, which says 12 people were hurt.")


def test_removal_offsets_point_into_the_input():
    text = "Big Match Report\n\n  Share 0 Tweet 0  \nThe home side won 3-0 in front of 20,000 fans on Saturday night.\nAdvertisement\n"
    cleaned = clean_body(text, title="Big Match Report")
    assert [r.rule for r in cleaned.removed] == ["repeated_headline", "share_counter", "advertisement"]
    for removal in cleaned.removed:
        assert text[removal.start_char:removal.end_char] == removal.text
    assert cleaned.text == "The home side won 3-0 in front of 20,000 fans on Saturday night."


def test_bylines_are_only_removed_before_the_first_paragraph():
    text = ("By Ana Ruiz\n\nThe strike closed every school in the county for a second day on Thursday.\n\n"
            "Staff Writer\n")
    cleaned = clean_body(text)
    assert [r.rule for r in cleaned.removed] == ["byline"]
    assert cleaned.text.endswith("Staff Writer")


def test_headline_copies_need_repetition_when_no_title_is_given():
    once = "Storm Closes Bridge For Second Day\n\nThe bridge was shut at 6am after gusts of 80mph were recorded."
    twice = "Storm Closes Bridge For Second Day\n\n" + once
    assert clean_body(once).removed == []
    assert [r.rule for r in clean_body(twice).removed] == ["repeated_headline", "repeated_headline"]
    assert [r.rule for r in clean_body(twice, title="Bridge shut by storm").removed] == \
        ["repeated_headline", "repeated_headline"]


@pytest.mark.parametrize("text,expected", [
    ("The council met on Monday.\n\nIt voted to close the pool on the high street, which", True),
    ("The council met on Monday.\n\nSubscribe to continue reading", True),
    ("The council met on Monday.\n\nIt voted to close the pool…", True),
    ("The company said profits rose by a third.\nThis article is for subscribers only.", True),
    ("The council met on Monday.\n\nIt voted to close the pool.", False),
    ("It voted to close the pool, the leader said: “We had no choice.”\n\nAdvertisement\nLogin/Register", False),
    ("The council met on Monday and voted to close the pool.\n\nAna Ruiz, Exeter", False),
    ("The council met on Monday and voted to close the pool, a spokesman wrote on X:", False),
    ("For more information about the scheme and how to apply, visit www.council.example", False),
    ("", False),
])
def test_is_truncated(text, expected):
    assert is_truncated(text) is expected


# --- the seed document ----------------------------------------------------------------------

@pytest.mark.skipif(not SEED.exists(), reason="shared seed not available")
@pytest.mark.parametrize("pass_title", [False, True])
def test_seed_keeps_its_ten_paragraphs_and_drops_the_residue(pass_title):
    text = SEED.read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    headline = lines[0]
    residue = {headline: "repeated_headline", "0 0": "share_counter", "• Tags:": "tag_list",
               "To comment or like please login first....": "login_prompt", "Login/Register": "login_prompt"}

    cleaned = clean_body(text, title=headline if pass_title else None)

    removed = [(normalise_whitespace(r.text), r.rule) for r in cleaned.removed]
    expected_removed = [(line, residue[line]) for line in lines if line in residue]
    assert removed == expected_removed and len(removed) == 6
    paragraphs = cleaned.text.split("\n\n")
    assert paragraphs == [line for line in lines if line not in residue]
    assert len(paragraphs) == 10
    assert not is_truncated(text)


# --- the bundled samples against their labels ------------------------------------------------

def _labels_of(suffix):
    return [pytest.param(path, id=path.stem) for path in LABELS if _load_label(path)["file"].endswith(suffix)]


@pytest.mark.parametrize("label_path", _labels_of(".txt"))
def test_scraped_sample_matches_its_label(label_path):
    label = _load_label(label_path)
    text = (REPO / label["file"]).read_text(encoding="utf-8")
    cleaned = clean_body(text, title=label["title"])
    assert cleaned.text.split("\n\n") == label["paragraphs"]
    assert [(normalise_whitespace(r.text), r.rule) for r in cleaned.removed] == \
        [(item["text"], item["rule"]) for item in label["boilerplate"]]
    assert not is_truncated(text)


@pytest.mark.parametrize("favor_precision", [False, True])
@pytest.mark.parametrize("label_path", _labels_of(".html"))
def test_cleaning_trafilatura_output_of_html_sample_gives_its_paragraphs(label_path, favor_precision):
    label = _load_label(label_path)
    html = (REPO / label["file"]).read_text(encoding="utf-8")
    extracted = trafilatura.extract(html, favor_precision=favor_precision)
    assert extracted
    assert clean_body(extracted, title=label["title"]).text.split("\n\n") == label["paragraphs"]


# --- precision and recall on the labelled line set -------------------------------------------

def _line_set_bodies():
    bodies = defaultdict(list)
    for line in LINE_SET.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        bodies[row["body_id"]].append(row)
    return bodies


def line_set_scores() -> dict[str, float]:
    """Each body is rebuilt from its lines and cleaned without a title, so the rules see
    the same context (head of the article, repeated headline) as in a real body."""
    true_pos = false_pos = false_neg = right_rule = 0
    for rows in _line_set_bodies().values():
        verdicts = classify_lines("\n\n".join(row["line"] for row in rows))
        assert [line.text for line, _ in verdicts] == [normalise_whitespace(row["line"]) for row in rows]
        for row, (_, rule) in zip(rows, verdicts):
            predicted = rule is not None
            true_pos += predicted and row["is_boilerplate"]
            false_pos += predicted and not row["is_boilerplate"]
            false_neg += row["is_boilerplate"] and not predicted
            right_rule += predicted and rule.name == row["rule"]
    return {"precision": true_pos / (true_pos + false_pos), "recall": true_pos / (true_pos + false_neg),
            "rule_agreement": right_rule / true_pos}


def test_line_set_is_big_and_varied_enough():
    bodies = _line_set_bodies()
    rows = [row for body in bodies.values() for row in body]
    assert len(bodies) >= 30 and len(rows) >= 120
    kept = [row for row in rows if not row["is_boilerplate"]]
    assert len(kept) >= 40 and all(row["rule"] is None for row in kept)
    assert {row["rule"] for row in rows if row["is_boilerplate"]} >= REQUIRED_RULES


def test_cleaner_precision_and_recall_on_line_set():
    scores = line_set_scores()
    print(f"boilerplate line set: {scores}")
    assert scores["precision"] >= 0.95
    assert scores["recall"] >= 0.95
    assert scores["rule_agreement"] >= 0.9


def test_line_set_is_new_text_not_the_samples():
    sample_lines = {line.strip() for path in (REPO / "samples").rglob("*") if path.is_file()
                    for line in path.read_text(encoding="utf-8").splitlines()}
    long_rows = [row["line"] for body in _line_set_bodies().values() for row in body if len(row["line"]) > 40]
    assert not sample_lines.intersection(long_rows)
