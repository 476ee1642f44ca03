"""Near-duplicate clustering: wire copy syndicated across outlets, lightly edited updates.

MinHash signatures of word 5-shingles, banded for locality-sensitive hashing (32 bands of 4 rows:
pairs above about 0.45 Jaccard become candidates), then confirmed when the estimated Jaccard
similarity reaches CLUSTER_THRESHOLD. Nothing is deleted: every article gets a `cluster_id`, the
article_id of the first copy seen, so analysts can count stories rather than copies. Signatures are
stored (table `article_signatures`) so that a copy arriving on a later night joins the cluster of
the copy already stored.
"""
from __future__ import annotations

import hashlib
import re
from typing import Iterable

import numpy as np
from datasketch import MinHash

NUM_PERM = 128
BANDS = 32
ROWS_PER_BAND = NUM_PERM // BANDS
SHINGLE_WORDS = 5
CLUSTER_THRESHOLD = 0.7
_WORD = re.compile(r"\w+")
# The scheme is pinned: stored signatures are only comparable with ones made the same way.
SCHEME = "affine32"
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME).permutations   # computed once


def shingles(text: str) -> set[bytes]:
    words = _WORD.findall(text.casefold())
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words).encode("utf-8")} if words else set()
    return {" ".join(words[i:i + SHINGLE_WORDS]).encode("utf-8") for i in range(len(words) - SHINGLE_WORDS + 1)}


def signature(text: str) -> np.ndarray:
    minhash = MinHash(num_perm=NUM_PERM, seed=1, permutations=_PERMUTATIONS, scheme=SCHEME)
    minhash.update_batch(list(shingles(text)))
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
