"""Extraction benchmark: the dev pages through `broadsheet extract`'s own code path, scored by
the shared benchmark's scorer (4-word shingles, macro P/R, F1), plus pages per second on one core.

    .venv/bin/python benchmarks/extraction.py [--data DIR] [--scorer extract_bench.py] [--csv per_page.csv]
"""
from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.extract.candidates import newspaper_paragraphs  # noqa: E402
from pipeline.extract.command import extract_file  # noqa: E402

SHARED = Path("/work/shared/bench/extraction")
AUTHOR_LABELS = Path(__file__).resolve().parent.parent / "tests" / "data" / "extraction_dev_authors.json"
F1_BANDS = (0.5, 0.8, 0.95)


def author_scores(records: dict[str, dict], labels: dict[str, dict]) -> dict[str, float]:
    """Micro precision and recall of author names (case-insensitive exact names) against
    hand labels, for people (authors) and organisations (author_orgs)."""
    scores = {}
    for key in ("authors", "author_orgs"):
        right = predicted = expected = 0
        for doc_id, label in labels.items():
            truth = {n.casefold() for n in label[key]}
            found = {n.casefold() for n in records.get(doc_id, {}).get(key) or []}
            right += len(truth & found)
            predicted += len(found)
            expected += len(truth)
        scores[key] = (right / predicted if predicted else 0.0, right / expected if expected else 0.0)
    return scores


def load_scorer(path: Path):
    spec = importlib.util.spec_from_file_location("extract_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pin_to_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=SHARED / "dev")
    parser.add_argument("--scorer", type=Path, default=SHARED / "extract_bench.py")
    parser.add_argument("--csv", type=Path, help="write per-page scores here")
    parser.add_argument("--save-pred", type=Path, help="write {id: {articleBody}} predictions here")
    parser.add_argument("--rounds", type=int, default=1,
                        help="time every page this many times and keep each page's fastest run "
                             "(as timeit does: on a shared machine the slow runs measure the neighbours)")
    args = parser.parse_args(argv)

    scorer = load_scorer(args.scorer)
    pages = scorer.load_dataset(args.data)
    pin_to_one_core()
    # Warm-up: lazy imports and models are once-per-process costs, not page costs. newspaper4k
    # is imported only when a page first needs it, so it is warmed separately.
    extract_file(pages[0][3])
    newspaper_paragraphs("<html><body><p>warm-up</p></body></html>", None)

    predictions, records, elapsed, cpu = {}, {}, 0.0, 0.0
    for doc_id, _url, _truth, path in pages:
        walls, cpus = [], []
        for _ in range(max(1, args.rounds)):
            start, start_cpu = time.perf_counter(), time.process_time()
            record = extract_file(path)
            walls.append(time.perf_counter() - start)
            cpus.append(time.process_time() - start_cpu)
        elapsed += min(walls)
        cpu += min(cpus)
        predictions[doc_id] = record.get("text", "")
        records[doc_id] = record

    docs = [scorer.DocScore(truth, predictions[doc_id]) for doc_id, _u, truth, _p in pages]
    scores = scorer.corpus_scores(docs)
    empty = sum(1 for doc in docs if doc.n_pred == 0 and doc.n_true > 0)
    extractors: dict[str, int] = {}
    for record in records.values():
        key = record.get("extractor") or f"error:{record.get('error')}"
        extractors[key] = extractors.get(key, 0) + 1

    print(f"pages: {len(pages)}  data: {args.data}")
    print(f"F1 {scores['f1']:.4f}  P {scores['precision']:.4f}  R {scores['recall']:.4f}  "
          f"exact {scores['accuracy']:.3f}  docF1 {scores['doc_f1']:.4f}")
    print(f"empty bodies where the truth has text: {empty}")
    # CPU time is reported beside wall time: on a shared machine the wall clock also counts
    # the time other processes held the core.
    print(f"speed: {len(pages) / elapsed:.1f} pages/s on one core by wall clock ({1000 * elapsed / len(pages):.1f} ms/page), "
          f"{len(pages) / cpu:.1f} pages/s by CPU time ({1000 * cpu / len(pages):.1f} ms/page)")
    print("extractors: " + ", ".join(f"{k}={v}" for k, v in sorted(extractors.items())))
    bands = "  ".join(f"below {band}: {sum(1 for doc in docs if doc.f1 < band)}" for band in F1_BANDS)
    print(f"per-page F1: {bands}  (of {len(docs)} pages)")
    if AUTHOR_LABELS.exists() and args.data == SHARED / "dev":
        labels = json.loads(AUTHOR_LABELS.read_text(encoding="utf-8"))["pages"]
        for key, (precision, recall) in author_scores(records, labels).items():
            print(f"{key}: precision {precision:.3f}  recall {recall:.3f}  (hand labels, {AUTHOR_LABELS.name})")
    if args.csv:
        with args.csv.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "precision", "recall", "f1", "extractor"])
            for (doc_id, *_rest), doc in zip(pages, docs):
                writer.writerow([doc_id, doc.precision, doc.recall, doc.f1, records[doc_id].get("extractor")])
    if args.save_pred:
        args.save_pred.write_text(json.dumps({k: {"articleBody": v} for k, v in predictions.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
