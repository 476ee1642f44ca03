"""Chaos benchmark: a night killed at every kill point, by SIGKILL and by SIGTERM, then run again.

For each named point where a night can stop (the end of each night-level stage, each finished
shard of the shard stages, each commit of the publish), a fresh warehouse gets:
  1. `broadsheet ingest` with BROADSHEET_FAILPOINT set to the point: SIGKILL there (the process
     kills itself, as a crash would), or a pause there and SIGTERM from outside (a service manager);
  2. the same command again, unhindered.
The second run's tables are compared with those of a night never stopped (same inputs, same
date): rows lost, rows doubled, leftover staging or spool files, and whether `runs` shows the
stopped night (SIGTERM: status 'interrupted').

Then the hostile corpus (tests/support/hostile.py: documents that stalled or sank nights before, a
20 MB body, 10 MB of <br>, unclosed-quote floods, a 5 MB word, a FIFO, ...) goes through one night
with its budgets: the slowest document of each stage, the peak memory of the run, and whether any
exception escaped. Last, the fuzz suite (benchmarks/fuzz.py) over N inputs per component: inputs
tried and exceptions escaped.

    .venv/bin/python benchmarks/chaos.py [--quick] [--fuzz-examples N]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))      # the hostile corpus: tests/support/hostile.py

DAY = "2026-11-30"
TABLES = ("articles", "entities", "quotes", "rejects")
NIGHT_POINTS = ["plan:done", "extract:shard_done", "dedup:done", "enrich:shard_done", "validate:done",
                "publish:begin", "publish:journalled", "publish:articles:committed", "publish:quotes:committed",
                "publish:rejects:committed"]


def corpus(folder: Path) -> Path:
    """The bundled samples plus a few plain stories of our own, in shards of a few documents."""
    shutil.copytree(ROOT / "samples", folder)
    towns = ["Ashby", "Brill", "Corran", "Dunmore", "Elsted", "Fenwick"]
    for number, town in enumerate(towns):
        (folder / f"story-{number}.txt").write_text(
            f"{town} council opens a repair cafe\n\nVolunteers in {town} will fix lamps, bikes and coats every "
            f"second Saturday, the organiser Rhea Vance said. \"Nothing should be thrown away for want of a "
            f"screw,\" Vance said.\n", encoding="utf-8")
    return folder


def command(inputs: Path, wh: Path) -> list[str]:
    return [sys.executable, "-m", "pipeline.cli", "-q", "ingest", str(inputs), "--warehouse", str(wh),
            "--date", DAY, "--workers", "2", "--shard-size", "8"]


def tables(wh: Path) -> dict[str, list]:
    from pipeline.store.catalog import connect
    with connect(wh) as con:
        found = {}
        for table in TABLES:
            columns = [c for (c,) in con.execute(f"SELECT column_name FROM (DESCRIBE {table})").fetchall()
                       if c not in ("run_id", "cluster_id")]
            found[table] = sorted(map(repr, con.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()))
        found["runs"] = con.execute("SELECT status FROM runs ORDER BY finished_at").fetchall()
    return found


def compare(clean: dict, got: dict) -> tuple[int, int]:
    lost = doubled = 0
    for table in TABLES:
        want, have = list(clean[table]), list(got[table])
        from collections import Counter
        w, h = Counter(want), Counter(have)
        lost += sum((w - h).values())
        doubled += sum((h - w).values())
    return lost, doubled


def leftovers(wh: Path) -> list[str]:
    left = [str(p.relative_to(wh)) for p in wh.rglob(".*.tmp")]
    staging = wh / "_staging"
    if staging.exists():
        left += [str(p.relative_to(wh)) for p in staging.iterdir()]
    journal = wh / "_journal"
    if journal.exists():
        left += [str(p.relative_to(wh)) for p in journal.glob("*.json")]
    return left


def stopped_night(inputs: Path, wh: Path, point: str, how: str, work: Path) -> tuple[int, bool]:
    """Run the night until `point`; returns the exit code and whether the point was reached."""
    env = {**os.environ, "BROADSHEET_FAILPOINT": point}
    if how == "SIGKILL":
        done = subprocess.run(command(inputs, wh), env=env, capture_output=True, text=True, timeout=900)
        return done.returncode, done.returncode == -signal.SIGKILL
    marker = work / f"paused-{point.replace(':', '_')}"
    marker.unlink(missing_ok=True)
    env.update(BROADSHEET_FAILPOINT_ACTION="pause", BROADSHEET_FAILPOINT_PAUSED=str(marker))
    child = subprocess.Popen(command(inputs, wh), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 900
    while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    reached = marker.exists()
    if reached:
        paused_pid = int(marker.read_text() or child.pid)
        # a worker paused at a shard point: the night's own process is the one told to stop
        os.kill(child.pid, signal.SIGTERM)
        if paused_pid != child.pid:
            os.kill(paused_pid, signal.SIGTERM)
    child.communicate(timeout=300)
    return child.returncode, reached


def kill_matrix(inputs: Path, work: Path, points: list[str]) -> dict:
    clean_wh = work / "clean"
    started = time.monotonic()
    subprocess.run(command(inputs, clean_wh), check=True, capture_output=True, timeout=900)
    clean_seconds = time.monotonic() - started
    clean = tables(clean_wh)
    results = []
    for point in points:
        for how in ("SIGKILL", "SIGTERM"):
            wh = work / f"wh-{point.replace(':', '_')}-{how}"
            code, reached = stopped_night(inputs, wh, point, how, work)
            again = subprocess.run(command(inputs, wh), capture_output=True, text=True, timeout=900)
            got = tables(wh) if again.returncode == 0 else None
            lost, doubled = compare(clean, got) if got else (-1, -1)
            statuses = [s for (s,) in got["runs"]] if got else []
            results.append({"point": point, "signal": how, "reached": reached, "exit": code,
                            "rerun_exit": again.returncode, "lost": lost, "doubled": doubled,
                            "leftovers": leftovers(wh), "runs": statuses})
            print(f"  {point:28s} {how:7s} reached={reached!s:5s} exit={code:4d} rerun={again.returncode} "
                  f"lost={lost} doubled={doubled} runs={statuses} left={len(results[-1]['leftovers'])}", flush=True)
            shutil.rmtree(wh, ignore_errors=True)
    return {"clean_seconds": clean_seconds, "results": results, "clean_rows": {t: len(clean[t]) for t in TABLES}}


def hostile_night(work: Path) -> dict:
    """Each hostile document through a night with its budgets; per-document stage times from the
    stage functions run directly (in this process, so the slowest is measured, not killed)."""
    from support.hostile import write_corpus

    folder = write_corpus(work / "hostile")
    config = work / "hostile.yaml"
    config.write_text(json.dumps({"sources": [{"name": "hostile", "kind": "files", "location": str(folder)}],
                                  "shard_size": 4}),   # the default budgets: what a night has
                      encoding="utf-8")
    wh = work / "hostile-wh"
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "-q", "run", "--config", str(config),
                           "--warehouse", str(wh), "--date", DAY, "--workers", "2"],
                          capture_output=True, text=True, timeout=1800)
    seconds = time.monotonic() - started
    from pipeline.store.catalog import connect
    with connect(wh) as con:
        rejects = con.execute("SELECT location, stage, reason FROM rejects ORDER BY location").fetchall()
        articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    slowest = slowest_documents(folder)
    return {"exit": done.returncode, "stderr_tail": done.stderr.strip().splitlines()[-1:] if done.returncode else [],
            "seconds": seconds, "articles": articles, "rejects": rejects, "slowest": slowest,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024}


def slowest_documents(folder: Path) -> dict:
    """Per stage, the slowest hostile document and its seconds, timed with no budget in one child
    per document (so one document's memory does not count against the next)."""
    script = (
        "import sys, time, json\n"
        "from pipeline.sources.files import iter_files\n"
        "from pipeline.articles import extract_document\n"
        "from pipeline.enrich import enrich_texts\n"
        "[doc] = list(iter_files([sys.argv[1]], 'hostile'))\n"
        "t = time.monotonic(); out = {}\n"
        "if not hasattr(doc, 'content'):\n"      # refused while reading (a FIFO, a device): nothing to time
        "    print(json.dumps({'read': time.monotonic() - t})); sys.exit(0)\n"
        "try:\n"
        "    article = extract_document(doc)\n"
        "except Exception as e:\n"
        "    article = None; out['extract_error'] = type(e).__name__\n"
        "out['extract'] = time.monotonic() - t\n"
        "if article is not None and getattr(article, 'text', None):\n"
        "    t = time.monotonic()\n"
        "    from pipeline.enrich import nlp_window\n"
        "    list(enrich_texts([{'id': 'x', 'text': nlp_window(article.text, 200000), 'language': 'en'}]))\n"
        "    out['enrich'] = time.monotonic() - t\n"
        "print(json.dumps(out))\n")
    worst: dict = {}
    for path in sorted(folder.iterdir()):
        path = Path(os.fsencode(path).decode("utf-8", "surrogateescape"))
        try:
            done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True,
                                  timeout=300, cwd=ROOT)
            figures = json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else {"error": done.stderr[-200:]}
        except subprocess.TimeoutExpired:
            figures = {"extract": 300.0, "timeout": True}
        for stage in ("read", "extract", "enrich"):
            if stage in figures and figures[stage] > worst.get(stage, ("", -1))[1]:
                worst[stage] = (path.name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"),
                                round(figures[stage], 2))
    return worst


def fuzz_figures(examples: int) -> dict:
    """benchmarks/fuzz.py over `examples` inputs per component, in a child process (its own memory)."""
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "fuzz.py"), "--examples", str(examples), "--json"],
                          capture_output=True, text=True, timeout=7200, cwd=ROOT)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["fuzz run failed"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="SIGKILL and SIGTERM at three points only")
    parser.add_argument("--no-hostile", action="store_true")
    parser.add_argument("--fuzz-examples", type=int, default=None,
                        help="fuzz inputs per component (default 1000, 100 with --quick; 0: no fuzz run)")
    args = parser.parse_args()
    fuzz_examples = args.fuzz_examples if args.fuzz_examples is not None else (100 if args.quick else 1000)
    points = ["extract:shard_done", "dedup:done", "publish:articles:committed"] if args.quick else NIGHT_POINTS
    with tempfile.TemporaryDirectory(prefix="broadsheet-chaos-") as tmp:
        work = Path(tmp)
        inputs = corpus(work / "inputs")
        print(f"kill points: {len(points)} x 2 signals, inputs {sum(1 for p in inputs.rglob('*') if p.is_file())}")
        matrix = kill_matrix(inputs, work, points)
        results = matrix["results"]
        restored = sum(r["rerun_exit"] == 0 and r["lost"] == 0 and r["doubled"] == 0 and not r["leftovers"]
                       for r in results)
        print(f"clean night: {matrix['clean_seconds']:.1f} s, rows {matrix['clean_rows']}")
        print(f"kill points tried: {len(results)} ({sum(r['reached'] for r in results)} reached)")
        print(f"reruns that restored a complete warehouse: {restored} of {len(results)}")
        print(f"rows lost: {sum(max(r['lost'], 0) for r in results)}, rows doubled: "
              f"{sum(max(r['doubled'], 0) for r in results)}, reruns failed: {sum(r['rerun_exit'] != 0 for r in results)}")
        sigterm = [r for r in results if r["signal"] == "SIGTERM" and r["reached"]]
        print(f"SIGTERM nights recorded as interrupted: {sum('interrupted' in r['runs'] for r in sigterm)} of {len(sigterm)}")
        if not args.no_hostile:
            hostile = hostile_night(work)
            print(f"hostile night: exit {hostile['exit']} {hostile['stderr_tail']}, {hostile['seconds']:.1f} s, "
                  f"articles {hostile['articles']}, rejects {len(hostile['rejects'])}")
            for location, stage, reason in hostile["rejects"]:
                print(f"  reject {Path(location).name}: {stage}: {reason}")
            print(f"slowest document per stage (unbudgeted): {hostile['slowest']}")
            print(f"peak resident memory of any child process: {hostile['peak_rss_mb']} MB")
        if fuzz_examples:
            fuzz = fuzz_figures(fuzz_examples)
            if "error" in fuzz:
                print(f"fuzz run failed: {fuzz['error']}")
            else:
                print(f"fuzz inputs tried per component: "
                      + ", ".join(f"{name} {r['tried']}" for name, r in fuzz.items()))
                print(f"fuzz exceptions escaped: {sum(r['escaped'] for r in fuzz.values())}, properties violated: "
                      f"{sum(r['violated'] for r in fuzz.values())}, inputs over budget: "
                      f"{sum(r['over_budget'] for r in fuzz.values())}")
                for name, r in fuzz.items():
                    print(f"  fuzz {name}: slowest {r['slowest_seconds']:.2f} s ({r['slowest_input'][:60]})")
                    for failure in r["failures"]:
                        print(f"    {failure[:200]}")


if __name__ == "__main__":
    main()
