"""Warehouse benchmark: a warehouse of N articles built a night at a time through the real writer,
then the analysts' questions timed through `broadsheet sql` and through DuckDB directly.

    nice .venv/bin/python benchmarks/warehouse.py [--articles 1000000] [--per-night 20000]
                                                   [--warehouse DIR] [--max-minutes M] [--queries-only DIR]

Each night's rows are generated (sentences of the project's own samples mixed with generated
names, places and numbers; entities and quotes per article in the proportions the bundled samples
give), staged as Parquet, and published with `publish_night` (the layout's sort, the Delta commits,
the manifests), then the DuckDB catalog and the run report are refreshed, as a real night does. The
dedup lookups a real night makes against the stored tables (`earlier_copies`, `earlier_signatures`)
are timed on the night's content hashes and band keys, after the lookup index was brought up to
the published tables (`index_s`: last night's rows indexed). Printed per night: seconds of each step and
the writer's peak resident memory (sampled during the publish). Then each question: wall time of
`broadsheet sql` (best of 3, process start included), and in-process DuckDB time, files read, row
groups scanned and bytes read (DuckDB's own profile). `--max-minutes` stops building early; the
queries then run on what was built, and the articles reached are printed. Last, `broadsheet export`
of two whole tables: seconds, rows, file size and the exporting process's peak memory.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.store.schemas import arrow_schema  # noqa: E402

FIRST_NIGHT = date(2025, 1, 1)
# Per article, from the bundled samples' night (samples/: 22 articles, about 12 entity mentions and
# 3.7 quotes each).
ENTITIES_PER_ARTICLE, QUOTES_PER_ARTICLE = 12, 3.7
HOSTS, SOURCES, PEOPLE, ORGS, PLACES = 400, 12, 20_000, 5_000, 3_000
LABELS = ("PERSON", "ORG", "GPE")
FIRST = ["Amira", "Tomas", "Grace", "Yusuf", "Ingrid", "Mateo", "Priya", "Oskar", "Leila", "Daniel", "Sofia",
         "Kwame", "Hannah", "Ravi", "Elena", "Malik", "Chloe", "Jonas", "Nadia", "Felix", "Mira", "Joel"]
LAST = ["Okafor", "Lindqvist", "Moreno", "Haddad", "Brennan", "Tanaka", "Kowalski", "Adeyemi", "Fischer",
        "Duarte", "Nakamura", "Osei", "Petrov", "Gallagher", "Rahman", "Silva", "Novak", "Keller", "Castell"]
SYLLABLES = ["har", "bour", "wick", "ton", "mere", "ley", "ash", "ford", "brook", "dale", "stone", "field"]


def sample_sentences() -> list[str]:
    """Sentences of the project's own samples (its .txt articles), to make texts article-like."""
    sentences = []
    for path in sorted((ROOT / "samples").rglob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        sentences += [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 6]
    return sentences or ["The council met on Tuesday to discuss the harbour budget for the coming year."]


class Pools:
    def __init__(self, rng: np.random.Generator):
        def name(i: int) -> str:
            return f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]}{'' if i < 418 else ' ' + str(i)}"

        def word(i: int) -> str:
            return "".join(SYLLABLES[(i >> (4 * k)) % len(SYLLABLES)] for k in range(3)).capitalize()
        self.people = np.array([name(i) for i in range(PEOPLE)], dtype=object)
        self.orgs = np.array([f"{word(i)} {('Council', 'Trust', 'Group', 'Board', 'Union')[i % 5]}"
                              for i in range(ORGS)], dtype=object)
        self.places = np.array([word(i * 7 + 3) for i in range(PLACES)], dtype=object)
        self.hosts = np.array([f"www.{word(i * 13 + 1).lower()}-news.example" for i in range(HOSTS)], dtype=object)
        self.sources = np.array([f"source{i:02d}" for i in range(SOURCES)], dtype=object)
        self.sentences = np.array(sample_sentences(), dtype=object)
        self.rng = rng

    def zipf(self, size: int, n: int) -> np.ndarray:
        """Indexes in [0, n) with a long tail, as names in the news are."""
        return (self.rng.zipf(1.3, size) - 1) % n


def night_tables(pools: Pools, day: date, count: int, first_id: int, run_id: str) -> dict[str, pa.Table]:
    rng = pools.rng
    ids = np.array([hashlib.sha256(f"a{first_id + i}".encode()).hexdigest()[:16] for i in range(count)], dtype=object)
    hosts = pools.hosts[pools.zipf(count, HOSTS)]
    people_of = pools.zipf(count * 2, PEOPLE).reshape(count, 2)
    texts = []
    for i in range(count):
        chosen = pools.sentences[rng.integers(0, len(pools.sentences), rng.integers(8, 20))]
        a, b = pools.people[people_of[i]]
        place = pools.places[rng.integers(0, PLACES)]
        texts.append(f"{place} ({first_id + i}): {a} met {b} on {day:%A}. " + " ".join(chosen)
                     + f" \"We will decide by {rng.integers(2, 28)} {day:%B},\" {a} said.")
    published = [datetime(day.year, day.month, day.day, tzinfo=timezone.utc) - timedelta(minutes=int(m))
                 for m in rng.integers(0, 3 * 1440, count)]
    n = count
    articles = {
        "article_id": ids, "url": [f"https://{h}/{day:%Y/%m/%d}/{a}" for h, a in zip(hosts, ids)],
        "source": pools.sources[pools.zipf(n, SOURCES)], "location": [f"https://{h}/{a}" for h, a in zip(hosts, ids)],
        "title": [t[:80] for t in texts], "authors": [[pools.people[p[0]]] for p in people_of], "author_orgs": [[]] * n,
        "published_at": published, "date_source": ["jsonld"] * n, "modified_at": [None] * n, "language": ["en"] * n,
        "text": texts, "word_count": [len(t.split()) for t in texts],
        "content_hash": [hashlib.sha256(t.encode()).hexdigest() for t in texts], "cluster_id": ids,
        "extractor": rng.choice(np.array(["trafilatura", "trafilatura+readability", "newspaper4k"], dtype=object), n),
        "site_name": hosts, "host": hosts, "description": [None] * n, "section": ["News"] * n, "tags": [[]] * n,
        "is_truncated": [False] * n, "removed": [[]] * n, "nlp_skipped": [None] * n,
        "run_id": [run_id] * n, "ingest_date": [day] * n,
    }
    per_article = rng.poisson(ENTITIES_PER_ARTICLE, n)
    owner = np.repeat(np.arange(n), per_article)
    labels = rng.choice(np.array(LABELS, dtype=object), len(owner), p=[0.45, 0.3, 0.25])
    names = np.where(labels == "PERSON", pools.people[pools.zipf(len(owner), PEOPLE)],
                     np.where(labels == "ORG", pools.orgs[pools.zipf(len(owner), ORGS)],
                              pools.places[pools.zipf(len(owner), PLACES)]))
    keys = np.array([f"{label.lower()}:{name.lower()}" for label, name in zip(labels, names)], dtype=object)
    starts = rng.integers(0, 2000, len(owner)).astype(np.int32)
    entities = {"article_id": ids[owner], "mention": names, "label": labels, "start_char": starts,
                "end_char": starts + 12, "canonical": names, "entity_key": keys, "host": hosts[owner],
                "run_id": [run_id] * len(owner), "ingest_date": [day] * len(owner)}
    per_article = rng.poisson(QUOTES_PER_ARTICLE, n)
    owner = np.repeat(np.arange(n), per_article)
    speakers = pools.people[pools.zipf(len(owner), PEOPLE)]
    starts = rng.integers(0, 2000, len(owner)).astype(np.int32)
    quotes = {"article_id": ids[owner], "quote": pools.sentences[rng.integers(0, len(pools.sentences), len(owner))],
              "kind": rng.choice(np.array(["direct", "partial"], dtype=object), len(owner)),
              "start_char": starts, "end_char": starts + 80, "speaker": speakers, "speaker_mention": speakers,
              "speaker_start": starts + 82, "speaker_end": starts + 95, "cue": ["said"] * len(owner),
              "speaker_key": np.array([f"person:{s.lower()}" for s in speakers], dtype=object), "host": hosts[owner],
              "speaker_type": ["person"] * len(owner),
              "run_id": [run_id] * len(owner), "ingest_date": [day] * len(owner)}
    bands = rng.integers(-2**63, 2**63 - 1, (n, 32), dtype=np.int64)
    signatures = {"article_id": ids, "cluster_id": ids, "minhash": [rng.bytes(512) for _ in range(n)],
                  "bands": list(bands), "run_id": [run_id] * n, "ingest_date": [day] * n}
    rejects = {"run_id": [run_id] * (n // 50), "ingest_date": [day] * (n // 50), "source": ["source00"] * (n // 50),
               "location": [f"https://x.example/{i}" for i in range(n // 50)],
               "stage": ["fetch"] * (n // 50), "reason": ["http_404"] * (n // 50), "article_id": [None] * (n // 50)}

    def table(name: str, columns: dict) -> pa.Table:
        schema = arrow_schema(name)
        rows = len(next(iter(columns.values())))
        for field in schema:   # a column this script does not know yet (nullable ones only) is null
            if field.name not in columns and field.nullable:
                columns[field.name] = [None] * rows
        return pa.table({f.name: pa.array(list(columns[f.name]) if isinstance(columns[f.name], np.ndarray)
                                          and columns[f.name].dtype == object else columns[f.name], type=f.type)
                         for f in schema}, schema=schema)
    return {"articles": table("articles", articles), "entities": table("entities", entities),
            "quotes": table("quotes", quotes), "article_signatures": table("article_signatures", signatures),
            "rejects": table("rejects", rejects)}


class PeakMemory:
    """The process's resident memory sampled every 20 ms while the block runs."""

    def __init__(self):
        import psutil
        self.process, self.peak, self._stop = psutil.Process(), 0, threading.Event()

    def __enter__(self):
        self.peak = self.process.memory_info().rss
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def build(warehouse: Path, articles: int, per_night: int, max_minutes: float | None) -> int:
    from pipeline.report.page import refresh_report
    from pipeline.stages.dedup import earlier_copies, earlier_signatures
    from pipeline.store.dedup_index import refresh
    from pipeline.store.catalog import refresh_catalog
    from pipeline.store.delta import publish_night
    from pipeline.store.parquet import write_parquet_atomic
    from pipeline.store.schemas import to_arrow
    from pipeline.store.storage import Storage
    storage = Storage.of(warehouse)
    pools = Pools(np.random.default_rng(7))
    started, built, night = time.monotonic(), 0, 0
    print("night  articles_total  generate_s  index_s  dedup_lookups_s  publish_s  catalog_report_s  night_s  writer_peak_MiB",
          flush=True)
    while built < articles:
        if max_minutes and time.monotonic() - started > max_minutes * 60:
            print(f"stopped by --max-minutes {max_minutes:g} after {built} articles", flush=True)
            break
        day, count = FIRST_NIGHT + timedelta(days=night), min(per_night, articles - built)
        run_id = f"bench-{day}"
        t0 = time.perf_counter()
        tables = night_tables(pools, day, count, built, run_id)
        root = storage.path("_staging", run_id)
        staged = {name: write_parquet_atomic(storage, storage.path("_staging", run_id, f"{name}.parquet"), table)
                  for name, table in tables.items()}
        now = datetime.now(timezone.utc)
        run = {"run_id": run_id, "ingest_date": day, "started_at": now, "finished_at": now, "status": "success",
               "inputs": count, "articles": count, "entities": tables["entities"].num_rows,
               "quotes": tables["quotes"].num_rows, "rejects": tables["rejects"].num_rows, "duplicates": 0,
               "validation_success": True, "message": None, "stage_counts": "{}"}
        staged["runs"] = write_parquet_atomic(storage, storage.path("_staging", run_id, "runs.parquet"), to_arrow("runs", [run]))
        # what the dedup stage has in hand before its lookups (made outside the timed span)
        hashes = tables["articles"].column("content_hash").to_pylist()
        keys = np.unique(pc.list_flatten(tables["article_signatures"].column("bands")).to_numpy())
        t1 = time.perf_counter()
        refresh(storage, skip=day)   # indexes last night's published rows (a real night's dedup does it first)
        t1i = time.perf_counter()
        earlier_copies(storage, day, hashes)
        earlier_signatures(storage, day, keys)
        t2 = time.perf_counter()
        del tables
        with PeakMemory() as memory:
            publish_night(storage, run_id, f"{run_id}-publish", day, staged, root)
        t3 = time.perf_counter()
        refresh_catalog(storage)
        refresh_report(storage, day)
        t4 = time.perf_counter()
        built += count
        night += 1
        print(f"{night:5d}  {built:14d}  {t1 - t0:10.1f}  {t1i - t1:7.2f}  {t2 - t1i:15.2f}  {t3 - t2:9.1f}  {t4 - t3:16.1f}  "
              f"{t4 - t0:7.1f}  {memory.peak / 2**20:15.0f}", flush=True)
    return built


def questions(warehouse: Path) -> dict[str, str]:
    from pipeline.store.catalog import connect
    with connect(warehouse, tables={"articles", "quotes", "entities"}) as con:
        last = con.execute("SELECT max(ingest_date) FROM articles").fetchone()[0]
        speaker = con.execute("SELECT speaker_key FROM quotes WHERE ingest_date = ? GROUP BY 1 "
                              "ORDER BY count(*) DESC LIMIT 1 OFFSET 20", [last]).fetchone()[0]
        first_key, second_key = (r[0] for r in con.execute(
            "SELECT entity_key FROM entities WHERE ingest_date = ? GROUP BY 1 ORDER BY count(*) DESC LIMIT 2 OFFSET 30",
            [last]).fetchall())
    month = max(last - timedelta(days=29), FIRST_NIGHT)
    return {
        "top entities per day, one month": (
            f"SELECT ingest_date, entity_key, count(*) n FROM entities WHERE ingest_date BETWEEN DATE '{month}' "
            f"AND DATE '{last}' GROUP BY ingest_date, entity_key QUALIFY row_number() OVER (PARTITION BY ingest_date ORDER BY n DESC) <= 10 "
            "ORDER BY ingest_date, n DESC"),
        "quotes by one speaker": (
            f"SELECT ingest_date, article_id, quote FROM quotes WHERE speaker_key = '{speaker}' ORDER BY ingest_date"),
        "articles mentioning two entities": (
            f"SELECT article_id FROM entities WHERE entity_key IN ('{first_key}', '{second_key}') GROUP BY article_id "
            "HAVING count(DISTINCT entity_key) = 2"),
        "counts per host per day": "SELECT ingest_date, host, count(*) n FROM articles GROUP BY ALL ORDER BY ALL",
        "full-text ILIKE on one day": (
            f"SELECT article_id, title FROM articles WHERE ingest_date = DATE '{last}' AND text ILIKE '%the union%'"),
    }


def run_measured(command: list[str]) -> tuple[float, int, str, str, float]:
    """Run a command: (seconds, exit code, stdout, stderr, its own peak resident MiB). The peak is
    GNU time's (%M): a child forked from this big process would report this process's memory."""
    timer = "/usr/bin/time"
    t0 = time.perf_counter()
    done = subprocess.run([timer, "-f", "peak %M", *command] if os.path.exists(timer) else command,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    found = re.search(r"peak (\d+)\s*$", done.stderr)
    return seconds, done.returncode, done.stdout, done.stderr, int(found.group(1)) / 1024 if found else float("nan")


def profile(con, sql: str) -> tuple[float, int, str, str]:
    """DuckDB's own account of a query: seconds, files read, row groups scanned, data read."""
    plan = "\n".join(row[1] for row in con.execute("EXPLAIN ANALYZE " + sql).fetchall())
    files = sum(int(n) for n in re.findall(r"Total Files Read: (\d+)", plan))
    groups = [tuple(map(int, g)) for g in re.findall(r"Row Groups Scanned: (\d+) / (\d+)", plan)]
    scanned = f"{sum(a for a, _ in groups)}/{sum(b for _, b in groups)}" if groups else "-"
    read = re.search(r"Data Read:\s+([\d.]+ \w+)", plan)
    took = re.search(r"Total Time:\s+([\d.]+)s", plan)
    if took is None:
        raise SystemExit(f"no timing in DuckDB's profile of {sql!r}:\n{plan[:2000]}")
    seconds = float(took.group(1))
    return seconds, files, scanned, read.group(1) if read else "-"


def time_questions(warehouse: Path) -> None:
    from pipeline.store.catalog import connect
    broadsheet = str(Path(sys.executable).parent / "broadsheet")
    print(f"\n{'question':34s}  broadsheet_sql_s  duckdb_s  files  row_groups  data_read  rows    sql_peak_MiB")
    for name, sql in questions(warehouse).items():
        best, peak = float("inf"), 0.0
        for _ in range(3):
            seconds, code, stdout, stderr, memory = run_measured(
                [broadsheet, "sql", sql, "--warehouse", str(warehouse), "--format", "csv"])
            best, peak = min(best, seconds), max(peak, memory)
            if code != 0:
                raise SystemExit(f"{name}: {stderr}")
        rows = max(len(stdout.splitlines()) - 1, 0)
        with connect(warehouse) as con:
            con.execute(sql).fetchall()   # warm the file cache and the catalog, as the CLI runs did
            direct = min(profile(con, sql) for _ in range(3))
        seconds, files, scanned, read = direct
        print(f"{name:34s}  {best:16.2f}  {seconds:8.3f}  {files:5d}  {scanned:>10s}  {read:>9s}  {rows:6d}  {peak:7.0f}",
              flush=True)


def time_export(warehouse: Path) -> None:
    """`broadsheet export` of a whole table: seconds, rows, and the exporting process's peak memory
    (which stays flat however many rows: they are streamed)."""
    broadsheet = str(Path(sys.executable).parent / "broadsheet")
    print(f"\n{'export':34s}  seconds  rows        file_MiB  peak_MiB")
    for table, form in (("quotes", "parquet"), ("articles", "jsonl")):
        out = Path(tempfile.mkdtemp(prefix="broadsheet-export-bench-")) / f"{table}.{form}"
        seconds, code, stdout, stderr, peak = run_measured(
            [broadsheet, "export", "--table", table, "--format", form, "--out", str(out), "--warehouse", str(warehouse)])
        if code != 0:
            raise SystemExit(f"export {table}: {stderr}")
        print(f"{table + ' as ' + form:34s}  {seconds:7.1f}  {stdout.split()[0]:10s}  "
              f"{out.stat().st_size / 2**20:8.0f}  {peak:8.0f}", flush=True)
        out.unlink()


def size_of(warehouse: Path) -> str:
    total = sum(p.stat().st_size for p in warehouse.rglob("*") if p.is_file())
    return f"{total / 2**30:.2f} GiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--per-night", type=int, default=20_000)
    parser.add_argument("--warehouse", type=Path, default=None, help="where to build (default: a temporary folder, kept)")
    parser.add_argument("--max-minutes", type=float, default=None, help="stop building after this long")
    parser.add_argument("--queries-only", type=Path, default=None, metavar="WAREHOUSE",
                        help="only time the questions on a warehouse built before")
    args = parser.parse_args()
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    if args.queries_only:
        time_questions(args.queries_only)
        time_export(args.queries_only)
        return
    warehouse = args.warehouse or Path(tempfile.mkdtemp(prefix="broadsheet-warehouse-bench-")) / "warehouse"
    print(f"building {args.articles} articles, {args.per_night} a night, in {warehouse}", flush=True)
    t0 = time.perf_counter()
    built = build(warehouse, args.articles, args.per_night, args.max_minutes)
    print(f"built {built} articles in {time.perf_counter() - t0:.0f} s; warehouse {size_of(warehouse)}", flush=True)
    time_questions(warehouse)
    time_export(warehouse)


if __name__ == "__main__":
    main()
