"""Document budgets, on the worker's side: which document a worker is on, and since when.

A shard stage announces each document before it starts on it (`with on_document(...)`). The worker
writes that into a slot of memory it shares with the process that runs the pool
(`pipeline.workers`), which watches every slot from outside: a document over its time budget, or a
worker over its memory ceiling, is stopped by killing the worker — the only way to stop C code such
as lxml's parser — and the document is recorded as skipped, with the reason. The shard then runs
again, turning each skipped document into a reject instead of trying it again. Outside a pool
(a stage called directly, in tests or tools) nothing is watched and `on_document` costs nothing.
"""
from __future__ import annotations

import json
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

# Slot layout, one row of doubles per worker: pid, stage, shard, document, started (monotonic).
SLOT_FIELDS = 5
STAGES = {"extract": 1.0, "enrich": 2.0}
STAGE_NAMES = {code: name for name, code in STAGES.items()}

_slots = None          # the shared array, set in a pool worker by `attach`
_row = -1
_pipe = None           # or a pipe to the watching process, set in a lone worker by `attach_pipe`


@dataclass(frozen=True)
class Budgets:
    """Limits per document and per worker (config `budgets:`), so one document has one fate."""

    extract_seconds: float = 30.0      # reading, parsing, extracting and cleaning one document
    enrich_seconds: float = 60.0       # entities and quotes of one article
    worker_memory_mb: int = 2048       # resident memory of one worker process
    nlp_max_chars: int = 200_000       # longer texts are analysed on their first this many characters

    @classmethod
    def from_dict(cls, raw: dict | None) -> "Budgets":
        return cls(**(raw or {}))

    def seconds(self, stage: str) -> float:
        return self.extract_seconds if stage == "extract" else self.enrich_seconds


def shard_code(shard_id: str) -> float:
    """A number standing for a shard in the shared slots (the pool maps it back to the id)."""
    return float(zlib.crc32(shard_id.encode("utf-8")))


def attach(slots, row: int) -> None:
    global _slots, _row
    _slots, _row = slots, row
    import os
    slots[row * SLOT_FIELDS] = float(os.getpid())


def attach_pipe(fd: int) -> None:
    global _pipe
    _pipe = open(fd, "w", buffering=1, encoding="ascii")


def start_document(stage: str, shard_id: str, index: int) -> None:
    """This worker is on document `index` of a shard from now on."""
    if _slots is not None:
        base = _row * SLOT_FIELDS
        _slots[base + 1], _slots[base + 2], _slots[base + 3] = STAGES[stage], shard_code(shard_id), float(index)
        _slots[base + 4] = time.monotonic()
    elif _pipe is not None:
        _pipe.write(f"start {stage} {index}\n")


def end_document() -> None:
    if _slots is not None:
        _slots[_row * SLOT_FIELDS + 4] = 0.0      # not on a document any more (0 = idle)
    elif _pipe is not None:
        _pipe.write("end\n")


@contextmanager
def on_document(stage: str, shard_id: str, index: int) -> Iterator[None]:
    """Announce that this worker is on document `index` of a shard until the block ends."""
    start_document(stage, shard_id, index)
    try:
        yield
    finally:
        end_document()


def read_skips(storage, path: str) -> dict[int, str]:
    """Documents of a shard that must not be tried again: index -> the reason they were stopped."""
    if not storage.exists(path):
        return {}
    return {int(index): reason for index, reason in json.loads(storage.read_text(path)).items()}


def add_skip(storage, path: str, index: int, reason: str) -> None:
    skips = read_skips(storage, path)
    skips[index] = reason
    storage.write_text(path, json.dumps({str(k): v for k, v in sorted(skips.items())}))
