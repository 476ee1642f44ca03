"""`broadsheet enrich`: JSON lines {id, text[, language, title]} in, {id, entities, quotes} out."""
from __future__ import annotations

import argparse
import json
import sys
from typing import IO

from pipeline.enrich import enrich_texts
from pipeline.records import as_dict


def _read(stdin: IO[str]):
    for line in stdin:
        if line.strip():
            yield json.loads(line)


def _with_scorer_offsets(quote: dict) -> dict:
    """The Quote fields, plus its offsets under the names the shared quote scorer reads
    (quote_start, quote_end), so the command can be scored as it is."""
    return {**quote, "quote_start": quote["start_char"], "quote_end": quote["end_char"]}


def main(argv: list[str] | None = None, stdin: IO[str] | None = None, stdout: IO[str] | None = None) -> int:
    """Offsets in the output are character offsets into the text as given."""
    argparse.ArgumentParser(prog="broadsheet enrich", description=__doc__).parse_args(argv or [])
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    for result in enrich_texts(_read(stdin)):
        row = {"id": result["id"],
               "entities": [as_dict(e) for e in result["entities"]],
               "quotes": [_with_scorer_offsets(as_dict(q)) for q in result["quotes"]]}
        if result["skipped"]:
            row["skipped"] = result["skipped"]
        stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
