"""Validation benchmark: the validate stage alone (every suite, the derived columns, source health,
the validations table and the Data Docs page) on a staged night of made-up articles with
entities and quotes whose offsets point into the text.

    .venv/bin/python benchmarks/validation.py [--articles 10000] [--shard-size 500] [--chunk-rows 5000]

Extraction and NLP are not run: the night's enriched shards are written directly, so the time is
validation's own. Prints seconds, seconds per 10,000 articles, rows checked, and the peak memory
of this process (generation included).
"""
from __future__ import annotations

import argparse
import hashlib
import random
import resource
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

WORDS = ("council harbour bridge budget school river market station hospital library union plan vote "
         "residents week month repairs service funding delay report review district street project").split()
NAMES = ["Amira Okafor", "Tomas Lindqvist", "Grace Moreno", "Yusuf Haddad", "Ingrid Brennan", "Mateo Tanaka"]
DAY = date(2026, 11, 25)


def article_rows(number: int, rng: random.Random):
    """One article (about 2,500 characters, ten entities, two quotes) with its entity and quote rows."""
    text, entities, quotes = "", [], []
    for paragraph in range(6):
        speaker = rng.choice(NAMES)
        sentence = " ".join(rng.choice(WORDS) for _ in range(55)).capitalize() + ". "
        start = len(text) + len(sentence)
        quote = f"\u201c{' '.join(rng.choice(WORDS) for _ in range(12)).capitalize()},\u201d"
        text += sentence + quote + f" {speaker} said."
        if paragraph % 3 == 0:
            quotes.append({"quote": quote, "kind": "direct", "start_char": start, "end_char": start + len(quote),
                           "speaker": speaker, "speaker_mention": speaker,
                           "speaker_start": start + len(quote) + 1, "speaker_end": start + len(quote) + 1 + len(speaker)})
        name_at = start + len(quote) + 1
        entities.append({"mention": speaker, "label": "PERSON", "start_char": name_at,
                         "end_char": name_at + len(speaker), "canonical": speaker,
                         "entity_key": "person:" + speaker.lower()})
        entities.append({"mention": speaker.split()[1], "label": "PERSON", "start_char": name_at + speaker.index(" ") + 1,
                         "end_char": name_at + len(speaker), "canonical": speaker, "entity_key": "person:" + speaker.lower()})
        text += "\n\n"
    text = text.rstrip()
    article_id = hashlib.sha256(f"a{number}".encode()).hexdigest()[:16]
    article = {"article_id": article_id, "url": f"https://news{number % 7}.example/story/{number}",
               "source": f"source-{number % 5}", "location": f"https://news{number % 7}.example/story/{number}",
               "title": f"Story number {number}", "authors": [rng.choice(NAMES)] if number % 3 else [],
               "author_orgs": [], "published_at": datetime(2026, 11, 24, tzinfo=timezone.utc) if number % 2 else None,
               "language": "en", "text": text, "word_count": len(text.split()),
               "content_hash": hashlib.sha256(text.encode()).hexdigest(), "cluster_id": article_id,
               "extractor": "trafilatura", "host": f"news{number % 7}.example", "tags": [], "is_truncated": False,
               "removed": [{"rule": "share_counter", "text": "0 0", "start_char": 0, "end_char": 3}]}
    for row in entities + quotes:
        row["article_id"] = article_id
    return article, entities, quotes


def stage_night(warehouse: str, articles: int, shard_size: int):
    """A night whose shards are enriched already; returns its RunContext."""
    from pipeline.config import files_config
    from pipeline.records import Shard
    from pipeline.stages.context import Counts, open_night
    from pipeline.store.parquet import write_parquet_atomic
    from pipeline.store.schemas import to_arrow

    inputs = Path(warehouse).parent / "inputs"
    inputs.mkdir(exist_ok=True)
    ctx = open_night(warehouse, DAY, files_config([str(inputs)]), "bench")
    staging, rng, shards = ctx.staging, random.Random(7), []
    for first in range(0, articles, shard_size):
        numbers = range(first, min(first + shard_size, articles))
        made = [article_rows(n, rng) for n in numbers]
        # one shard per source, as the plan cuts them
        shard = Shard(id=f"s{first // shard_size:05d}", source="files", reads="files", documents=len(made))
        for row in (m[0] for m in made):
            row["source"] = "files"
        shards.append(shard)
        common = {"run_id": ctx.run_id, "ingest_date": DAY}
        for table, rows in (("articles", [m[0] for m in made]), ("entities", [e for m in made for e in m[1]]),
                            ("quotes", [q for m in made for q in m[2]])):
            write_parquet_atomic(staging.storage, staging.enriched(shard.id, table),
                                 to_arrow(table, [{**r, **common} for r in rows]))
        staging.write_counts("enrich", Counts(articles=len(made)), shard.id)
    staging.save_shards(shards)
    return ctx


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--shard-size", type=int, default=500)
    parser.add_argument("--chunk-rows", type=int, default=5000)
    args = parser.parse_args()
    from pipeline.stages import validate

    with tempfile.TemporaryDirectory(prefix="bench-validate-") as root:
        warehouse = str(Path(root) / "warehouse")
        started = time.perf_counter()
        ctx = stage_night(warehouse, args.articles, args.shard_size)
        staged = time.perf_counter() - started
        started = time.perf_counter()
        counts = validate.run(ctx, chunk_rows=args.chunk_rows)
        seconds = time.perf_counter() - started
        from pipeline.store.parquet import count_rows
        rows = {t: count_rows(ctx.staging.storage, ctx.staging.final(t)) for t in ("articles", "entities", "quotes")}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"staged {args.articles} articles in {staged:.1f} s (not counted)")
    print(f"validate: {seconds:.1f} s for {args.articles} articles, {rows['entities']} entities, {rows['quotes']} quotes "
          f"(chunks of {args.chunk_rows} rows): {seconds * 10_000 / args.articles:.1f} s per 10,000 articles")
    print(f"expectations {counts['expectations']}, warnings {counts['warnings']}, rows rejected {counts['rejected_rows']}, "
          f"drift flags {counts['drift_flags']}; peak memory {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
