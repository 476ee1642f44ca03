"""One document, one fate: a document over its time budget or its worker's memory ceiling becomes a
reject naming the stage and the reason, and the night goes on. The budgets are enforced from
outside the parsing code (the worker is killed), so they stop C code too."""
from __future__ import annotations

from datetime import date

import pytest

from pipeline.config import parse_config
from pipeline.run import run_all
from pipeline.store.catalog import connect

DAY = date(2026, 11, 28)

GOOD = ("Library opens on Sundays\n\nThe Fernley library will open on Sunday afternoons from January, "
        "the county librarian Ada Moss said on Monday. \"Families asked for it,\" Moss said.\n")
# 45,000 tiny paragraphs, within the page bounds (pipeline.extract.html.MAX_ELEMENTS): the
# extractors take well over ten seconds over them.
SLOW_PAGE = "<html><body>" + "<p>a</p>" * 45_000 + "<p>Nothing here.</p></body></html>"
# One paragraph of fifteen megabytes: past 450 MB of resident memory within seconds (a worker with
# the spaCy model loaded idles near 200-300 MB).
BIG_PAGE = "<html><body><p>" + "Word " * 3_000_000 + "</p><p>Nothing here.</p></body></html>"


def night(tmp_path, files: dict[str, str], budgets: dict, workers: int = 1) -> tuple[dict, list]:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    config = parse_config({"sources": [{"name": "local", "kind": "files", "location": str(folder)}],
                           "shard_size": 2, "budgets": budgets}, tmp_path, "test.yaml")
    wh = tmp_path / "wh"
    summary = run_all(config, wh, DAY, workers=workers)
    with connect(wh) as con:
        rejects = con.execute("SELECT location, stage, reason FROM rejects ORDER BY location").fetchall()
    return summary, rejects


def test_a_document_over_its_time_budget_is_a_timeout_reject_and_the_night_goes_on(tmp_path):
    summary, rejects = night(tmp_path, {"a.txt": GOOD, "slow.html": SLOW_PAGE, "c.txt": GOOD.replace("Fernley", "Ashby")},
                             {"extract_seconds": 2})
    assert summary["status"] == "success" and summary["articles"] == 2
    [(location, stage, reason)] = rejects
    assert location.endswith("slow.html") and stage == "extract" and reason == "timeout: over 2 s"


def test_a_worker_over_its_memory_ceiling_rejects_the_document_not_the_night(tmp_path):
    # a long time budget: on a busy machine only the memory ceiling may stop the page, not the clock
    summary, rejects = night(tmp_path, {"a.txt": GOOD, "big.html": BIG_PAGE},
                             {"worker_memory_mb": 450, "extract_seconds": 600}, workers=2)
    assert summary["status"] == "success" and summary["articles"] == 1
    [(location, stage, reason)] = rejects
    assert location.endswith("big.html") and stage == "extract"
    assert reason == "too_large: worker memory over 450 MB"


def test_an_over_long_text_is_enriched_on_its_first_characters_and_says_so(tmp_path):
    paragraphs = "\n\n".join(f"Paragraph {n} of the long report says the harbour board met Ada Moss again."
                             for n in range(2000))
    summary, rejects = night(tmp_path, {"long.txt": "A very long report\n\n" + paragraphs},
                             {"nlp_max_chars": 5000})
    assert summary["articles"] == 1 and rejects == []
    with connect(tmp_path / "wh") as con:
        [(skipped, length)] = con.execute("SELECT nlp_skipped, length(text) FROM articles").fetchall()
        [(last_entity,)] = con.execute("SELECT max(end_char) FROM entities").fetchall()
    assert skipped.startswith("truncated: analysed the first ") and f"of {length} characters" in skipped
    assert last_entity <= 5000


def test_budgets_are_checked_in_the_config(tmp_path):
    from pipeline.config import ConfigError
    with pytest.raises(ConfigError, match=r"budgets: unknown setting\(s\) 'extract_secs'"):
        parse_config({"sources": [{"name": "x", "kind": "files", "location": "a"}], "budgets": {"extract_secs": 3}},
                     tmp_path, "test.yaml")
    with pytest.raises(ConfigError, match="budgets: worker_memory_mb must be a positive number"):
        parse_config({"sources": [{"name": "x", "kind": "files", "location": "a"}], "budgets": {"worker_memory_mb": 0}},
                     tmp_path, "test.yaml")


def test_an_airflow_shard_task_runs_its_shard_in_a_watched_process_of_its_own(tmp_path):
    """What each mapped task does: the shard in a fresh worker process, the slow page stopped from outside."""
    from pipeline.stages import plan
    from pipeline.stages.context import open_night
    from pipeline.workers import run_shard
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD, encoding="utf-8")
    (folder / "slow.html").write_text(SLOW_PAGE, encoding="utf-8")
    config = parse_config({"sources": [{"name": "local", "kind": "files", "location": str(folder)}],
                           "budgets": {"extract_seconds": 2}}, tmp_path, "test.yaml")
    ctx = open_night(str(tmp_path / "wh"), DAY, config, "airflow-like")
    plan.run(ctx)
    [shard] = ctx.staging.shards()
    counts = run_shard("extract", ctx, shard.id)
    assert counts["extracted"] == 1 and counts["rejected_extract"] == 1
    assert run_shard("extract", ctx, shard.id) == counts, "a finished shard is not run again"
