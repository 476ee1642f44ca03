"""Columns that validation adds to the staged rows so that Great Expectations can judge what a
plain column cannot say: an article's body length, boilerplate left in it, how far its date is
from the night, whether it has entities; whether an entity or quote row joins an article and
whether the article's text at its offsets is the row's text.

They are computed shard by shard (a shard's entities and quotes belong to that shard's articles),
so only one shard's article texts are ever held, and they are never published: the writer keeps
the table's own columns only.
"""
from __future__ import annotations

from datetime import date
from typing import Callable

import pyarrow as pa

from pipeline.clean.cleaner import classify_lines
from pipeline.store.parquet import read_column

# name -> what it says; the suites may name these columns besides the table's own
DERIVED_COLUMNS: dict[str, dict[str, str]] = {
    "articles": {
        "body_chars": "length of the body in characters",
        "boilerplate_lines": "lines of the body the cleaner's rules would still remove",
        "published_age_days": "ingest date minus published_at, in days (negative: dated in the future)",
        "has_title": "1 when the article has a title, else 0",
        "has_date": "1 when the article has published_at, else 0",
        "has_authors": "1 when the article names at least one author, else 0",
        "has_entities": "1 when the enrichment found at least one entity in it, else 0",
    },
    "entities": {
        "article_known": "the row's article_id is an article of the night",
        "span_in_article": "0 <= start_char < end_char <= length of the article's text",
        "span_matches_text": "the article's text at [start_char, end_char) is the mention",
    },
    "quotes": {
        "article_known": "the row's article_id is an article of the night",
        "span_in_article": "0 <= start_char < end_char <= length of the article's text",
        "span_matches_text": "the article's text at [start_char, end_char) is the quote",
    },
}

Derive = Callable[[int, pa.RecordBatch], pa.RecordBatch]


def boilerplate_lines(text: str | None, title: str | None) -> int:
    """How many lines of an already-cleaned body the cleaner would remove again (its rules are
    the patterns of known boilerplate; a clean body gives 0)."""
    if not text:
        return 0
    return sum(rule is not None for _line, rule in classify_lines(text, title))


def _flag(values) -> pa.Array:
    return pa.array([1 if v else 0 for v in values], pa.int8())


def article_columns(storage, ingest_date: date, entity_files: list[str]) -> Derive:
    """Adds the articles' derived columns; `entity_files[i]` holds the entities of the i-th file read."""
    def derive(file_index: int, batch: pa.RecordBatch) -> pa.RecordBatch:
        path = entity_files[file_index] if 0 <= file_index < len(entity_files) else None
        with_entities = set(read_column(storage, path, "article_id")) if path and storage.exists(path) else set()
        texts, titles = batch.column("text").to_pylist(), batch.column("title").to_pylist()
        published = batch.column("published_at").to_pylist()
        authors = batch.column("authors").to_pylist()
        extra = {
            "body_chars": pa.array([len(t or "") for t in texts], pa.int64()),
            "boilerplate_lines": pa.array([boilerplate_lines(t, h) for t, h in zip(texts, titles)], pa.int64()),
            "published_age_days": pa.array([(ingest_date - p.date()).days if p else None for p in published],
                                           pa.int64()),
            "has_title": _flag(bool(t and t.strip()) for t in titles),
            "has_date": _flag(p is not None for p in published),
            "has_authors": _flag(bool(a) for a in authors),
            "has_entities": _flag(a in with_entities for a in batch.column("article_id").to_pylist()),
        }
        return _append(batch, extra)
    return derive


def span_columns(storage, article_files: list[str], known: set[str] | dict, text_column: str) -> Derive:
    """Adds the join and offset checks of entity/quote rows; `article_files[i]` holds the articles
    of the i-th file read (the same shard), `known` every article id of the night."""
    cache: dict[int, dict[str, str]] = {}

    def texts_of(file_index: int) -> dict[str, str]:
        if file_index not in cache:
            cache.clear()   # one shard's texts at a time
            path = article_files[file_index] if 0 <= file_index < len(article_files) else None
            cache[file_index] = dict(zip(read_column(storage, path, "article_id"), read_column(storage, path, "text"))) \
                if path and storage.exists(path) else {}
        return cache[file_index]

    def derive(file_index: int, batch: pa.RecordBatch) -> pa.RecordBatch:
        texts = texts_of(file_index)
        ids = batch.column("article_id").to_pylist()
        starts, ends = batch.column("start_char").to_pylist(), batch.column("end_char").to_pylist()
        shown = batch.column(text_column).to_pylist()
        inside, matches = [], []
        for article_id, start, end, value in zip(ids, starts, ends, shown):
            text = texts.get(article_id)
            ok = text is not None and start is not None and end is not None and 0 <= start < end <= len(text)
            inside.append(ok)
            matches.append(ok and text[start:end] == value)
        extra = {"article_known": pa.array([a in known for a in ids], pa.bool_()),
                 "span_in_article": pa.array(inside, pa.bool_()),
                 "span_matches_text": pa.array(matches, pa.bool_())}
        return _append(batch, extra)
    return derive


def _append(batch: pa.RecordBatch, extra: dict[str, pa.Array]) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays([*batch.columns, *extra.values()],
                                      names=[*batch.schema.names, *extra.keys()])

