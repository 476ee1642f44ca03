"""Per-source health and drift: the rules on figures, then real nights of two sources where one
goes quiet (flagged, the night publishes) and then, marked critical, fails the night."""
import json
from datetime import date

import pytest

from pipeline.config import ConfigError, parse_config
from pipeline.run import RunFailed, run_all
from pipeline.store.catalog import connect
from pipeline.validate.health import DEFAULT_HEALTH, tripped
from support.newsgen import write_articles

RULES = {rule["name"]: rule for rule in DEFAULT_HEALTH["rules"]}


def figures(**changes):
    row = {"inputs": 20, "articles": 18, "reject_rate": 0.1, "date_fill_rate": 0.9, "median_body_chars": 2400.0}
    row.update(changes)
    return row


@pytest.mark.parametrize("rule, tonight, fires", [
    ("date_fill_halved", figures(date_fill_rate=0.4), True),
    ("date_fill_halved", figures(date_fill_rate=0.6), False),
    ("body_length_collapsed", figures(median_body_chars=300.0), True),
    ("body_length_collapsed", figures(median_body_chars=2000.0), False),
    ("rejects_jumped", figures(reject_rate=0.5), True),
    ("rejects_jumped", figures(reject_rate=0.15), False),
    ("rejects_jumped", figures(inputs=3, reject_rate=1.0), False),    # too small to judge
    ("yields_nothing", figures(articles=0, inputs=0), True),
    ("yields_nothing", figures(), False),
])
def test_drift_rules_compare_tonight_with_the_previous_nights(rule, tonight, fires):
    previous = [figures(), figures(date_fill_rate=0.85), figures(median_body_chars=2600.0)]
    assert tripped(RULES[rule], tonight, previous) is fires


def test_without_history_only_the_zero_rule_can_fire():
    assert not tripped(RULES["date_fill_halved"], figures(date_fill_rate=0.0), [])
    assert tripped(RULES["yields_nothing"], figures(articles=0), [])


@pytest.mark.parametrize("health, error", [
    ({"rules": [{"name": "x", "metric": "mood", "compare": "zero"}]}, "metric must be one of"),
    ({"rules": [{"name": "x", "metric": "articles", "compare": "below_baseline"}]}, "needs a numeric ratio"),
    ({"baseline": 3}, "unknown setting 'baseline'"),
])
def test_bad_health_settings_are_config_errors(health, error):
    with pytest.raises(ConfigError, match=error):
        parse_config({"sources": [{"name": "a", "kind": "files", "location": "/tmp"}], "health": health},
                     None, "sources.yaml")


def nights_config(steady, fragile, critical=False):
    return parse_config({"sources": [
        {"name": "steady", "kind": "files", "location": str(steady)},
        {"name": "fragile", "kind": "files", "location": str(fragile), "critical": critical}]}, None, "test")


def health_rows(wh, day):
    with connect(wh) as con:
        found = con.execute("SELECT source, host, inputs, articles, rejects, rejects_by_reason, drift_flags, "
                            "fails_night, baseline_nights FROM source_health WHERE ingest_date = ? "
                            "ORDER BY source, host", [day]).fetchall()
    return {(r[0], r[1]): r[2:] for r in found}


def test_a_source_that_goes_quiet_is_flagged_and_sinks_the_night_only_when_critical(tmp_path):
    steady, fragile, wh = tmp_path / "steady", tmp_path / "fragile", tmp_path / "wh"
    write_articles(steady, 3, seed=1, paragraphs=4)
    write_articles(fragile, 2, seed=2, paragraphs=4)
    run_all(nights_config(steady, fragile), wh, date(2026, 11, 1), run_id="n1")

    # night 2: steady brings new articles; fragile only what is already stored
    write_articles(steady, 3, seed=1, start=3, paragraphs=4)
    summary = run_all(nights_config(steady, fragile), wh, date(2026, 11, 2), run_id="n2")
    assert summary["status"] == "success" and summary["drift_flags"] >= 1
    assert "fragile/-: yields_nothing" in summary["drifting_sources"]
    rows = health_rows(wh, date(2026, 11, 2))
    quiet = [v for (source, _host), v in rows.items() if source == "fragile"]
    assert quiet and all(v[1] == 0 and "yields_nothing" in v[4] and not v[5] for v in quiet)
    assert all(json.loads(v[3]) == {"duplicate": v[2]} for v in quiet if v[2])
    assert sum(v[1] for (source, _h), v in rows.items() if source == "steady") == 3
    assert all(v[6] >= 1 for (source, _h), v in rows.items() if source == "steady" and v[1])

    # night 3: the same, but fragile is critical: the night fails, naming it, and publishes no data
    with pytest.raises(RunFailed, match="source 'fragile'.*yields_nothing.*critical source"):
        run_all(nights_config(steady, fragile, critical=True), wh, date(2026, 11, 3), run_id="n3")
    with connect(wh) as con:
        assert con.execute("SELECT count(*) FROM articles WHERE ingest_date = '2026-11-03'").fetchone() == (0,)
        assert con.execute("SELECT status FROM runs WHERE ingest_date = '2026-11-03'").fetchall() == [("failed",)]
        # the failed night's validation results and health are kept: they say why
        assert con.execute("SELECT count(*) > 0 FROM validations WHERE ingest_date = '2026-11-03'").fetchone() == (True,)
    assert any(v[5] for (source, _h), v in health_rows(wh, date(2026, 11, 3)).items() if source == "fragile")
