"""`broadsheet enrich`: JSON lines {id, text[, language, title]} in, {id, entities, quotes} out.

A malformed line (not JSON, not an object, no `id`, `text` not a string) does not stop the
command: it gives `{"id": ..., "line": N, "error": "..."}` in its place, the other lines are
processed, and the exit code is 1 when any line failed (with a count on stderr).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import IO

from pipeline.enrich import enrich_texts
from pipeline.records import as_dict


def line_error(item: object) -> str | None:
    """Why a decoded line cannot be enriched, or None when it can."""
    if not isinstance(item, dict):
        return f"expected a JSON object, got {type(item).__name__}"
    if item.get("id") is None:
        return "missing id"
    if not isinstance(item.get("text"), str):
        return "text is missing or not a string"
    for optional in ("language", "title"):
        if item.get(optional) is not None and not isinstance(item[optional], str):
            return f"{optional} is not a string"
    return None


def _read(stdin: IO[str], failures: list[dict]) -> Iterator[dict]:
    """Good items, each tagged with its line number; a bad line becomes an error row in `failures`
    and a placeholder item, so that the output keeps the input's order."""
    for number, line in enumerate(stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            item, error = None, f"bad JSON: {exc.msg} at column {exc.colno}"
        else:
            error = line_error(item)
        if error:
            ident = item.get("id") if isinstance(item, dict) else None
            failures.append({"id": ident, "line": number, "error": error})
            # An empty non-English item costs nothing in the model and holds the failure's place.
            yield {"id": None, "text": "", "language": "xx", "_failed": len(failures) - 1}
        else:
            yield item


def _with_scorer_offsets(quote: dict) -> dict:
    """The Quote fields, plus its offsets under the names the shared quote scorer reads
    (quote_start, quote_end), so the command can be scored as it is."""
    return {**quote, "quote_start": quote["start_char"], "quote_end": quote["end_char"]}


def main(argv: list[str] | None = None, stdin: IO[str] | None = None, stdout: IO[str] | None = None) -> int:
    """Offsets in the output are character offsets into the text as given."""
    argparse.ArgumentParser(prog="broadsheet enrich", description=__doc__.splitlines()[0]).parse_args(argv or [])
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    failures: list[dict] = []
    pending: list[dict] = []   # the items given to enrich_texts and not yet answered, in order

    def remembered() -> Iterator[dict]:
        for item in _read(stdin, failures):
            pending.append(item)
            yield item

    for result in enrich_texts(remembered()):
        item = pending.pop(0)
        if "_failed" in item:
            row = failures[item["_failed"]]
        else:
            row = {"id": result["id"],
                   "entities": [as_dict(e) for e in result["entities"]],
                   "quotes": [_with_scorer_offsets(as_dict(q)) for q in result["quotes"]]}
            if result["skipped"]:
                row["skipped"] = result["skipped"]
        stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    stdout.flush()
    if failures:
        print(f"broadsheet enrich: {len(failures)} line(s) failed (see their error objects)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
