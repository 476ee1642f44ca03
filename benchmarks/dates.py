"""Publication-date benchmark: the date yardstick's pages through `broadsheet extract`'s own code
path (one JSON line per page, as the command writes them), scored by the yardstick's scorer,
plus pages per second on one core and where the dates came from.

    .venv/bin/python benchmarks/dates.py [--data DIR] [--scorer date_bench.py] [--jsonl OUT] [--csv per_page.csv]

The pages are given without their URLs, as the scorer's other extractors get them: a URL date
counts only when the page itself states its URL (canonical link, og:url).
"""
from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.extraction import pin_to_one_core  # noqa: E402
from pipeline.extract.command import extract_file, html_files  # noqa: E402

SHARED = Path("/work/shared/bench/dates")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=SHARED / "dev")
    parser.add_argument("--scorer", type=Path, default=SHARED / "date_bench.py")
    parser.add_argument("--jsonl", type=Path, help="keep the extract output here")
    parser.add_argument("--csv", type=Path, help="per-page verdicts (passed to the scorer)")
    args = parser.parse_args(argv)

    files = list(html_files([str(args.data / "html")]))
    pin_to_one_core()
    extract_file(files[0])  # warm-up: imports and caches are once-per-process costs

    records, wall, cpu = [], 0.0, 0.0
    for path in files:
        start, start_cpu = time.perf_counter(), time.process_time()
        records.append(extract_file(path))
        wall += time.perf_counter() - start
        cpu += time.process_time() - start_cpu

    out = args.jsonl or Path(tempfile.mkstemp(suffix=".jsonl")[1])
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    command = [sys.executable, str(args.scorer), "--data", str(args.data), "--extractor", f"jsonl:{out}"]
    if args.csv:
        command += ["--csv", str(args.csv)]
    scored = subprocess.run(command, capture_output=True, text=True, check=True)
    if not args.jsonl:
        out.unlink()

    print(f"pages: {len(files)}  data: {args.data}")
    print(scored.stdout.rstrip())
    print(f"speed: {len(files) / wall:.1f} pages/s on one core by wall clock, "
          f"{len(files) / cpu:.1f} pages/s by CPU time ({1000 * cpu / len(files):.1f} ms/page)")
    sources = collections.Counter(r.get("date_source") or ("error" if "error" in r else "none") for r in records)
    print("date_source: " + ", ".join(f"{k}={v}" for k, v in sorted(sources.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
