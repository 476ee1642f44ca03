"""Per-source health, once per night: one `source_health` row per source and host, and the drift
rules that compare it with the previous nights.

The rules are data (config `health:`; defaults below). A rule names a metric of the row and how
it is judged:
    zero             the metric is 0 tonight (a source that yields nothing)
    below_baseline   tonight's value < ratio x the median of the previous nights' values
    above_baseline   tonight's value > ratio x that median and at least `min_delta` above it
`min_inputs` skips hosts too small to judge. A tripped rule is listed in `drift_flags`; it fails
the night when the rule says `fail_night: true` or the source is marked `critical: true` in the
sources file. Otherwise a troubled source costs only itself: its rejects are recorded and the
other sources publish.
"""
from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pyarrow.compute as pc

from pipeline.stages.reconcile import ROW_REJECT_PREFIXES
from pipeline.store.parquet import record_batches

METRICS = ("articles", "inputs", "reject_rate", "title_fill_rate", "date_fill_rate", "authors_fill_rate",
           "median_body_chars", "boilerplate_hits", "fetch_errors")
COMPARISONS = ("zero", "below_baseline", "above_baseline")
RULE_KEYS = {"name", "metric", "compare", "ratio", "min_delta", "min_inputs", "fail_night"}
SETTING_KEYS = {"baseline_nights", "rules"}
DEFAULT_HEALTH: dict[str, Any] = {
    "baseline_nights": 7,
    "rules": [
        {"name": "yields_nothing", "metric": "articles", "compare": "zero"},
        {"name": "date_fill_halved", "metric": "date_fill_rate", "compare": "below_baseline", "ratio": 0.5,
         "min_inputs": 5},
        {"name": "body_length_collapsed", "metric": "median_body_chars", "compare": "below_baseline",
         "ratio": 0.5, "min_inputs": 5},
        {"name": "rejects_jumped", "metric": "reject_rate", "compare": "above_baseline", "ratio": 2.0,
         "min_delta": 0.2, "min_inputs": 5},
    ],
}
FETCH_STAGES = ("discover", "fetch")


def check_settings(health: Any, origin: str) -> list[str]:
    """Problems with a config's `health:` mapping (empty when it is fine)."""
    if not isinstance(health, dict):
        return [f"{origin}: 'health' must be a mapping"]
    problems = [f"{origin}: health: unknown setting {key!r}; settings are {', '.join(sorted(SETTING_KEYS))}"
                for key in sorted(set(health) - SETTING_KEYS)]
    nights = health.get("baseline_nights", 1)
    if isinstance(nights, bool) or not isinstance(nights, int) or nights < 1:
        problems.append(f"{origin}: health: baseline_nights must be a positive whole number, not {nights!r}")
    rules = health.get("rules", [])
    if not isinstance(rules, list):
        return problems + [f"{origin}: health: rules must be a list"]
    for position, rule in enumerate(rules, 1):
        where = f"{origin}: health: rule #{position}"
        if not isinstance(rule, dict):
            problems.append(f"{where} is not a mapping")
            continue
        unknown = sorted(set(rule) - RULE_KEYS)
        if unknown:
            problems.append(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; keys are {', '.join(sorted(RULE_KEYS))}")
        if not rule.get("name"):
            problems.append(f"{where} needs a name")
        if rule.get("metric") not in METRICS:
            problems.append(f"{where}: metric must be one of {', '.join(METRICS)}, not {rule.get('metric')!r}")
        if rule.get("compare") not in COMPARISONS:
            problems.append(f"{where}: compare must be one of {', '.join(COMPARISONS)}, not {rule.get('compare')!r}")
        if rule.get("compare") in ("below_baseline", "above_baseline") and not isinstance(rule.get("ratio"), (int, float)):
            problems.append(f"{where}: compare {rule['compare']} needs a numeric ratio")
    return problems


def settings(config_health: dict[str, Any] | None) -> dict[str, Any]:
    """The config's health settings over the defaults (its `rules`, when given, replace them)."""
    return {**DEFAULT_HEALTH, **(config_health or {})}


@dataclass
class _Tally:
    articles: int = 0
    rejects: int = 0
    titles: int = 0
    dates: int = 0
    authors: int = 0
    fetch_errors: int = 0
    body_chars: list[int] = field(default_factory=list)
    reasons: Counter = field(default_factory=Counter)
    rules: Counter = field(default_factory=Counter)
    extractors: Counter = field(default_factory=Counter)


def host_of(location: str | None) -> str:
    if location and "://" in location:
        return (urlsplit(location.replace("https://***@", "https://")).hostname or "").lower()
    return ""


def reason_key(reason: str | None) -> str:
    """A reject's reason without its particulars: `timeout: over 30 s` -> `timeout`."""
    return (reason or "unknown").split(":", 1)[0].strip()[:60] or "unknown"


def tally(storage, articles_path: str, rejects_path: str) -> dict[tuple[str, str], _Tally]:
    """Streams the night's final articles and rejects into per (source, host) figures."""
    tallies: dict[tuple[str, str], _Tally] = {}
    columns = ["source", "host", "title", "published_at", "authors", "text", "removed", "extractor"]
    if storage.exists(articles_path):
        for batch in record_batches(storage, articles_path, 2000):
            batch = batch.select(columns)
            lengths = pc.utf8_length(pc.fill_null(batch.column("text"), "")).to_pylist()
            for row, length in zip(batch.select([c for c in columns if c != "text"]).to_pylist(), lengths):
                found = tallies.setdefault((row["source"], row["host"] or ""), _Tally())
                found.articles += 1
                found.titles += bool(row["title"] and row["title"].strip())
                found.dates += row["published_at"] is not None
                found.authors += bool(row["authors"])
                found.body_chars.append(length)
                found.rules.update(r["rule"] for r in row["removed"] or [])
                found.extractors[row["extractor"] or "none"] += 1
    if storage.exists(rejects_path):
        for batch in record_batches(storage, rejects_path, 5000):
            for row in batch.select(["source", "location", "stage", "reason"]).to_pylist():
                if row["stage"] == "validate" and (row["reason"] or "").startswith(ROW_REJECT_PREFIXES):
                    continue   # one entity or quote of a kept article: not a document's fate
                found = tallies.setdefault((row["source"], host_of(row["location"])), _Tally())
                found.rejects += 1
                found.reasons[reason_key(row["reason"])] += 1
                found.fetch_errors += row["stage"] in FETCH_STAGES
    return tallies


def _row(tally_: _Tally, run_id: str, ingest_date, source: str, host: str) -> dict[str, Any]:
    inputs = tally_.articles + tally_.rejects
    share = (lambda n: n / tally_.articles) if tally_.articles else (lambda n: None)
    return {
        "run_id": run_id, "ingest_date": ingest_date, "source": source, "host": host,
        "inputs": inputs, "articles": tally_.articles, "rejects": tally_.rejects,
        "rejects_by_reason": json.dumps(dict(sorted(tally_.reasons.items()))),
        "reject_rate": tally_.rejects / inputs if inputs else 0.0,
        "title_fill_rate": share(tally_.titles), "date_fill_rate": share(tally_.dates),
        "authors_fill_rate": share(tally_.authors),
        "median_body_chars": float(statistics.median(tally_.body_chars)) if tally_.body_chars else None,
        "boilerplate_hits": sum(tally_.rules.values()),
        "boilerplate_by_rule": json.dumps(dict(sorted(tally_.rules.items()))),
        "extractor_winners": json.dumps(dict(sorted(tally_.extractors.items()))),
        "fetch_errors": tally_.fetch_errors,
    }


def tripped(rule: dict[str, Any], row: dict[str, Any], previous: list[dict[str, Any]]) -> bool:
    """Whether one drift rule fires on tonight's row against the previous nights' rows."""
    if rule["compare"] != "zero" and row["inputs"] < rule.get("min_inputs", 0):
        return False
    value = row[rule["metric"]]
    if rule["compare"] == "zero":
        return value == 0
    history = [p[rule["metric"]] for p in previous if p.get(rule["metric"]) is not None]
    if value is None or not history:
        return False
    baseline = statistics.median(history)
    if rule["compare"] == "below_baseline":
        return value < rule["ratio"] * baseline
    return value > rule["ratio"] * baseline and value - baseline >= rule.get("min_delta", 0)


def source_health(storage, articles_path: str, rejects_path: str, run_id: str, ingest_date,
                  sources: list[dict[str, Any]], health: dict[str, Any],
                  previous: dict[tuple[str, str], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The night's source_health rows, flags included: every (source, host) seen tonight, every
    configured source (a source with nothing at all gets one row, host ''), and every host a
    configured source had on previous nights (a host that went silent is a row of zeros)."""
    rules = settings(health)["rules"]
    tallies = tally(storage, articles_path, rejects_path)
    configured = {s["name"]: bool(s.get("critical")) for s in sources}
    keys = set(tallies)
    keys |= {key for key in previous if key[0] in configured}
    keys |= {(name, "") for name in configured if not any(k[0] == name for k in keys)}
    rows = []
    for source, host in sorted(keys):
        row = _row(tallies.get((source, host), _Tally()), run_id, ingest_date, source, host)
        earlier = previous.get((source, host), [])
        flags = [rule["name"] for rule in rules if tripped(rule, row, earlier)]
        critical = configured.get(source, False)
        failing = [r for r in rules if r["name"] in flags and r.get("fail_night")]
        row.update(baseline_nights=len(earlier), drift_flags=flags, critical=critical,
                   fails_night=bool(flags) and (critical or bool(failing)))
        rows.append(row)
    return rows


def failures(rows: list[dict[str, Any]]) -> list[str]:
    return [f"source {r['source']!r} ({r['host'] or 'no host'}): {', '.join(r['drift_flags'])}"
            + (" (critical source)" if r["critical"] else "") for r in rows if r["fails_night"]]


def flagged(rows: list[dict[str, Any]]) -> list[str]:
    return [f"{r['source']}/{r['host'] or '-'}: {','.join(r['drift_flags'])}" for r in rows if r["drift_flags"]]
