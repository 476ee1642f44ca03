"""`broadsheet enrich`: JSON lines {id, text[, language, title]} in, {id, entities, quotes} out."""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import deque
from typing import IO

from pipeline.enrich import enrich_texts, nlp_window
from pipeline.stages.budget import Budgets

_SURROGATE = re.compile("[\ud800-\udfff]")
from pipeline.records import as_dict


def _read(stdin: IO[str], failures: dict[int, str]):
    """The input items; a line that is not a JSON object becomes an error of its own (its item
    still gets an output line, in order), not the end of the command."""
    for number, line in enumerate(stdin, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            item = {"id": None, "text": ""}
            failures[id(item)] = f"line {number}: {type(exc).__name__}: {exc}"[:300]
        yield item


def _windowed(items, limit: int):
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
    parser = argparse.ArgumentParser(prog="broadsheet enrich", description=__doc__)
    parser.add_argument("--max-chars", type=int, default=Budgets().nlp_max_chars,
                        help="longer texts are analysed on their first paragraphs within this many characters "
                             "(default: the nightly budget nlp_max_chars, %(default)s)")
    args = parser.parse_args(argv or [])
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    failures: dict[int, str] = {}
    pending: deque[dict] = deque()   # the items enrich_texts has taken and not answered yet

    def items():
        for item in _windowed(_read(stdin, failures), args.max_chars):
            pending.append(item)
            yield item

    total = failed = 0
    for result in enrich_texts(items()):
        item = pending.popleft()
        total += 1
        row = {"id": result["id"],
               "entities": [as_dict(e) for e in result["entities"]],
               "quotes": [_with_scorer_offsets(as_dict(q)) for q in result["quotes"]]}
        skipped = result["skipped"] or item.get("truncated")
        if skipped:
            row["skipped"] = skipped
        error = failures.get(id(item)) or result.get("error")
        if error:
            row = {"id": row["id"], "entities": [], "quotes": [], "error": error}
            failed += 1
        line = json.dumps(row, ensure_ascii=False)
        if _SURROGATE.search(line):   # a lone surrogate (in an id) cannot be written as UTF-8
            line = json.dumps(row)
        stdout.write(line + "\n")
    stdout.flush()
    if failed:
        print(f"broadsheet enrich: {failed} of {total} item(s) failed; see their \"error\"", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
