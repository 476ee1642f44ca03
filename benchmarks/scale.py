"""Scale benchmark: one night on one worker and on two, against an anchor measured in the same run.

The 90 development pages of the shared extraction benchmark are made into about 500 distinct
documents (each page repeated with a generated sentence added to a paragraph of its body and its
declared URLs made distinct, so that dedup keeps every copy), then:

  * the real path (`broadsheet ingest`'s code: plan, extract, dedup, enrich, validate, publish)
    with 1 worker and with 2 workers, each in a fresh process;
  * the anchor: trafilatura's `extract` plus spaCy's NER-only pipeline over the same pages, in
    one fresh process, nothing else, both as they ship (the pipeline's spaCy runs its matrix
    products through OpenBLAS instead of thinc's default, see `pipeline.enrich.nlp`).

It prints articles/s, the 2-worker speed-up, CPU seconds per article (the process and its workers),
the peak resident memory of the main process and of the largest worker, and where the CPU goes:
the anchor's start-up, extraction and NER, and the one-worker night's stages (read at each stage's
end over the whole process tree, so `plan` holds the workers' start-up and part of Great
Expectations' import, which runs beside it; the imports before the night are in the total only).

    .venv/bin/python benchmarks/scale.py [--copies 6] [--data DIR] [--repeat 3]
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "bench" / "extraction" / "dev"

WORDS = ("council harbour river budget station market school bridge ferry library museum transport "
         "weather festival hospital committee report survey contract election farmers tenants "
         "volunteers engineers residents inspectors teachers drivers nurses planners").split()
VERBS = "approved delayed questioned welcomed reviewed funded extended rejected announced".split()

# The page's claims about its own URL, which decide the article id: made distinct per copy.
DECLARED_URL = [
    re.compile(r"""(<link\b[^>]*\brel=["']?canonical["']?[^>]*\bhref=["'])([^"']+)""", re.I),
    re.compile(r"""(<link\b[^>]*\bhref=["'])([^"']+)(["'][^>]*\brel=["']?canonical)""", re.I),
    re.compile(r"""(<meta\b[^>]*\bproperty=["']og:url["'][^>]*\bcontent=["'])([^"']+)""", re.I),
    re.compile(r"""(<meta\b[^>]*\bcontent=["'])([^"']+)(["'][^>]*\bproperty=["']og:url)""", re.I),
    re.compile(r"""("(?:url|@id)"\s*:\s*")(https?://[^"]+)"""),
]


def sentence(rng: random.Random, copy: int) -> str:
    words = rng.sample(WORDS, 6)
    return (f" In a separate note {copy}, the {words[0]} and {words[1]} {rng.choice(VERBS)} the plan for "
            f"the {words[2]}, while {words[3]} and {words[4]} asked about the {words[5]}.")


def anchor_paragraph_end(html: str) -> int | None:
    """Where a paragraph of the page's article body ends in its markup, so that a sentence added
    there is part of the extracted body: each place where a body paragraph starts is tried, and the
    first whose added sentence shows up in the extracted text is kept."""
    from pipeline.extract import ExtractionError, extract_html
    try:
        body = extract_html(html).text
    except ExtractionError:
        return None
    probe = " Probe sentence for the benchmark copy."
    for paragraph in sorted(body.split("\n\n"), key=len, reverse=True)[:5]:
        start = html.find(paragraph[:40]) if len(paragraph) >= 40 else -1
        while start >= 0:
            end = html.find("</p>", start)
            if end < 0:
                break
            try:
                if probe.strip() in extract_html(html[:end] + probe + html[end:]).text:
                    return end
            except ExtractionError:
                pass
            start = html.find(paragraph[:40], start + 1)
    return None


def variant(html: str, copy: int, rng: random.Random, where: int) -> str:
    """Copy `copy` of a page: a generated sentence added to a body paragraph (at `where`), and the
    page's declared URLs given a `copy=N` parameter, so that its text and its id both differ."""
    if copy == 0:
        return html
    html = html[:where] + sentence(rng, copy) + html[where:]
    for pattern in DECLARED_URL:
        def mark(match: re.Match) -> str:
            url = match.group(2)
            return match.group(1) + url + ("&" if "?" in url else "?") + f"copy={copy}" + "".join(match.groups()[2:])
        html = pattern.sub(mark, html)
    return html


def make_inputs(data: Path, copies: int, folder: Path) -> int:
    rng = random.Random(11)
    pages = sorted((data / "html").glob("*.html.gz"))
    count = 0
    for page in pages:
        html = gzip.decompress(page.read_bytes()).decode("utf-8", errors="replace")
        where = anchor_paragraph_end(html)
        # a page whose copies could not be made to differ in their extracted text is taken once
        for copy in range(copies if where is not None else 1):
            (folder / f"{page.name[:16]}-{copy}.html").write_text(variant(html, copy, rng, where), encoding="utf-8")
            count += 1
    return count


class TreeUsage:
    """CPU and peak memory of this process and every process below it. The pool's workers are
    children of multiprocessing's fork server, not of this process, so RUSAGE_CHILDREN alone
    misses them: the fork server's own counters hold the workers it has reaped, the live ones
    are read directly, and a sampler thread keeps each worker's peak resident memory."""

    def __init__(self, every: float = 0.25):
        import threading
        self._peak_worker = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, args=(every,), daemon=True)
        self._thread.start()

    def _sample(self, every: float) -> None:
        import psutil
        me = psutil.Process()
        while not self._stop.wait(every):
            for child in me.children(recursive=True):
                try:
                    self._peak_worker = max(self._peak_worker, child.memory_info().rss)
                except psutil.Error:
                    pass

    @staticmethod
    def cpu_seconds() -> float:
        """CPU seconds of the whole tree so far (a stage boundary's reading: the pool's workers live
        across stages, so none has been reaped in between)."""
        import psutil
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
        for child in psutil.Process().children(recursive=True):
            try:
                times = child.cpu_times()
            except psutil.Error:
                continue
            cpu += times.user + times.system + times.children_user + times.children_system
        return cpu

    def result(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join()
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return {"cpu_s": self.cpu_seconds(), "rss_main_mib": me.ru_maxrss / 1024,
                "rss_worker_mib": max(self._peak_worker / 2**20, kids.ru_maxrss / 1024)}


def child_pipeline(inputs: Path, workers: int) -> dict:
    import logging
    from datetime import date
    logging.basicConfig(level=logging.WARNING)
    from pipeline.config import files_config
    from pipeline.run import run_all
    tree = TreeUsage()
    started = time.perf_counter()
    stage_cpu: dict[str, float] = {}
    last = TreeUsage.cpu_seconds()

    def stage_done(stage: str, counts: dict) -> None:
        nonlocal last
        now = TreeUsage.cpu_seconds()
        stage_cpu[stage], last = now - last, now

    with tempfile.TemporaryDirectory() as tmp:
        summary = run_all(files_config([str(inputs)]), Path(tmp) / "warehouse", date(2026, 11, 25),
                          workers=workers, on_stage=stage_done)
    return {"seconds": time.perf_counter() - started, "articles": summary["articles"],
            "duplicates": summary["duplicates"], "rejects": summary["rejects"], "stage_cpu_s": stage_cpu,
            **tree.result()}


def child_anchor(inputs: Path) -> dict:
    """The two libraries as they ship: spaCy as `spacy.load` gives it (thinc's default ops), with
    the same components as the pipeline's NER, not through `load_nlp` and its tuned BLAS."""
    import spacy
    import trafilatura
    from pipeline.enrich.nlp import MODEL_NAME, PARSE_COMPONENTS, UNUSED_COMPONENTS
    tree = TreeUsage()
    started = time.perf_counter()
    nlp = spacy.load(MODEL_NAME, exclude=UNUSED_COMPONENTS, disable=[*PARSE_COMPONENTS, "attribute_ruler"])
    loaded = time.process_time()
    texts = [trafilatura.extract(path.read_text(encoding="utf-8")) or "" for path in sorted(inputs.glob("*.html"))]
    extracted = time.process_time()
    articles = entities = 0
    for doc in nlp.pipe(texts, batch_size=64):
        articles += 1
        entities += len(doc.ents)
    stage_cpu = {"start": loaded, "extract": extracted - loaded, "ner": time.process_time() - extracted}
    return {"seconds": time.perf_counter() - started, "articles": articles, "entities": entities,
            "stage_cpu_s": stage_cpu, **tree.result()}


def measure(mode: str, inputs: Path, workers: int = 1) -> dict:
    result = subprocess.run([sys.executable, __file__, "--child", mode, "--inputs", str(inputs),
                             "--workers", str(workers)], capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=SHARED)
    parser.add_argument("--copies", type=int, default=6, help="copies of each page (about 90 x 6 documents)")
    parser.add_argument("--child", choices=("pipeline", "anchor"), help=argparse.SUPPRESS)
    parser.add_argument("--inputs", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=1, help="rounds of the three runs; medians are printed")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    sys.path.insert(0, str(ROOT))
    if args.child == "pipeline":
        print(json.dumps(child_pipeline(args.inputs, args.workers)))
        return
    if args.child == "anchor":
        print(json.dumps(child_anchor(args.inputs)))
        return

    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp) / "inputs"
        inputs.mkdir()
        documents = make_inputs(args.data, args.copies, inputs)
        # Rounds of the three runs in turn, so that a machine's drift (a neighbour's load) falls on
        # all three alike; each ratio is taken within its round.
        rounds = []
        for round_number in range(1, args.repeat + 1):
            rounds.append({"anchor": measure("anchor", inputs),
                           "1 worker": measure("pipeline", inputs, 1),
                           "2 workers": measure("pipeline", inputs, 2)})
            if args.repeat > 1:
                print(f"round {round_number}/{args.repeat}: " + ", ".join(
                    f"{name} {run['seconds']:.1f} s" for name, run in rounds[-1].items()), flush=True)
    speedups = [(r["2 workers"]["articles"] / r["2 workers"]["seconds"]) / (r["1 worker"]["articles"] / r["1 worker"]["seconds"])
                for r in rounds]
    cpu_ratios = [(r["1 worker"]["cpu_s"] / r["1 worker"]["articles"]) / (r["anchor"]["cpu_s"] / r["anchor"]["articles"])
                  for r in rounds]
    # the table shows each run's median round (by seconds)
    runs = {name: sorted((r[name] for r in rounds), key=lambda run: run["seconds"])[(len(rounds) - 1) // 2]
            for name in rounds[0]}
    print(f"{documents} documents ({args.copies} copies of each page of {args.data})"
          + (f", median of {len(rounds)} rounds" if len(rounds) > 1 else ""))
    print(f"{'run':<10} {'articles':>8} {'seconds':>8} {'articles/s':>10} {'CPU s/article':>13} "
          f"{'RSS main MiB':>12} {'RSS worker MiB':>14}")
    for name, run in runs.items():
        per_s = run["articles"] / run["seconds"]
        cpu = run["cpu_s"] / max(run["articles"], 1)
        print(f"{name:<10} {run['articles']:>8} {run['seconds']:>8.1f} {per_s:>10.2f} {cpu:>13.3f} "
              f"{run['rss_main_mib']:>12.0f} {run['rss_worker_mib']:>14.0f}")
    one, anchor = runs["1 worker"], runs["anchor"]

    def spread(values: list[float], unit: str = "") -> str:
        return f"{statistics.median(values):.2f}{unit}" + (
            f" (rounds: {', '.join(f'{v:.2f}{unit}' for v in values)})" if len(values) > 1 else "")

    print(f"2 workers / 1 worker (articles/s): {spread(speedups, 'x')}   (target >= 1.8)")
    print(f"1 worker CPU per article / anchor's: {spread(cpu_ratios)}   (target <= 1.00)")
    print(f"dedup kept every copy: {all(r['1 worker']['duplicates'] == 0 for r in rounds)} "
          f"(duplicates {one['duplicates']}, rejects {one['rejects']})")
    # Where the CPU goes, per article: the anchor's start-up (interpreter, imports, model) and its
    # two libraries; the pipeline's stages on one worker (plan holds the workers' start-up).
    for name, run in (("anchor", anchor), ("1 worker", one)):
        parts = "  ".join(f"{stage} {seconds / max(run['articles'], 1):.4f}" for stage, seconds in run["stage_cpu_s"].items())
        print(f"CPU s/article by stage, {name}: {parts}")


if __name__ == "__main__":
    main()
