"""Dedup, once per night over all shards: exact copies become rejects, near-duplicates share a cluster.

Exact copies: the same normalised text (`content_hash`) as an article stored on any other date,
earlier or later (nights may be ingested out of order; a rerun of a date keeps that date's own
articles), or as an earlier article of tonight's batch, or the same article id twice tonight. They
are rejected (`duplicate: ...`) and counted, so a rerun or an overlapping feed stores nothing twice.

Near-duplicates: wire copy syndicated across outlets, lightly edited updates. MinHash signatures of word 5-shingles, banded for locality-sensitive hashing (32 bands of 4 rows:
pairs above about 0.45 Jaccard become candidates), then confirmed when the estimated Jaccard
similarity reaches CLUSTER_THRESHOLD. Nothing is deleted: every article gets a `cluster_id`, the
article_id of the first copy seen, so analysts can count stories rather than copies. Signatures are
stored (table `article_signatures`) so that a copy arriving on a later night joins the cluster of
the copy already stored.
"""
from __future__ import annotations

import hashlib
import logging
import re
from functools import lru_cache
from typing import Iterable

import numpy as np
import pyarrow as pa

from pipeline.articles import content_hash, reject_row
from pipeline.records import Reject
from pipeline.stages.context import Counts, RunContext, RunFailed
from pipeline.store.parquet import StagedTableWriter, read_articles, read_column, read_staged
from pipeline.store.storage import Storage

log = logging.getLogger("broadsheet.dedup")

NUM_PERM = 128
BANDS = 32
ROWS_PER_BAND = NUM_PERM // BANDS
SHINGLE_WORDS = 5
CLUSTER_THRESHOLD = 0.7
_WORD = re.compile(r"\w+")
# The scheme is pinned: stored signatures are only comparable with ones made the same way.
SCHEME = "affine32"


@lru_cache(maxsize=1)
def _minhash():
    """datasketch's MinHash and the permutations, computed once. Imported here, not at module
    import: datasketch pulls in scipy (over a second of CPU), and only the workers that sign
    articles need it, not the process that compares their signatures."""
    from datasketch import MinHash
    return MinHash, MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME).permutations


def shingles(text: str) -> set[bytes]:
    words = _WORD.findall(text.casefold())
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words).encode("utf-8")} if words else set()
    return {" ".join(words[i:i + SHINGLE_WORDS]).encode("utf-8") for i in range(len(words) - SHINGLE_WORDS + 1)}


# Only the first this many characters are signed: far past any ordinary article (whose signature is
# thus unchanged), while a 20 MB body costs no more than a long one. Shingles are hashed in batches
# (the minimum over batches is the minimum over all): each batch holds 128 hashes per shingle.
MAX_SIGNED_CHARS = 1_000_000
_SHINGLE_BATCH = 20_000


def signature(text: str) -> np.ndarray:
    minhash_class, permutations = _minhash()
    minhash = minhash_class(num_perm=NUM_PERM, seed=1, permutations=permutations, scheme=SCHEME)
    signed = list(shingles(text[:MAX_SIGNED_CHARS]))
    for at in range(0, len(signed), _SHINGLE_BATCH):
        minhash.update_batch(signed[at:at + _SHINGLE_BATCH])
    return minhash.hashvalues.astype(np.uint32)


def band_keys(sig: np.ndarray) -> list[int]:
    """One signed 64-bit key per band; equal keys in the same band make two texts candidates."""
    keys = []
    for band in range(BANDS):
        chunk = sig[band * ROWS_PER_BAND:(band + 1) * ROWS_PER_BAND].tobytes()
        digest = hashlib.blake2b(bytes([band]) + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return keys


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(a == b))


class ClusterIndex:
    """Assigns cluster ids to a stream of signatures, against earlier stored ones and each other."""

    def __init__(self, earlier: Iterable[tuple[str, str, bytes]] = ()):
        self._members: list[tuple[str, np.ndarray]] = []   # (cluster_id, signature)
        self._buckets: dict[int, list[int]] = {}
        for _article_id, cluster_id, raw in earlier:
            self._add(cluster_id, np.frombuffer(raw, dtype=np.uint32))

    def _add(self, cluster_id: str, sig: np.ndarray) -> None:
        position = len(self._members)
        self._members.append((cluster_id, sig))
        for key in band_keys(sig):
            self._buckets.setdefault(key, []).append(position)

    def assign(self, article_id: str, sig: np.ndarray) -> str:
        best, best_score = None, CLUSTER_THRESHOLD
        for position in {p for key in band_keys(sig) for p in self._buckets.get(key, ())}:
            cluster_id, other = self._members[position]
            score = similarity(sig, other)
            if score >= best_score and (best is None or score > best_score or cluster_id < best):
                best, best_score = cluster_id, score
        cluster_id = best or article_id
        self._add(cluster_id, sig)
        return cluster_id


def earlier_copies(storage, ingest_date, hashes: list[str]) -> dict[str, tuple[str, str]]:
    """content_hash -> (article_id, ingest_date) for hashes already published on another date (the
    smallest id and the earliest date of its copies), by binary search in the lookup index
    (pipeline/store/dedup_index.py) as the caller's `refresh` left it."""
    from pipeline.store.dedup_index import content_keys, day_number, day_of, runs
    if not hashes:
        return {}
    storage = Storage.of(storage)
    digests = np.array(sorted(set(hashes)), dtype=object)
    keys = content_keys(digests)
    order = np.argsort(keys, kind="stable")
    keys, digests = keys[order], digests[order]
    tonight, found = day_number(ingest_date), {}
    for run in runs(storage):
        which, rows = run.matches(run.content_keys, run.content_refs, keys)
        for position, row in zip(which.tolist(), rows.tolist()):
            digest, day = digests[position], int(run.days[row])
            if day == tonight or run.content_hashes[row].decode() != digest:
                continue
            article, earlier = run.article_ids[row].decode(), found.get(digest)
            found[digest] = (article, day) if earlier is None else (min(earlier[0], article), min(earlier[1], day))
    return {digest: (article, str(day_of(day))) for digest, (article, day) in found.items()}


def earlier_signatures(storage, ingest_date, keys: np.ndarray) -> list[tuple[str, str, bytes]]:
    """Stored signatures (other dates) sharing at least one LSH band key with this batch: the
    articles found by binary search in the lookup index (as the caller's `refresh` left it), then
    only their signatures read, from the partitions they are in."""
    from pipeline.store.catalog import memory_connection
    from pipeline.store.dedup_index import day_number, day_of, relation, runs
    if not len(keys):
        return []
    storage = Storage.of(storage)
    wanted = np.sort(np.asarray(keys, dtype=np.int64))   # searchsorted needs them sorted; repeats do no harm
    tonight, hits = day_number(ingest_date), set()
    for run in runs(storage):
        _which, rows = run.matches(run.band_keys, run.band_refs, wanted)
        for row in set(rows.tolist()):
            if int(run.days[row]) != tonight:
                hits.add((run.article_ids[row].decode(), day_of(run.days[row])))
    if not hits:
        return []
    days = sorted({str(day) for _article, day in hits})
    with memory_connection() as con:
        if not relation(con, storage, "article_signatures", days, name="signatures"):
            return []
        found = sorted(hits, key=lambda hit: (hit[1], hit[0]))
        con.register("hits", pa.table({"article_id": [a for a, _ in found], "ingest_date": pa.array([d for _, d in found], pa.date32())}))
        return con.execute(
            "SELECT s.article_id, s.cluster_id, s.minhash FROM signatures s "
            "JOIN hits h ON s.article_id = h.article_id AND s.ingest_date = h.ingest_date "
            "ORDER BY s.ingest_date, s.article_id").fetchall()


def _rows_with_signatures(staging, shard_id: str):
    """(article, signature row) pairs of a shard: extraction wrote both files row for row."""
    return zip(read_articles(staging.storage, staging.extracted(shard_id)),
               read_staged(staging.storage, staging.signatures(shard_id)), strict=True)


def run(ctx: RunContext, shard: str | None = None) -> Counts:
    """Dedup the whole night: shards are read in plan order, so the result does not depend on how
    the night was sharded or how many workers extracted it."""
    staging = ctx.staging
    if staging.done("dedup"):
        return staging.read_counts("dedup")
    shards = staging.shards()
    unfinished = [s.id for s in shards if not staging.done("extract", s.id)]
    if unfinished:
        raise RunFailed(f"dedup needs every shard extracted; not done: {', '.join(unfinished[:5])}"
                        + (f" and {len(unfinished) - 5} more" if len(unfinished) > 5 else ""))
    staging.forget_after("dedup")
    storage = staging.storage
    empty = content_hash("")
    hashes = sorted({digest for s in shards for digest in read_column(storage, staging.extracted(s.id), "content_hash")
                     if digest != empty})
    if hashes:   # the index brought up to the published tables once, for both lookups below
        from pipeline.store.dedup_index import refresh
        refresh(storage, skip=ctx.date)
    earlier = earlier_copies(storage, ctx.date, hashes)
    seen_hash: dict[str, str] = {}
    seen_id: set[str] = set()
    kept: dict[str, list[bool]] = {}
    keys: list[np.ndarray] = []
    counts = Counts()
    with StagedTableWriter(storage, staging.dedup_rejects, "rejects") as rejects:
        for each in shards:
            flags = kept[each.id] = []
            for article, sig in _rows_with_signatures(staging, each.id):
                digest, reason = article.content_hash, None
                if article.text and digest in earlier:
                    first_id, first_day = earlier[digest]
                    reason = f"duplicate: same content as article {first_id} stored on {first_day}"
                elif article.text and digest in seen_hash:
                    reason = f"duplicate: same content as {seen_hash[digest]} in this batch"
                elif article.article_id in seen_id:
                    reason = f"duplicate: article id {article.article_id} (same URL) already in this batch"
                flags.append(reason is None)
                if reason:
                    rejects.write(reject_row(Reject(article.source, article.location, "dedup", reason),
                                             ctx.run_id, ctx.date, article.article_id))
                    counts["duplicates"] += 1
                    continue
                seen_hash.setdefault(digest, article.location)
                seen_id.add(article.article_id)
                if article.text:
                    keys.append(np.asarray(sig["bands"], dtype=np.int64))
                counts["kept"] += 1

    wanted = np.unique(np.concatenate(keys)) if keys else np.array([], dtype=np.int64)
    index = ClusterIndex(earlier_signatures(storage, ctx.date, wanted))
    with StagedTableWriter(storage, staging.dedup_signatures, "article_signatures") as stored:
        for each in shards:
            with StagedTableWriter(storage, staging.deduped(each.id), "articles") as out:
                for keep, (article, sig) in zip(kept[each.id], _rows_with_signatures(staging, each.id), strict=True):
                    if not keep:
                        continue
                    if article.text:
                        minhash = np.frombuffer(sig["minhash"], dtype="<u4").astype(np.uint32)
                        article.cluster_id = index.assign(article.article_id, minhash)
                        counts["near_duplicates"] += article.cluster_id != article.article_id
                        stored.write({**sig, "cluster_id": article.cluster_id})
                    out.write(article)
    log.info("dedup: %s", counts.to_dict())
    return staging.write_counts("dedup", counts)
