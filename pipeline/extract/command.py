"""`broadsheet extract PATH... [--format jsonl]`: one JSON line per HTML file, no NER, no storage."""
from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

from pipeline.extract.errors import ExtractionError
from pipeline.extract.html import extract_html
from pipeline.sources.files import discover_files

HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")


def html_files(paths: list[str]) -> Iterator[Path]:
    """The given files, and the HTML files under the given folders in a stable order."""
    given = {Path(p) for p in paths}
    for path in discover_files(paths):
        if path in given or path.name.lower().endswith(HTML_SUFFIXES):
            yield path


def read_page(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.lower().endswith(".gz") else data


def _json_value(value):
    return value.isoformat() if isinstance(value, datetime) else value


def extract_file(path: Path) -> dict:
    """The JSON record of one file; an `error` record when it holds no article."""
    try:
        extracted = extract_html(read_page(path))
    except ExtractionError as error:
        # What the page gave besides a body (its date, its title) is reported with the reason.
        return {"path": str(path), "error": error.reason,
                **{key: _json_value(value) for key, value in error.found.items()}}
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        return {"path": str(path), "error": f"unreadable:{type(error).__name__}"}
    return {
        "path": str(path),
        "title": extracted.title,
        "text": extracted.text,
        "authors": extracted.authors,
        "author_orgs": extracted.author_orgs,
        "published_at": _json_value(extracted.published_at),
        "date_source": extracted.date_source,
        "language": extracted.language,
        "url": extracted.url,
        "host": extracted.host,
        "extractor": extracted.extractor,
        "meta": {key: _json_value(value) for key, value in extracted.meta.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="broadsheet extract", description=__doc__)
    parser.add_argument("paths", nargs="+", help="HTML files (.html, .htm, .html.gz) or folders to recurse into")
    parser.add_argument("--format", choices=["jsonl"], default="jsonl")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    args = parser.parse_args(argv)
    files = list(html_files(args.paths))
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            records = pool.map(extract_file, files, chunksize=16)
            _write(records)
    else:
        _write(map(extract_file, files))
    return 0


def _write(records) -> None:
    for record in records:
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
