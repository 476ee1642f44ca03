"""Near-duplicate clustering with MinHash/LSH, alone and through the dedup stage across nights."""
from datetime import date

from pipeline.config import files_config
from pipeline.stages.dedup import BANDS, CLUSTER_THRESHOLD, ClusterIndex, band_keys, signature, similarity
from pipeline.run import run_all
from pipeline.store.catalog import connect

WIRE = ("Shipping through the Kessel Strait resumed on Thursday after a three-day closure caused by a "
        "grounded container ship, the regional port authority said. Tugboats freed the vessel at high "
        "tide on Wednesday night and divers found no damage to its hull. About forty ships had waited "
        "at anchor for the channel to reopen, and the authority said the backlog should clear by the "
        "weekend. Insurers are expected to examine why the ship left the marked channel in calm weather.")
OTHER = ("The county library service will open three new reading rooms in village halls next spring, "
         "paid for by a grant from a local charity, the council announced. Each room will hold about "
         "two thousand books and offer free internet access on weekday afternoons for residents.")


def test_signature_is_deterministic_and_similarity_tracks_edits():
    assert (signature(WIRE) == signature(WIRE)).all()
    edited = WIRE.replace("Thursday", "Friday").replace("About forty", "Nearly fifty")
    assert similarity(signature(WIRE), signature(edited)) >= CLUSTER_THRESHOLD
    assert similarity(signature(WIRE), signature(OTHER)) < 0.2
    assert len(band_keys(signature(WIRE))) == BANDS


def test_index_clusters_copies_and_keeps_distinct_stories_apart():
    index = ClusterIndex()
    assert index.assign("a1", signature(WIRE)) == "a1"
    assert index.assign("b2", signature(OTHER)) == "b2"
    assert index.assign("c3", signature("BREAKING: " + WIRE.replace("Thursday", "Friday"))) == "a1"


def test_a_copy_on_a_later_night_joins_the_stored_cluster(tmp_path):
    day1, day2 = tmp_path / "day1", tmp_path / "day2"
    day1.mkdir()
    day2.mkdir()
    (day1 / "agency.txt").write_text(f"Kessel Strait reopens\n\n{WIRE}\n", encoding="utf-8")
    (day1 / "paper.txt").write_text(f"Strait open again after grounding\n\n{WIRE.replace('Thursday', 'Friday')}\n",
                                    encoding="utf-8")
    (day1 / "library.txt").write_text(f"Village reading rooms\n\n{OTHER}\n", encoding="utf-8")
    (day2 / "weekly.txt").write_text(f"Ships move again\n\n{WIRE} The port will publish a report.\n",
                                     encoding="utf-8")
    wh = tmp_path / "wh"
    first = run_all(files_config([str(day1)]), wh, date(2026, 11, 1), run_id="d1")
    second = run_all(files_config([str(day2)]), wh, date(2026, 11, 2), run_id="d2")
    assert (first["articles"], second["articles"], second["duplicates"]) == (3, 1, 0)
    with connect(wh) as con:
        rows = dict(con.execute("SELECT title, cluster_id FROM articles").fetchall())
        stories = con.execute("SELECT count(DISTINCT cluster_id) FROM articles").fetchone()[0]
        agency_id = con.execute("SELECT article_id FROM articles WHERE title = 'Kessel Strait reopens'").fetchone()[0]
    assert stories == 2
    assert rows["Kessel Strait reopens"] == rows["Strait open again after grounding"] == rows["Ships move again"] == agency_id
    assert rows["Village reading rooms"] != agency_id
