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


def test_malformed_lines_give_error_objects_and_the_rest_is_processed():
    good = [json.dumps({"id": f"g{n}", "text": ARTICLE}) for n in range(3)]
    lines = [good[0], "{not json", json.dumps({"text": "no id here"}), good[1],
             json.dumps({"id": "t", "text": 42}), json.dumps(["a", "list"]), good[2]]
    stdin = io.StringIO("\n".join(lines) + "\n")
    stdout, stderr = io.StringIO(), io.StringIO()
    old_stderr, sys.stderr = sys.stderr, stderr
    try:
        code = main([], stdin=stdin, stdout=stdout)
    finally:
        sys.stderr = old_stderr
    rows = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert code == 1
    assert "4 line(s) failed" in stderr.getvalue()
    assert len(rows) == len(lines)
    assert [r.get("id") for r in rows] == ["g0", None, None, "g1", "t", None, "g2"]
    errors = {r["line"]: r["error"] for r in rows if "error" in r}
    assert set(errors) == {2, 3, 5, 6}
    assert errors[2].startswith("bad JSON") and errors[3] == "missing id"
    assert errors[5] == "text is missing or not a string" and "object" in errors[6]
    good_rows = [r for r in rows if "error" not in r]
    assert all(r["quotes"][0]["speaker"] == "Maria Lopez" for r in good_rows)


def test_a_bad_line_among_a_hundred_loses_nothing_from_the_command_line():
    lines = [json.dumps({"id": f"a{n}", "text": f"Item {n} was sold in Madrid."}) for n in range(100)]
    lines[63] = '{"id": "broken", "text": '
    done = subprocess.run([sys.executable, "-m", "pipeline.enrich.command"], input="\n".join(lines) + "\n",
                          text=True, capture_output=True, cwd=ROOT, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "1 line(s) failed" in done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(rows) == 100 and sum("entities" in r for r in rows) == 99
    assert rows[63] == {"id": None, "line": 64, "error": rows[63]["error"]} and rows[63]["error"].startswith("bad JSON")
