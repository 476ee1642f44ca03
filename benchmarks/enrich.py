"""Throughput of the enrich stage (NER + entity rules + quote rules), per core.

    .venv/bin/python benchmarks/enrich.py [--repeat N]

Texts: the shared quote benchmark's articles, read at run time when /work/shared is present,
else generated sentences. Prints words/s and articles/s of CPU time (one process, one core),
for the bare model (nlp.pipe only), for the whole stage (enrich_texts), and for the entity and
quote rules alone over already-parsed docs, so the cost of the rules shows apart from the model's
(on a machine shared with other jobs the first two move by several per cent from run to run).
"""
from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

from pipeline.enrich import enrich_texts
from pipeline.enrich.entities import extract_entities
from pipeline.enrich.nlp import load_nlp
from pipeline.enrich.quotes import extract_quotes

SHARED_TEXTS = Path(__file__).resolve().parents[2] / "shared" / "bench" / "quotes" / "polnear_dev.jsonl"


def generated_texts(n: int = 80) -> list[str]:
    """Invented articles: attributed quotes, names and filler, enough to exercise every rule."""
    rng = random.Random(7)
    people = ["Maria Okafor", "Tomas Lindqvist", "Aiko Brandt", "Daniel Ferreira", "Ruth Abernathy"]
    places = ["Valmora", "the port of Kessing", "Northgate", "the Oradel valley"]
    articles = []
    for _ in range(n):
        paragraphs = []
        for _ in range(rng.randint(6, 12)):
            who, where = rng.choice(people), rng.choice(places)
            surname = who.split()[-1]
            paragraphs.append(rng.choice([
                f"“We will rebuild the bridge before winter,” {surname} said on Tuesday in {where}.",
                f"Officials in {where} said the council would meet again, according to {who}.",
                f"{who}, the regional minister, told reporters that the plan had been “rushed and unfair.”",
                f"The budget for {where} grew by four percent this year, and the new road is half finished.",
                f"{surname} added: “Nobody here expected the river to rise so fast.”",
            ]))
        articles.append("\n\n".join(paragraphs))
    return articles


def load_texts() -> list[str]:
    if SHARED_TEXTS.exists():
        with SHARED_TEXTS.open(encoding="utf-8") as f:
            return [json.loads(line)["text"] for line in f if line.strip()]
    return generated_texts()


def measure(label: str, run, texts: list[str]) -> None:
    words = sum(len(t.split()) for t in texts)
    started = time.process_time()
    run(texts)
    cpu = time.process_time() - started
    print(f"{label:28s} {words / cpu:9.0f} words/s per core  {len(texts) / cpu:7.1f} articles/s per core"
          f"  ({len(texts)} articles, {words} words, {cpu:.1f} s CPU)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="passes over the texts")
    args = parser.parse_args()
    texts = load_texts() * args.repeat
    nlp = load_nlp()
    list(nlp.pipe(texts[:5]))  # warm-up: first calls allocate
    print(f"texts: {'shared quote benchmark' if SHARED_TEXTS.exists() else 'generated'}, pipeline {nlp.pipe_names}")
    measure("model only (nlp.pipe)", lambda ts: [None for _ in nlp.pipe(ts, batch_size=64)], texts)
    measure("enrich_texts (NER+rules)",
            lambda ts: [None for _ in enrich_texts(({"id": i, "text": t} for i, t in enumerate(ts)), nlp)], texts)
    docs = {id(t): doc for t, doc in zip(texts, nlp.pipe(texts, batch_size=64))}
    measure("rules alone (parsed docs)", lambda ts: [rules(docs[id(t)], t) for t in ts], texts)


def rules(doc, text: str) -> None:
    entities = extract_entities(doc, text=text)
    extract_quotes(doc, entities, text=text)


if __name__ == "__main__":
    main()
