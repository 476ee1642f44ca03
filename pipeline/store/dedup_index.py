"""The dedup lookup index: every stored content hash and LSH band key as int64, in a few sorted
runs, so that a night's lookups cost binary searches for its own keys, not a scan of the warehouse.

    WAREHOUSE/_index/runs.json         the runs, and per run the dates it holds with the fingerprint
                                       of the table files each date was indexed from
    WAREHOUSE/_index/<run>/*.npy       band_keys, band_refs, content_keys, content_refs (sorted by
                                       key; a ref is a row of the run's articles), and the articles:
                                       article_ids, days, content_hashes

Why sorted runs searched by bisection, and not a table partitioned by a hash prefix: the keys are
hashes, uniform over their range, and a night asks for ~33 per article. A 20,000-article night asks
for 660,000 keys; against a million stored articles (33 million keys) they fall in every bucket and
every row group of any Parquet layout (one wanted key per ~50 stored ones), so partition pruning or
min/max statistics would skip nothing, and a join reads every stored key: the old lookup (and a
Delta index tried first) grew from 0.1 s to 2.4 s over 50 nights. A binary search touches only the
entries on its path: `numpy.searchsorted` of the night's keys in a memory-mapped run of 32 million
costs ~0.25 s, O(K log N) for K keys tonight. Runs are merged like a binary counter (two of equal
size become one), so there are at most ~log2(nights) of them, and each stored key is rewritten
O(log) times in all: a night's index work is its own keys plus, amortised, a log factor. A run stops
growing at MAX_RUN_KEYS so that a merge's memory stays bounded however large the warehouse.

The index is derived data, kept beside the tables rather than published with them: before a lookup,
`refresh` indexes every published date not yet in a run (last night's, normally) and rebuilds any
run holding a date whose files have changed since (a rerun, a compaction) or that is no longer
published. So an existing warehouse needs no migration step: its first night after this change
indexes all its dates once. A crash part-way costs nothing: runs.json is replaced only once a run's
files are complete, and a date not in it is indexed by the next lookup. The caller holds the
warehouse lock (the night does), so no two writers refresh at once. On object storage a run is read
whole (no memory map); on local disk only the pages the searches touch are read.
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from pipeline.store.delta import PARTITION, open_table
from pipeline.store.storage import Storage

log = logging.getLogger("broadsheet.dedup")

INDEX = "_index"
RUNS = "runs.json"
# The tables an index date is made from: a change to either's files for that date makes it stale.
SOURCES = ("articles", "article_signatures")
# A merge holds both runs in memory (~24 bytes a key): at this size, well under a gigabyte.
MAX_RUN_KEYS = 1 << 25
DATES_PER_BUILD = 8
ARRAYS = ("band_keys", "band_refs", "content_keys", "content_refs", "article_ids", "days", "content_hashes")
EPOCH = date(1970, 1, 1)


def content_keys(digests) -> np.ndarray:
    """The first 64 bits of each content hash (hex), as signed int64: what the index sorts and
    searches. Two hashes may share them (2^-64 a pair), so a lookup also compares the whole hash."""
    packed = bytes.fromhex("".join(d[:16] for d in digests))
    return np.frombuffer(packed, dtype=">i8").astype(np.int64)


@dataclass
class Run:
    """One sorted run: its arrays, memory-mapped on local disk."""
    band_keys: np.ndarray
    band_refs: np.ndarray
    content_keys: np.ndarray
    content_refs: np.ndarray
    article_ids: np.ndarray       # fixed-width UTF-8 bytes
    days: np.ndarray              # int32 days since 1970-01-01
    content_hashes: np.ndarray    # fixed-width ASCII bytes

    def matches(self, keys: np.ndarray, refs: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position in `wanted`, article row) for every stored key equal to one of `wanted` (sorted)."""
        low = np.searchsorted(keys, wanted, "left")
        high = np.searchsorted(keys, wanted, "right")
        found = np.flatnonzero(high > low)
        if not len(found):
            return found, found
        counts = high[found] - low[found]
        which = np.repeat(found, counts)
        starts = np.repeat(low[found], counts)
        offsets = np.arange(len(which)) - np.repeat(np.cumsum(counts) - counts, counts)
        return which, np.asarray(refs[starts + offsets])


def day_number(day) -> int:
    """A date (or its ISO text) as the index stores it: days since 1970-01-01."""
    return (date.fromisoformat(str(day)) - EPOCH).days


def day_of(number: int) -> date:
    return EPOCH + timedelta(days=int(number))


def _fingerprints(storage: Storage) -> dict[str, str]:
    """date -> a digest of the data files the two source tables hold for it now."""
    import pyarrow as pa
    paths: dict[str, list[str]] = {}
    for table in SOURCES:
        found = open_table(storage, table)
        if found is None:
            continue
        actions = pa.table(found.get_add_actions(flatten=True))
        for path, day in zip(actions.column("path").to_pylist(), actions.column(f"partition.{PARTITION}").to_pylist()):
            paths.setdefault(str(day), []).append(f"{table}/{path}")
    return {day: hashlib.sha256("\n".join(sorted(files)).encode()).hexdigest() for day, files in paths.items()}


def _read_runs(storage: Storage) -> list[dict]:
    path = storage.path(INDEX, RUNS)
    return json.loads(storage.read_text(path))["runs"] if storage.exists(path) else []


def _write_runs(storage: Storage, runs: list[dict]) -> None:
    storage.write_text(storage.path(INDEX, RUNS), json.dumps({"runs": runs}, sort_keys=True))


def load_run(storage: Storage, name: str) -> Run:
    arrays = {}
    for array in ARRAYS:
        path = storage.path(INDEX, name, f"{array}.npy")
        arrays[array] = (np.load(io.BytesIO(storage.read_bytes(path))) if storage.remote
                         else np.load(path, mmap_mode="r"))
    return Run(**arrays)


def runs(storage: Storage) -> list[Run]:
    """The index's runs as they are now (call `refresh` first to bring them up to the tables)."""
    return [load_run(storage, entry["name"]) for entry in _read_runs(storage)]


def relation(con, storage: Storage, table: str, days: list[str], name: str = "t") -> bool:
    """Register view `name` over the partitions `days` of a Delta table; False when they hold no file."""
    found = open_table(storage, table)
    if found is None or not days:
        return False
    filters = [(PARTITION, "in", days)]
    if storage.remote:   # DuckDB's httpfs may not be installed: delta-rs reads object storage
        con.register(name, found.to_pyarrow_dataset(file_pruning_predicate=filters))
        return True
    files = found.file_uris(file_pruning_predicate=filters)
    if not files:
        return False
    from pipeline.store.catalog import snapshot_sql
    con.execute(f"CREATE OR REPLACE VIEW {name} AS {snapshot_sql(found, files)}")
    return True


def _sorted(keys: np.ndarray, refs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """By key, equal keys in the order given (stable: on two sorted runs back to back, a merge)."""
    order = np.argsort(keys, kind="stable")
    return np.ascontiguousarray(keys[order]), np.ascontiguousarray(refs[order])


def _build(storage: Storage, days: list[str]) -> dict[str, np.ndarray]:
    """The arrays of a run holding the published `days` (the numbering and the join done by DuckDB)."""
    from pipeline.store.catalog import memory_connection
    with memory_connection() as con:
        if relation(con, storage, "articles", days):
            con.execute("CREATE TEMP TABLE a AS SELECT article_id, content_hash, "
                        "(ingest_date - DATE '1970-01-01')::INTEGER AS day, "
                        "(row_number() OVER (ORDER BY ingest_date, article_id) - 1)::INTEGER AS ref FROM t")
        else:
            con.execute("CREATE TEMP TABLE a (article_id VARCHAR, content_hash VARCHAR, day INTEGER, ref INTEGER)")
        articles = con.sql("SELECT article_id, content_hash, day FROM a ORDER BY ref").fetchnumpy()
        if relation(con, storage, "article_signatures", days, name="s"):
            bands = con.sql("SELECT DISTINCT b.key, a.ref FROM (SELECT article_id, "
                            "(ingest_date - DATE '1970-01-01')::INTEGER AS day, unnest(bands) AS key FROM s) b "
                            "JOIN a ON a.article_id = b.article_id AND a.day = b.day ORDER BY a.ref, b.key").fetchnumpy()
        else:
            bands = {"key": np.array([], np.int64), "ref": np.array([], np.int32)}
    ids = [str(a).encode() for a in articles["article_id"]]
    hashes = [str(h) for h in articles["content_hash"]]
    band_keys, band_refs = _sorted(np.asarray(bands["key"], np.int64), np.asarray(bands["ref"], np.int32))
    keys, refs = _sorted(content_keys(hashes), np.arange(len(hashes), dtype=np.int32))
    return {"band_keys": band_keys, "band_refs": band_refs, "content_keys": keys, "content_refs": refs,
            "article_ids": np.array(ids, dtype="S") if ids else np.array([], "S16"),
            "days": np.asarray(articles["day"], np.int32),
            "content_hashes": np.array([h.encode() for h in hashes], dtype="S") if hashes else np.array([], "S64")}


def _merge(older: Run, newer: Run) -> dict[str, np.ndarray]:
    """One run of two: the newer's article rows follow the older's, so both stay sorted by (key, ref)."""
    offset = len(older.article_ids)

    def both(name: str, shift: bool = False) -> np.ndarray:
        first, second = np.asarray(getattr(older, name)), np.asarray(getattr(newer, name))
        if first.dtype.kind == "S":
            width = max(first.dtype.itemsize, second.dtype.itemsize)
            first, second = first.astype(f"S{width}"), second.astype(f"S{width}")
        return np.concatenate([first, second + offset if shift else second])
    band_keys, band_refs = _sorted(both("band_keys"), both("band_refs", shift=True).astype(np.int32))
    keys, refs = _sorted(both("content_keys"), both("content_refs", shift=True).astype(np.int32))
    return {"band_keys": band_keys, "band_refs": band_refs, "content_keys": keys, "content_refs": refs,
            "article_ids": both("article_ids"), "days": both("days").astype(np.int32),
            "content_hashes": both("content_hashes")}


def _save(storage: Storage, arrays: dict[str, np.ndarray], dates: dict[str, str]) -> dict:
    name = f"run-{uuid.uuid4().hex[:12]}"
    for array, values in arrays.items():
        buffer = io.BytesIO()
        np.save(buffer, values, allow_pickle=False)
        storage.write_bytes(storage.path(INDEX, name, f"{array}.npy"), buffer.getvalue())
    return {"name": name, "dates": dates, "keys": int(len(arrays["band_keys"]) + len(arrays["content_keys"]))}


def _remove_unlisted(storage: Storage, listed: list[dict]) -> None:
    keep = {entry["name"] for entry in listed}
    for name in storage.list(storage.path(INDEX)):
        if name.startswith("run-") and name not in keep:
            storage.delete(storage.path(INDEX, name))


def refresh(storage, skip: date | None = None) -> int:
    """Bring the index up to the published tables (see the module's doc). `skip`: a date not to
    index now (tonight's: tonight's lookups leave it out anyway). Returns how many dates it indexed."""
    storage = Storage.of(storage)
    current = _fingerprints(storage)
    listed = _read_runs(storage)
    kept = [entry for entry in listed if all(current.get(d) == f for d, f in entry["dates"].items())]
    covered = {d for entry in kept for d in entry["dates"]}
    skipped = str(skip) if skip else None
    todo = sorted(d for d in current if d not in covered and d != skipped)
    if not todo and len(kept) == len(listed):
        return 0
    if len(todo) > 1:
        log.info("dedup index: indexing %d published date(s)", len(todo))
    for first in range(0, max(len(todo), 1), DATES_PER_BUILD):   # a backfill, a few dates at a time
        chunk = todo[first:first + DATES_PER_BUILD]
        if chunk:
            kept.append(_save(storage, _build(storage, chunk), {d: current[d] for d in chunk}))
        _merge_runs(storage, kept)
        _write_runs(storage, kept)
    _remove_unlisted(storage, kept)
    return len(todo)


def _merge_runs(storage: Storage, kept: list[dict]) -> None:
    """A binary counter: the newest two runs merge while the older is not much bigger than the
    newer (1.5: nights vary in size), up to MAX_RUN_KEYS."""
    while (len(kept) > 1 and kept[-2]["keys"] <= 1.5 * kept[-1]["keys"]
           and kept[-2]["keys"] + kept[-1]["keys"] <= MAX_RUN_KEYS):
        newer, older = kept.pop(), kept.pop()
        merged = _merge(load_run(storage, older["name"]), load_run(storage, newer["name"]))
        kept.append(_save(storage, merged, {**older["dates"], **newer["dates"]}))
