"""Score the enrich stage's quotations on the shared quote benchmark (development half).

    .venv/bin/python benchmarks/quotes.py [GOLD.jsonl] [--json]

runs the shared scorer, which pipes the gold texts through this script's `--predict` mode:
`broadsheet enrich` output turned into the scorer's field names (start_char -> quote_start,
kind "partial" -> the scorer's "mixed"). The tables keep "partial". The benchmark's texts open
with their headline line; it is passed as the title, as the pipeline passes an article's title.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEFAULT_GOLD = SHARED / "bench" / "quotes" / "polnear_dev.jsonl"
SCORER = SHARED / "bench" / "quotes" / "quote_bench.py"


def as_scorer_quote(quote: dict) -> dict:
    return {
        "quote_start": quote["start_char"], "quote_end": quote["end_char"],
        "kind": "mixed" if quote["kind"] == "partial" else quote["kind"],
        "speaker": quote["speaker"], "speaker_mention": quote["speaker_mention"],
        "speaker_start": quote["speaker_start"], "speaker_end": quote["speaker_end"],
    }


def predict() -> int:
    sys.path.insert(0, str(ROOT))
    from pipeline.enrich import enrich_texts

    items = (dict(row, title=row["text"].split("\n", 1)[0])
             for row in (json.loads(line) for line in sys.stdin if line.strip()))
    for result in enrich_texts(items):
        quotes = [as_scorer_quote(vars(q)) for q in result["quotes"]]
        print(json.dumps({"id": result["id"], "quotes": quotes}, ensure_ascii=False))
    return 0


def main(argv: list[str]) -> int:
    if "--predict" in argv:
        return predict()
    gold = next((a for a in argv if not a.startswith("--")), str(DEFAULT_GOLD))
    flags = [a for a in argv if a == "--json"]
    command = [sys.executable, str(SCORER), "run", gold, *flags, "--", sys.executable, __file__, "--predict"]
    return subprocess.run(command).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
