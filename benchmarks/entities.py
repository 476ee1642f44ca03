"""Entities and speakers on real pages: how far `GROUP BY entity_key` and `quotes.speaker` can be trusted.

    .venv/bin/python benchmarks/entities.py [--data DIR] [--texts FILE.jsonl] [--save FILE.jsonl] [--labels FILE]

Pages: the shared extraction benchmark's development half (90 real news pages), through the
extractor (`broadsheet extract`'s code path), then `enrich_texts`. `--texts` reads already
extracted {id, title, text} lines instead (what `--save` writes), so two versions of the enrich
code can be compared on the same texts. Prints:
  - label conflicts: entity names whose mentions carry more than one label in one article, and
    across the whole set (the label is part of entity_key, so a conflict splits a name's rows);
  - people under more than one key: PERSON keys of one article whose name is the surname (or first
    name) of another PERSON key of the same article ("person:trump" beside "person:donald trump"),
    and surname-only keys that are a full name's surname in another article (allowed: an article
    that names someone only by surname cannot say which one);
  - speaker values that are not names: distinct `speaker` values starting in lower case or with a
    determiner, holding a digit, a pronoun, or a platform ("the statement", "43", "Instagram"); and
    of those, the junk: neither a role nor a body ("a spokeswoman" and "the ministry" are fine);
  - with `--labels` (tests/data/extraction_dev_entities.json, hand-made), the precision of labels,
    canonical names and speakers on the hand-labelled entities and quotes.
"""
from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

from pipeline.enrich import enrich_texts

SHARED = Path(__file__).resolve().parents[2] / "shared" / "bench" / "extraction" / "dev"
LABELS = Path(__file__).resolve().parents[1] / "tests" / "data" / "extraction_dev_entities.json"
PLATFORMS = {"instagram", "twitter", "facebook", "youtube", "tiktok", "linkedin", "telegram", "truth social", "x"}
PRONOUNS = {"he", "she", "they", "it", "we", "i", "you", "who", "which", "that"}


def extracted_texts(data: Path) -> list[dict]:
    from pipeline.extract.command import extract_file

    rows = []
    for path in sorted((data / "html").glob("*.html.gz")):
        record = extract_file(path)
        if record.get("text"):
            rows.append({"id": path.name.split(".")[0], "title": record.get("title"), "text": record["text"]})
    return rows


def _name_of(key: str) -> str:
    return key.split(":", 1)[1] if ":" in key else key


def not_a_name(speaker: str) -> bool:
    low = speaker.casefold().strip()
    return (not speaker[:1].isupper() or any(c.isdigit() for c in speaker) or low in PRONOUNS
            or low in PLATFORMS or low.split()[0] in {"the", "a", "an", "this", "his", "her", "its", "their"})


def is_description(speaker: str) -> bool:
    """A role or body described in words ("a spokeswoman", "the ministry"): acceptable speakers.
    Judged from the words alone, so that versions without `speaker_type` are measured alike."""
    from pipeline.enrich.lexicon import ORG_NOUNS, PERSON_TITLES
    head = speaker.casefold().split(",")[0].split(" of ")[0].split()[-1].rstrip("s") if speaker.split() else ""
    return head in ORG_NOUNS or head in PERSON_TITLES or head in {
        "official", "spokesperson", "spokeswoman", "spokesman", "expert", "doctor", "lawyer", "attorney",
        "people", "source", "analyst", "aide", "prosecutor", "resident", "witnesse", "witness", "researcher"}


def measure(rows: list[dict], results: list[dict]) -> dict:
    in_article_conflicts = 0
    corpus_labels: dict[str, set[str]] = defaultdict(set)
    split_people = 0
    corpus_people: set[str] = set()
    bad_speakers: Counter = Counter()
    junk_speakers: Counter = Counter()   # not names, and not a role or a body either
    entities = quotes = 0
    for result in results:
        labels: dict[str, set[str]] = defaultdict(set)
        for e in result["entities"]:
            entities += 1
            labels[_name_of(e.entity_key)].add(e.label)
            corpus_labels[_name_of(e.entity_key)].add(e.label)
        in_article_conflicts += sum(len(v) > 1 for v in labels.values())
        people = {_name_of(e.entity_key) for e in result["entities"] if e.label == "PERSON"}
        corpus_people |= people
        for short in people:
            words = short.split()
            if len(words) == 1 and any(p != short and (p.split()[-1] == short or p.split()[0] == short) for p in people):
                split_people += 1
        for q in result["quotes"]:
            quotes += 1
            if q.speaker and not_a_name(q.speaker):
                bad_speakers[q.speaker] += 1
                if getattr(q, "speaker_type", None) not in ("role", "organisation") and not is_description(q.speaker):
                    junk_speakers[q.speaker] += 1
    return {"articles": len(results), "entities": entities, "quotes": quotes,
            "label_conflicts_in_article": in_article_conflicts,
            "label_conflicts_across_articles": sum(len(v) > 1 for v in corpus_labels.values()),
            "people_under_two_keys": split_people,
            "surname_keys_with_a_full_name_elsewhere": sum(
                1 for p in corpus_people if len(p.split()) == 1
                and any(len(q.split()) > 1 and q.split()[-1] == p for q in corpus_people)),
            "speakers_not_names_distinct": len(bad_speakers),
            "speakers_not_names_rows": sum(bad_speakers.values()),
            "speakers_not_names_examples": [s for s, _ in bad_speakers.most_common(12)],
            "speakers_junk_distinct": len(junk_speakers),
            "speakers_junk_examples": [s for s, _ in junk_speakers.most_common(12)]}


def _words(name: str | None) -> set[str]:
    cleaned = (name or "").casefold().replace("’s", "").replace("'s", "")
    return {w for w in "".join(c if c.isalnum() else " " for c in cleaned).split() if w not in ("the", "a", "an")}


def speaker_matches(system: str | None, label: str | None) -> bool:
    """Both null, or every word of the labelled speaker in the system's ("Trump" in "Donald Trump")."""
    if system is None or label is None:
        return system is None and label is None
    return _words(label) <= _words(system)


def label_precision(rows: list[dict], results: list[dict], labels_path: Path) -> dict:
    """Hand labels: entities {article, mention, label, canonical} (label null: not a named entity)
    and quotes {article, quote, speaker}. An entity is scored on the system's mentions with that
    exact text in the article (all must agree); a quote on the system's quote that starts with the
    labelled words. Speaker precision is over the quotes the system gives a speaker."""
    labels = json.loads(labels_path.read_text(encoding="utf-8"))
    by_id = {r["id"]: res for r, res in zip(rows, results)}
    found = label_ok = canonical_ok = 0
    for item in labels["entities"]:
        mentions = [e for e in by_id.get(item["article"], {"entities": []})["entities"] if e.mention == item["mention"]]
        if not mentions:
            continue
        found += 1
        label_ok += all(e.label == item["label"] for e in mentions)
        canonical_ok += all(e.canonical == item["canonical"] for e in mentions)
    q_found = named = named_ok = null_ok = 0
    for item in labels["quotes"]:
        quotes = [q for q in by_id.get(item["article"], {"quotes": []})["quotes"] if q.quote.startswith(item["quote"])]
        if not quotes:
            continue
        q_found += 1
        speaker = quotes[0].speaker
        if speaker is None:
            null_ok += item["speaker"] is None
        else:
            named += 1
            named_ok += speaker_matches(speaker, item["speaker"])
    return {"entities_labelled": len(labels["entities"]), "entities_found": found,
            "label_precision": round(label_ok / found, 3) if found else None,
            "canonical_precision": round(canonical_ok / found, 3) if found else None,
            "quotes_labelled": len(labels["quotes"]), "quotes_found": q_found,
            "speaker_precision": round(named_ok / named, 3) if named else None,
            "speakers_given": named, "speaker_null_right": f"{null_ok} of {q_found - named}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED)
    parser.add_argument("--texts", type=Path, help="extracted {id, title, text} lines instead of --data")
    parser.add_argument("--save", type=Path, help="write the extracted texts here")
    parser.add_argument("--labels", type=Path, nargs="?", const=LABELS, help="hand labels to score against")
    args = parser.parse_args()
    if args.texts:
        rows = [json.loads(line) for line in args.texts.read_text(encoding="utf-8").splitlines() if line.strip()]
    else:
        rows = extracted_texts(args.data)
    if args.save:
        args.save.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    results = list(enrich_texts(rows))
    report = measure(rows, results)
    if args.labels and args.labels.exists():
        report.update(label_precision(rows, results, args.labels))
    for key, value in report.items():
        print(f"{key:34s} {value}")


if __name__ == "__main__":
    main()
