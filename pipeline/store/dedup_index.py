"""The dedup lookup index: every stored content hash and LSH band key, as int64 keys sorted within
each night, so that a night's lookups read one narrow integer column instead of the tables.

    WAREHOUSE/_index/content_keys   key, content_hash, article_id   (partitioned by ingest_date)
    WAREHOUSE/_index/band_keys      key, article_id                 (partitioned by ingest_date)
    WAREHOUSE/_index/indexed.json   per indexed date, the fingerprint of the table files it was made from

Why this layout and not buckets by hash prefix: the keys are hashes, uniform over their range, and a
night asks for ~33 keys per article (32 bands and the content hash). A 20,000-article night asks
for 660,000 keys: they fall in every bucket of any bucketing coarse enough to be worth a Parquet file
(and in every row group of a key-sorted file), so prefix partitioning would prune nothing and only
multiply small files. So a lookup does read every stored key; what it must not do is read more
than that per stored article. Before, a lookup unnested every stored `bands` list and read every
stored 512-byte `minhash` to join the matches back (and opened every table of the warehouse). Here
it hash-joins the night's keys against the index (an int64 key and an article id per stored key,
no list to unnest), and reads signatures only for the matched articles, only from the partitions
they are in.

The index is derived data, kept beside the tables rather than published with them: before a lookup,
`refresh` (re)indexes every published date whose files changed since it was indexed (a night
published since, a rerun, a compaction: one night's rows each) and drops dates no longer published.
So an existing warehouse needs no migration step: its first night after this change backfills the
index once, date by date (each date recorded as it is done, so an interrupted backfill resumes). A
crash between a publish and the index costs nothing either: the next lookup sees the date as stale.
The caller holds the warehouse lock (the night does), so no two writers refresh at once.
"""
from __future__ import annotations

import hashlib
import json
import logging
from datetime import date

import pyarrow as pa

from pipeline.store.delta import PARTITION, open_table
from pipeline.store.storage import Storage, delta_storage_options

log = logging.getLogger("broadsheet.dedup")

INDEX = "_index"
CONTENT_KEYS, BAND_KEYS = "content_keys", "band_keys"
INDEXED = "indexed.json"
# The tables an index date is made from: a change to either's files for that date makes it stale.
SOURCES = ("articles", "article_signatures")
# As the tables' (delta.ROW_GROUP_ROWS); sorted by key, each row group's min/max covers a slice of
# the key range, which lets DuckDB's join filter (the night's min and max key) skip the rest.
ROW_GROUP_ROWS = 64 * 1024


def content_keys(digests) -> pa.Array:
    """The first 64 bits of each content hash (hex), as signed int64: what the index sorts and joins
    on. Two hashes may share them (2^-64 a pair), so a lookup also compares the whole hash."""
    import numpy as np
    digests = list(digests)
    packed = bytes.fromhex("".join(d[:16] for d in digests))
    return pa.array(np.frombuffer(packed, dtype=">i8").astype(np.int64), pa.int64())


def index_table(name: str) -> str:
    """The index table's name as `open_table` and `relation` take it."""
    return f"{INDEX}/{name}"


def index_uri(storage: Storage, name: str) -> str:
    return storage.uri(storage.path(INDEX, name))


def _fingerprints(storage: Storage) -> dict[str, str]:
    """date -> a digest of the data files the two source tables hold for it now."""
    paths: dict[str, list[str]] = {}
    for table in SOURCES:
        found = open_table(storage, table)
        if found is None:
            continue
        actions = pa.table(found.get_add_actions(flatten=True))
        column = f"partition.{PARTITION}"
        for path, day in zip(actions.column("path").to_pylist(), actions.column(column).to_pylist()):
            paths.setdefault(str(day), []).append(f"{table}/{path}")
    return {day: hashlib.sha256("\n".join(sorted(files)).encode()).hexdigest() for day, files in paths.items()}


def _read_indexed(storage: Storage) -> dict[str, str]:
    path = storage.path(INDEX, INDEXED)
    return json.loads(storage.read_text(path)) if storage.exists(path) else {}


def _write_indexed(storage: Storage, indexed: dict[str, str]) -> None:
    storage.write_text(storage.path(INDEX, INDEXED), json.dumps(indexed, sort_keys=True, indent=0))


def relation(con, storage: Storage, table: str, days: list[str] | None = None, name: str = "t") -> bool:
    """Register view `name` over a Delta table (`table` may be an index: `_index/band_keys`), only
    the partitions of `days` when given; False when the table or those partitions hold no file."""
    found = open_table(storage, table)
    if found is None:
        return False
    filters = [(PARTITION, "in", days)] if days is not None else None
    if storage.remote:   # DuckDB's httpfs may not be installed: delta-rs reads object storage
        con.register(name, found.to_pyarrow_dataset(file_pruning_predicate=filters))
        return True
    files = found.file_uris(file_pruning_predicate=filters) if days is None or days else []
    if not files:
        return False
    listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet([{listed}], hive_partitioning = true, "
                f"hive_types = {{'{PARTITION}': DATE}}, union_by_name = true)")
    return True


def connection():
    import duckdb

    from pipeline.store.catalog import NO_DOWNLOADS
    return duckdb.connect(":memory:", config=NO_DOWNLOADS)


def _date_rows(storage: Storage, day: str) -> tuple[pa.Table, pa.Table]:
    """The index rows of one published date, each sorted by key."""
    the_day = date.fromisoformat(day)
    with connection() as con:
        if relation(con, storage, "articles", [day]):
            stored = con.sql("SELECT content_hash, article_id FROM t").to_arrow_table()
            content = pa.table({"key": content_keys(stored.column("content_hash").to_pylist()),
                                "content_hash": stored.column("content_hash"), "article_id": stored.column("article_id")})
            content = content.sort_by([("key", "ascending"), ("article_id", "ascending")])
        else:
            content = pa.table({"key": pa.array([], pa.int64()), "content_hash": pa.array([], pa.string()),
                                "article_id": pa.array([], pa.string())})
        if relation(con, storage, "article_signatures", [day]):
            bands = con.sql("SELECT DISTINCT unnest(bands) AS key, article_id FROM t "
                                "ORDER BY key, article_id").to_arrow_table()
        else:
            bands = pa.table({"key": pa.array([], pa.int64()), "article_id": pa.array([], pa.string())})
    content = content.cast(pa.schema([("key", pa.int64()), ("content_hash", pa.string()), ("article_id", pa.string())]))
    bands = bands.cast(pa.schema([("key", pa.int64()), ("article_id", pa.string())]))
    return (content.append_column(PARTITION, pa.array([the_day] * content.num_rows, pa.date32())),
            bands.append_column(PARTITION, pa.array([the_day] * bands.num_rows, pa.date32())))


def _replace_date(storage: Storage, name: str, day: str, rows: pa.Table) -> None:
    from deltalake import WriterProperties, write_deltalake
    write_deltalake(index_uri(storage, name), rows, partition_by=[PARTITION], mode="overwrite",
                    predicate=f"{PARTITION} = '{day}'", storage_options=delta_storage_options(),
                    writer_properties=WriterProperties(compression="ZSTD", max_row_group_size=ROW_GROUP_ROWS))


def _drop_date(storage: Storage, name: str, day: str) -> None:
    found = open_table(storage, index_table(name))
    if found is not None:
        found.delete(f"{PARTITION} = '{day}'")


def refresh(storage, skip: date | None = None) -> int:
    """Bring the index up to the published tables (see the module's doc); `skip`: a date not to
    index now (tonight's: it is excluded from tonight's lookups anyway). Returns the dates indexed."""
    storage = Storage.of(storage)
    current = _fingerprints(storage)
    indexed = _read_indexed(storage)
    skipped = str(skip) if skip else None   # a date or its ISO text
    stale = sorted(d for d, fingerprint in current.items() if d != skipped and indexed.get(d) != fingerprint)
    for day in sorted(set(indexed) - set(current)):
        for name in (CONTENT_KEYS, BAND_KEYS):
            _drop_date(storage, name, day)
        del indexed[day]
        _write_indexed(storage, indexed)
    if len(stale) > 1:
        log.info("dedup index: indexing %d published date(s)", len(stale))
    for day in stale:
        content, bands = _date_rows(storage, day)
        _replace_date(storage, CONTENT_KEYS, day, content)
        _replace_date(storage, BAND_KEYS, day, bands)
        indexed[day] = current[day]
        _write_indexed(storage, indexed)   # after each date: an interrupted backfill resumes
    return len(stale)


