"""The dedup lookup index (pipeline/store/dedup_index.py): built from the published tables, kept up
to them date by date, and answering exactly what a scan of the tables answers."""
from __future__ import annotations

import json
import shutil
from datetime import date

import numpy as np
import pytest

from pipeline.config import files_config
from pipeline.run import run_all
from pipeline.stages.dedup import earlier_copies, earlier_signatures
from pipeline.store.catalog import connect
from pipeline.store.dedup_index import INDEX, RUNS, refresh, runs
from pipeline.store.delta import open_table
from pipeline.store.storage import Storage

FIRST, SECOND, TONIGHT = date(2026, 11, 10), date(2026, 11, 11), date(2026, 11, 12)

HARBOUR = ("Harbour wall repairs finish early\n\nRepairs to the harbour wall at Penmarrow finished two weeks "
           "early on Monday, after contractors worked through the calm spell, the harbour master Ruth Cole "
           "said. The wall was breached in the February storms and the fishing fleet moored in the outer "
           "basin for most of the spring while the work went on.\n")
LIBRARY = ("Library extends its opening hours\n\nThe town library will open on Sunday afternoons from next "
           "month, the county council said, after a consultation in which most of the replies asked for "
           "weekend hours. Volunteers from the friends of the library will staff the desk.\n")
FERRY = ("Ferry timetable changes for the winter\n\nThe island ferry will run four crossings a day instead of "
         "six from the first of November, the operator said, with an extra sailing on Friday evenings for "
         "pupils coming home from the mainland school.\n")


def night(tmp_path, wh, day, texts: dict[str, str]):
    folder = tmp_path / f"in-{day}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    return run_all(files_config([str(folder)]), wh, day)


def scanned_copies(wh, day, hashes):
    """What earlier_copies answered before the index: a scan of `articles`."""
    with connect(wh) as con:
        rows = con.execute("SELECT content_hash, min(article_id), min(ingest_date) FROM articles "
                           "WHERE ingest_date <> ? AND list_contains(?, content_hash) GROUP BY 1",
                           [day, hashes]).fetchall()
    return {h: (aid, str(d)) for h, aid, d in rows}


def scanned_signatures(wh, day, keys):
    """What earlier_signatures answered before the index: every stored band list unnested."""
    with connect(wh) as con:
        return con.execute(
            "SELECT s.article_id, s.cluster_id, s.minhash FROM article_signatures s WHERE s.ingest_date <> ? "
            "AND len(list_intersect(s.bands, ?)) > 0 ORDER BY s.ingest_date, s.article_id",
            [day, [int(k) for k in keys]]).fetchall()


def stored(wh):
    with connect(wh) as con:
        hashes = [r[0] for r in con.execute("SELECT content_hash FROM articles ORDER BY 1").fetchall()]
        keys = np.array(sorted({k for r in con.execute("SELECT bands FROM article_signatures").fetchall()
                                for k in r[0]}), dtype=np.int64)
    return hashes, keys


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("dedup-index")
    wh = tmp_path / "wh"
    assert night(tmp_path, wh, FIRST, {"harbour.txt": HARBOUR})["articles"] == 1
    assert night(tmp_path, wh, SECOND, {"library.txt": LIBRARY,
                                        "harbour-update.txt": HARBOUR.replace("two weeks", "ten days")})["articles"] == 2
    return tmp_path, wh


def indexed_dates(wh):
    return sorted(d for entry in json.loads((wh / INDEX / RUNS).read_text())["runs"] for d in entry["dates"])


def index_counts(wh):
    """(articles per date, band keys per date) over all runs."""
    from collections import Counter
    articles, bands = Counter(), Counter()
    for run in runs(Storage.of(wh)):
        articles.update(str(date.fromordinal(date(1970, 1, 1).toordinal() + int(d))) for d in run.days)
        bands.update(str(date.fromordinal(date(1970, 1, 1).toordinal() + int(run.days[r]))) for r in run.band_refs)
    return dict(articles), dict(bands)


def test_a_warehouse_from_before_the_index_is_indexed_once_date_by_date(warehouse):
    _tmp, wh = warehouse
    shutil.rmtree(wh / INDEX, ignore_errors=True)   # as a warehouse written before the index was
    assert refresh(wh) == 2
    assert len(runs(Storage.of(wh))) == 1, "two dates of similar size: merged into one run"
    assert refresh(wh) == 0, "nothing changed since: nothing to index"
    assert indexed_dates(wh) == [str(FIRST), str(SECOND)]
    articles, band_counts = index_counts(wh)
    assert articles == {str(FIRST): 1, str(SECOND): 2}
    with connect(wh) as con:
        bands = con.execute("SELECT ingest_date, count(DISTINCT (article_id, b)) FROM "
                            "(SELECT ingest_date, article_id, unnest(bands) b FROM article_signatures) "
                            "GROUP BY 1 ORDER BY 1").fetchall()
    assert band_counts == {str(day): n for day, n in bands}


def test_lookups_through_the_index_answer_what_the_table_scans_did(warehouse):
    _tmp, wh = warehouse
    refresh(wh)   # the lookups read the index as it is: the night's dedup refreshes it first
    hashes, keys = stored(wh)
    for day in (FIRST, SECOND, TONIGHT):
        assert earlier_copies(wh, day, hashes) == scanned_copies(wh, day, hashes)
        found = earlier_signatures(wh, day, keys)
        assert found == scanned_signatures(wh, day, keys)
    assert len(earlier_signatures(wh, TONIGHT, keys)) == 3, "every stored signature matches its own keys"
    assert earlier_copies(wh, TONIGHT, [h[::-1] for h in hashes]) == {}
    assert earlier_signatures(wh, TONIGHT, keys + 1) == scanned_signatures(wh, TONIGHT, keys + 1)


def test_a_rerun_date_is_indexed_again_and_a_removed_one_dropped(warehouse):
    tmp_path, wh = warehouse
    refresh(wh)
    assert night(tmp_path, wh, FIRST, {"library.txt": LIBRARY, "ferry.txt": FERRY})["articles"] == 1, \
        "the library story is stored on SECOND already"
    # the rerun replaced FIRST's partition: the run holding it is rebuilt at the next lookup (with
    # SECOND, which shares that run)
    assert refresh(wh, skip=TONIGHT) == 2
    assert index_counts(wh)[0] == {str(FIRST): 1, str(SECOND): 2}
    hashes, keys = stored(wh)
    assert earlier_copies(wh, TONIGHT, hashes) == scanned_copies(wh, TONIGHT, hashes)
    for table in ("articles", "article_signatures"):
        open_table(wh, table).delete(f"ingest_date = '{SECOND}'")
    refresh(wh)
    assert indexed_dates(wh) == [str(FIRST)]
    copies = earlier_copies(wh, TONIGHT, hashes)
    assert copies == scanned_copies(wh, TONIGHT, hashes) and {day for _aid, day in copies.values()} == {str(FIRST)}
    assert earlier_signatures(wh, TONIGHT, keys) == scanned_signatures(wh, TONIGHT, keys)
    assert len(earlier_signatures(wh, TONIGHT, keys)) == 1, "only the ferry story is left"


def test_a_night_brings_the_index_up_to_date_once_for_both_lookups(tmp_path, monkeypatch):
    import pipeline.store.dedup_index as dedup_index
    wh = tmp_path / "wh"
    assert night(tmp_path, wh, FIRST, {"harbour.txt": HARBOUR})["articles"] == 1
    calls = []
    real_refresh = dedup_index.refresh

    def counted(storage, skip=None):
        calls.append(skip)
        return real_refresh(storage, skip=skip)

    monkeypatch.setattr(dedup_index, "refresh", counted)
    summary = night(tmp_path, wh, SECOND, {"harbour-again.txt": HARBOUR, "ferry.txt": FERRY,
                                           "harbour-update.txt": HARBOUR.replace("two weeks", "ten days")})
    assert calls == [SECOND], "one refresh, leaving tonight's date out"
    assert summary["duplicates"] == 1 and summary["articles"] == 2, summary
    with connect(wh) as con:
        clusters = dict(con.execute("SELECT location, cluster_id FROM articles WHERE ingest_date = ?",
                                    [SECOND]).fetchall())
        first_id = con.execute("SELECT article_id FROM articles WHERE ingest_date = ?", [FIRST]).fetchone()[0]
    update = next(cluster for location, cluster in clusters.items() if location.endswith("harbour-update.txt"))
    assert update == first_id, "the update joins the stored story's cluster: the signature lookup ran"
