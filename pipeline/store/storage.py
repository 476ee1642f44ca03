"""Where the warehouse lives: a local folder or an S3-compatible prefix (`s3://bucket/prefix`), and
the few file operations the pipeline needs, the same on both.

Object storage has no rename, so a file is never written in place: it is written to a local spool
file first and only then moved (local disk: a rename) or uploaded whole (S3: the object appears
when its upload completes). Either way a reader, or a crash, sees the whole file or none of it.

S3 settings come from the standard environment variables, as for every AWS tool: credentials
(`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, or the usual profile/role chain), `AWS_REGION`
(or `AWS_DEFAULT_REGION`), and `AWS_ENDPOINT_URL` for an S3-compatible server (MinIO, ...);
an `http://` endpoint is allowed for delta-rs too (`AWS_ALLOW_HTTP`).
"""
from __future__ import annotations

import errno
import io
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Iterator

if TYPE_CHECKING:
    import pyarrow.fs as pafs

S3_SCHEME = "s3://"

# Failures of the machine or of the warehouse, not of one document: they fail the night.
_MACHINE_ERRNOS = {errno.ENOSPC: "no space left on device", errno.EROFS: "read-only file system",
                   errno.EACCES: "permission denied", errno.EPERM: "operation not permitted",
                   errno.EDQUOT: "disk quota exceeded", errno.EIO: "input/output error"}


class WarehouseError(OSError):
    """The warehouse cannot be written or read (disk full, read-only, permissions, a damaged file):
    one line naming the path. The night fails; nothing is published half-way."""


def machine_reason(error: BaseException) -> str | None:
    """'no space left on device' and the like when `error` is a failure of the machine, else None.
    pyarrow and delta-rs often give no errno, only text ('[Errno 28]', 'os error 28')."""
    if isinstance(error, WarehouseError):
        return str(error)
    number = getattr(error, "errno", None)
    if number not in _MACHINE_ERRNOS:
        found = re.search(r"(?:errno|os error) ?(\d+)", str(error), re.IGNORECASE)
        number = int(found.group(1)) if found else None
    return _MACHINE_ERRNOS.get(number)


@contextmanager
def warehouse_errors(doing: str) -> Iterator[None]:
    """Turn a machine failure inside the block into a WarehouseError saying what was being done
    ("cannot write /wh/articles: no space left on device"); other errors pass unchanged."""
    try:
        yield
    except WarehouseError:
        raise
    except OSError as error:
        reason = machine_reason(error)
        if reason is None:
            raise
        raise WarehouseError(f"cannot {doing}: {reason}") from error


def _pafs():
    """pyarrow's filesystems, imported when a file is first touched through them: `broadsheet sql`
    on a local warehouse never does, and pyarrow (with numpy) is half its start-up."""
    import pyarrow.fs
    return pyarrow.fs


def is_remote(location: str | os.PathLike) -> bool:
    return str(location).startswith(S3_SCHEME)


@lru_cache(maxsize=1)
def s3_filesystem() -> pafs.S3FileSystem:
    """pyarrow's S3 client, set up from the environment (it does not read AWS_ENDPOINT_URL itself)."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    options = {"endpoint_override": endpoint} if endpoint else {}
    if region:
        options["region"] = region
    return _pafs().S3FileSystem(**options)


def delta_storage_options() -> dict[str, str] | None:
    """What delta-rs needs beyond the environment it reads itself: permission for a plain-HTTP endpoint."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or ""
    return {"AWS_ALLOW_HTTP": "true"} if endpoint.startswith("http://") else None


def filesystem_for(uri: str) -> tuple[pafs.FileSystem, str]:
    """The filesystem and the path within it for a location: `s3://bucket/key` or a local path."""
    return (s3_filesystem() if is_remote(uri) else _pafs().LocalFileSystem()), _inner_path(uri)


def _inner_path(uri: str) -> str:
    return uri[len(S3_SCHEME):].rstrip("/") if is_remote(uri) else str(Path(uri).resolve())


class Storage:
    """The warehouse's root and its files. Paths handed around are paths within the filesystem
    (`bucket/prefix/...` or `/abs/...`); `uri()` turns one into what other tools open."""

    def __init__(self, location: str | os.PathLike):
        self.remote = is_remote(location)
        self._location, self.root = str(location), _inner_path(str(location))
        self._fs = None

    @property
    def fs(self) -> pafs.FileSystem:
        if self._fs is None:
            self._fs = filesystem_for(self._location)[0]
        return self._fs

    @classmethod
    def of(cls, location: "str | os.PathLike | Storage") -> "Storage":
        return location if isinstance(location, Storage) else _storage(str(location))

    def __repr__(self) -> str:
        return f"Storage({self.uri(self.root)!r})"

    def path(self, *parts: str) -> str:
        return "/".join([self.root, *(p.strip("/") for p in parts if p)])

    def uri(self, path: str | None = None) -> str:
        path = self.root if path is None else path
        return S3_SCHEME + path if self.remote else path

    # looking
    def exists(self, path: str) -> bool:
        """Whether something is at `path`. Only "not there" answers False: a path that cannot be
        looked at (permissions, a symlink loop) raises, as pyarrow's filesystem does, rather than
        passing for missing, which would have a finished shard done again or a table taken for new."""
        if not self.remote:   # without pyarrow's filesystem (see `_pafs`)
            try:
                os.stat(path)
            except (FileNotFoundError, NotADirectoryError):
                return False
            return True
        return self.fs.get_file_info(path).type != _pafs().FileType.NotFound

    def is_dir(self, path: str) -> bool:
        return self.fs.get_file_info(path).type == _pafs().FileType.Directory

    def list(self, path: str, suffix: str = "") -> list[str]:
        """Names (not paths) directly under `path`, sorted; none when it does not exist."""
        selector = _pafs().FileSelector(path, allow_not_found=True, recursive=False)
        return sorted(info.base_name for info in self.fs.get_file_info(selector) if info.base_name.endswith(suffix))

    def size(self, path: str) -> int | None:
        """Bytes of the file at `path`; None when there is none."""
        info = self.fs.get_file_info(path)
        return info.size if info.type == _pafs().FileType.File else None

    def newest_mtime(self, path: str) -> float | None:
        """The latest modification time of anything under `path` (seconds since the epoch)."""
        selector = _pafs().FileSelector(path, allow_not_found=True, recursive=True)
        times = [info.mtime.timestamp() for info in self.fs.get_file_info(selector) if info.mtime is not None]
        return max(times, default=None)

    # reading
    def open_input(self, path: str):
        """A seekable binary file (ranged reads on S3)."""
        return self.fs.open_input_file(path)

    def read_bytes(self, path: str) -> bytes:
        with self.fs.open_input_stream(path, compression=None) as stream:
            return stream.read()

    def read_text(self, path: str) -> str:
        return self.read_bytes(path).decode("utf-8")

    # writing: whole files, atomically
    @contextmanager
    def spool(self, path: str) -> Iterator[Path]:
        """A local file to write `path`'s content into; on leaving the block it becomes `path`.
        Nothing appears at `path` if the block raises."""
        with warehouse_errors(f"write {self.uri(path)}"):
            if self.remote:
                directory = tempfile.mkdtemp(prefix="broadsheet-spool-")
                local = Path(directory) / Path(path).name
            else:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                directory = None
                local = Path(path).with_name(f".{Path(path).name}.{os.getpid()}.tmp")
        try:
            with warehouse_errors(f"write {self.uri(path)}"):
                yield local
                self.put(local, path)
        finally:
            if directory:
                shutil.rmtree(directory, ignore_errors=True)
            else:
                local.unlink(missing_ok=True)

    def put(self, local: Path, path: str) -> None:
        """Make the local file `local` the content of `path` (moved on local disk, uploaded on S3)."""
        if self.remote:
            with open(local, "rb") as source, self.fs.open_output_stream(path, compression=None) as target:
                shutil.copyfileobj(source, target, 8 * 1024 * 1024)
            return
        with open(local, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(local, path)

    def put_copy(self, local: Path, path: str) -> None:
        """Copy a local file (which stays) into the warehouse."""
        with self.spool(path) as spooled:
            shutil.copyfile(local, spooled)

    @contextmanager
    def open_output(self, path: str) -> Iterator[BinaryIO]:
        with self.spool(path) as local, open(local, "wb") as stream:
            yield stream

    def write_bytes(self, path: str, data: bytes) -> None:
        with self.open_output(path) as stream:
            stream.write(data)

    def write_text(self, path: str, text: str) -> None:
        self.write_bytes(path, text.encode("utf-8"))

    # removing
    def delete(self, path: str) -> None:
        """Remove a file or a whole folder; nothing to remove is fine."""
        info = self.fs.get_file_info(path)
        if info.type == _pafs().FileType.Directory:
            self.fs.delete_dir(path)
        elif info.type == _pafs().FileType.File:
            self.fs.delete_file(path)


@lru_cache(maxsize=32)
def _storage(location: str) -> Storage:
    return Storage(location)


def open_uri(uri: str):
    """A seekable binary file for a URI that may lie outside the warehouse (a source's WARC file)."""
    fs, path = filesystem_for(uri)
    return fs.open_input_file(path)


def text_lines(stream) -> io.TextIOWrapper:
    return io.TextIOWrapper(stream, encoding="utf-8")
