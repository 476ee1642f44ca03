"""Local files and folders as a source: `.html`/`.htm` pages and `.txt` already-scraped articles."""
from __future__ import annotations

import os
import stat
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


def display_path(path: str | os.PathLike) -> str:
    """The path as it may be stored and shown: a name that is not valid UTF-8 keeps its odd bytes as
    `\\xNN` escapes (the raw bytes cannot go into a Parquet string or a UTF-8 log line)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _read_regular_file(path: Path) -> bytes:
    """The bytes of a regular file (symlinks followed) of at most MAX_FILE_BYTES. Anything else
    would block (a FIFO) or never end (a device such as /dev/zero), so it is refused unread."""
    # O_NONBLOCK: opening a FIFO with no writer must not wait for one
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _NotRegular(_KINDS.get(stat.S_IFMT(info.st_mode), "special file"))
        if info.st_size > MAX_FILE_BYTES:
            raise _TooLarge(info.st_size)
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as stream:
            # a file growing while it is read is still cut at the limit
            content = stream.read(MAX_FILE_BYTES + 1)
        if len(content) > MAX_FILE_BYTES:
            raise _TooLarge(len(content))
        return content
    finally:
        os.close(fd)


class _NotRegular(Exception):
    pass


class _TooLarge(Exception):
    pass


_KINDS = {stat.S_IFIFO: "fifo", stat.S_IFCHR: "character device", stat.S_IFBLK: "block device",
          stat.S_IFSOCK: "socket", stat.S_IFDIR: "directory"}


def iter_files(paths: list[str | os.PathLike], source: str) -> Iterator[RawDocument | Reject]:
    """Read each input file into a RawDocument; anything unreadable becomes a Reject with a reason."""
    for path in discover_files(paths):
        location = display_path(path)
        suffix = path.suffix.lower()
        if suffix not in HTML_SUFFIXES | TEXT_SUFFIXES:
            yield Reject(source, location, "read", f"unsupported_file_type: {suffix or 'no suffix'}")
            continue
        try:
            content = _read_regular_file(path)
        except _NotRegular as exc:
            yield Reject(source, location, "read", f"not_a_regular_file: {exc}")
            continue
        except _TooLarge as exc:
            yield Reject(source, location, "read", f"too_large: {exc} bytes")
            continue
        except FileNotFoundError:
            yield Reject(source, location, "read", "not_found")
            continue
        except OSError as exc:
            yield Reject(source, location, "read", f"unreadable: {exc.strerror or exc}")
            continue
        kind = "html" if suffix in HTML_SUFFIXES else "text"
        yield RawDocument(source=source, location=location, content=content, kind=kind)
