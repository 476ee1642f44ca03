"""Local files and folders as a source: `.html`/`.htm` pages and `.txt` already-scraped articles."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

from pipeline.records import RawDocument, Reject

HTML_SUFFIXES = {".html", ".htm"}
TEXT_SUFFIXES = {".txt"}
# A news article is far smaller than this; anything bigger is a mistake in the input, not an article.
MAX_FILE_BYTES = 20 * 1024 * 1024


def discover_files(paths: list[str | os.PathLike]) -> Iterator[Path]:
    """Every file under the given paths, folders walked recursively, in a stable order."""
    for path in map(Path, paths):
        if path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    if not name.startswith("."):
                        yield Path(root) / name
        else:
            yield path


def iter_files(paths: list[str | os.PathLike], source: str) -> Iterator[RawDocument | Reject]:
    """Read each input file into a RawDocument; anything unreadable becomes a Reject with a reason."""
    for path in discover_files(paths):
        location = str(path)
        suffix = path.suffix.lower()
        if suffix not in HTML_SUFFIXES | TEXT_SUFFIXES:
            yield Reject(source, location, "read", f"unsupported_file_type: {suffix or 'no suffix'}")
            continue
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                yield Reject(source, location, "read", f"too_large: {size} bytes")
                continue
            content = path.read_bytes()
        except FileNotFoundError:
            yield Reject(source, location, "read", "not_found")
            continue
        except OSError as exc:
            yield Reject(source, location, "read", f"unreadable: {exc.strerror or exc}")
            continue
        kind = "html" if suffix in HTML_SUFFIXES else "text"
        yield RawDocument(source=source, location=location, content=content, kind=kind)
