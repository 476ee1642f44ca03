"""`broadsheet enrich`: JSON lines {id, text[, language, title]} in, {id, entities, quotes} out.

Every input line gets one output line, in order: a line that cannot be enriched (bad JSON, no
`id`, `text` not a string) or whose enrichment failed gives `{"id": ..., "line": N, "error": ...}`
in its place and the rest is processed; the exit code is 1 when any line failed.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import deque
from collections.abc import Iterator
from typing import IO

from pipeline.enrich import enrich_texts, nlp_window
from pipeline.records import as_dict
from pipeline.stages.budget import Budgets

_SURROGATE = re.compile("[\ud800-\udfff]")


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
            yield {**item, "_line": number}


def _windowed(items: Iterator[dict], limit: int) -> Iterator[dict]:
    """Each item with its text cut to what the model analyses (the night's nlp_max_chars)."""
    for item in items:
        text = item.get("text")
        if isinstance(text, str) and len(text) > limit:
            window = nlp_window(text, limit)
            item = {**item, "text": window,
                    "truncated": f"truncated: analysed the first {len(window)} of {len(text)} characters"}
        yield item


def _with_scorer_offsets(quote: dict) -> dict:
    """The Quote fields, plus its offsets under the names the shared quote scorer reads
    (quote_start, quote_end), so the command can be scored as it is."""
    return {**quote, "quote_start": quote["start_char"], "quote_end": quote["end_char"]}


def main(argv: list[str] | None = None, stdin: IO[str] | None = None, stdout: IO[str] | None = None) -> int:
    """Offsets in the output are character offsets into the text as given."""
    parser = argparse.ArgumentParser(prog="broadsheet enrich", description=__doc__.splitlines()[0])
    parser.add_argument("--max-chars", type=int, default=Budgets().nlp_max_chars,
                        help="longer texts are analysed on their first paragraphs within this many characters "
                             "(default: the nightly budget nlp_max_chars, %(default)s)")
    args = parser.parse_args(argv or [])
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    failures: list[dict] = []
    pending: deque[dict] = deque()   # the items given to enrich_texts and not yet answered, in order

    def remembered() -> Iterator[dict]:
        for item in _windowed(_read(stdin, failures), args.max_chars):
            pending.append(item)
            yield item

    total = failed = 0
    for result in enrich_texts(remembered()):
        item = pending.popleft()
        total += 1
        if "_failed" in item:
            row = failures[item["_failed"]]
        elif result.get("error"):      # the line was fine; enriching it failed, on it alone
            row = {"id": result["id"], "line": item["_line"], "error": result["error"]}
        else:
            row = {"id": result["id"],
                   "entities": [as_dict(e) for e in result["entities"]],
                   "quotes": [_with_scorer_offsets(as_dict(q)) for q in result["quotes"]]}
            skipped = result["skipped"] or item.get("truncated")
            if skipped:
                row["skipped"] = skipped
        failed += "error" in row
        line = json.dumps(row, ensure_ascii=False)
        if _SURROGATE.search(line):   # a lone surrogate (in an id) cannot be written as UTF-8
            line = json.dumps(row)
        stdout.write(line + "\n")
    stdout.flush()
    if failed:
        print(f"broadsheet enrich: {failed} line(s) failed of {total} (see their error objects)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
