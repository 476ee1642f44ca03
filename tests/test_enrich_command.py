"""`broadsheet enrich`: JSON lines in, JSON lines out, offsets into the given text."""
import dataclasses
import io
import json
import subprocess
import sys
from pathlib import Path

from pipeline.enrich.command import main
from pipeline.records import Entity, Quote

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ("Finance Minister Maria Lopez presented the budget in Madrid on Tuesday.\n\n"
           "“We will not raise taxes this year,” Lopez said.")


def run_command(lines: list[dict]) -> list[dict]:
    stdin = io.StringIO("".join(json.dumps(line) + "\n" for line in lines) + "\n")
    stdout = io.StringIO()
    assert main([], stdin=stdin, stdout=stdout) == 0
    return [json.loads(line) for line in stdout.getvalue().splitlines()]


def test_one_output_line_per_input_with_table_fields():
    rows = run_command([{"id": "a1", "text": ARTICLE}, {"id": "a2", "text": "Nothing to see."}])
    assert [r["id"] for r in rows] == ["a1", "a2"]
    entity_fields = {f.name for f in dataclasses.fields(Entity)}
    quote_fields = {f.name for f in dataclasses.fields(Quote)}
    assert rows[0]["entities"] and all(set(e) == entity_fields for e in rows[0]["entities"])
    scorer_offsets = {"quote_start", "quote_end"}
    assert rows[0]["quotes"] and all(set(q) == quote_fields | scorer_offsets for q in rows[0]["quotes"])
    assert all((q["quote_start"], q["quote_end"]) == (q["start_char"], q["end_char"]) for q in rows[0]["quotes"])
    assert rows[1]["quotes"] == []


def test_offsets_point_into_the_given_text():
    [row] = run_command([{"id": "a1", "text": ARTICLE}])
    for entity in row["entities"]:
        assert ARTICLE[entity["start_char"]:entity["end_char"]] == entity["mention"]
    [quote] = row["quotes"]
    assert ARTICLE[quote["start_char"]:quote["end_char"]] == quote["quote"]
    assert ARTICLE[quote["speaker_start"]:quote["speaker_end"]] == quote["speaker_mention"] == "Lopez"
    assert (quote["speaker"], quote["kind"], quote["cue"]) == ("Maria Lopez", "direct", "said")


def test_non_english_line_is_marked_skipped():
    [row] = run_command([{"id": "de", "text": "Die Ministerin sprach am Dienstag.", "language": "de"}])
    assert row == {"id": "de", "entities": [], "quotes": [], "skipped": "non_english"}


def test_runs_as_a_module_over_stdin():
    feed = json.dumps({"id": "x", "text": ARTICLE}, ensure_ascii=False) + "\n"
    done = subprocess.run([sys.executable, "-m", "pipeline.enrich.command"], input=feed, text=True,
                          capture_output=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    [row] = [json.loads(line) for line in done.stdout.splitlines()]
    assert row["id"] == "x" and row["quotes"][0]["speaker"] == "Maria Lopez"
