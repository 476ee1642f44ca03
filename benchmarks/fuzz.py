"""Fuzz benchmark: the nightly-style run of the property-based fuzz suite (tests/support/fuzzing.py).

Each component that reads untrusted text (the HTML extractor chain, the cleaner, the quote finder,
the entity post-processing, the URL canonicaliser) gets N generated or mutated inputs; a failing
input is counted and the run goes on. Prints, per component: inputs tried, exceptions that escaped,
properties violated, inputs over their time budget, the distribution of time per input and the
slowest input. Progress goes to stderr every --progress seconds. Stopped (Ctrl-C, SIGTERM or
--max-minutes), it prints the figures so far, marked as partial. --save DIR writes the slowest input
and every input over budget to DIR, to be replayed with --replay FILE.

    .venv/bin/python benchmarks/fuzz.py [--examples 10000] [--one COMPONENT] [--seed N | --random]
        [--max-minutes M] [--progress S] [--save DIR] [--json]
    .venv/bin/python benchmarks/fuzz.py --one html --replay DIR/html-slowest.bin
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import signal
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


class OutOfTime(KeyboardInterrupt):
    """--max-minutes passed: stops the run like Ctrl-C (a BaseException, so no check swallows it)."""


def _encode(value) -> bytes:
    """An input as bytes on disk: html pages are bytes already, texts are UTF-8 (lone surrogates kept)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return json.dumps(value).encode("utf-8", "surrogatepass")   # (text, spans) of the entity check


def _decode(name: str, data: bytes):
    if name == "html":
        return data
    text = data.decode("utf-8", "surrogatepass")
    if name == "entities":
        found, spans = json.loads(text)
        return found, [tuple(span) for span in spans]
    return text


class Watch:
    """Wraps a component's check: the time of each input, the slowest input itself, inputs over
    budget saved, progress lines, and the --max-minutes stop (checked between inputs)."""

    def __init__(self, component, save: Path | None, deadline: float | None, progress: float, tally):
        self.component, self.save, self.deadline, self.progress, self.tally = component, save, deadline, progress, tally
        self.seconds: list[float] = []
        self.slowest = (0.0, None)
        self.started = self.last_progress = time.monotonic()
        self.saved_over = 0

    def check(self, value) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise OutOfTime()
        started = time.monotonic()
        try:
            self.component.check(value)
        finally:
            seconds = time.monotonic() - started
            self.seconds.append(seconds)
            if seconds > self.slowest[0]:
                self.slowest = (seconds, value)
            if self.save is not None and seconds > self.component.seconds:
                self.saved_over += 1
                self._write(f"{self.component.name}-over-{self.saved_over}.bin", value)
            now = time.monotonic()
            if self.progress and now - self.last_progress >= self.progress:
                self.last_progress = now
                t = self.tally
                print(f"[{self.component.name}] {len(self.seconds)} tried in {now - self.started:.0f} s, escaped {len(t.escaped)}, "
                      f"violated {len(t.violated)}, over budget {len(t.over_budget) + (seconds > self.component.seconds)}, "
                      f"slowest {self.slowest[0]:.2f} s", file=sys.stderr, flush=True)

    def _write(self, name: str, value) -> None:
        self.save.mkdir(parents=True, exist_ok=True)
        (self.save / name).write_bytes(_encode(value))

    def distribution(self) -> dict:
        if not self.seconds:
            return {}
        ordered = sorted(self.seconds)
        at = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)   # noqa: E731
        return {"median": round(statistics.median(ordered), 3), "p90": at(0.9), "p99": at(0.99), "max": round(ordered[-1], 3),
                "over_1s": sum(s > 1 for s in ordered), "total": round(sum(ordered), 1)}


def run(names: list[str], examples: int, seed: int | None, max_minutes: float | None = None,
        progress: float = 0, save: Path | None = None) -> dict[str, dict]:
    from support.fuzzing import COMPONENTS, Tally, fuzz

    deadline = time.monotonic() + 60 * max_minutes if max_minutes else None
    results = {}
    for name in names:
        tally = Tally(name)
        watch = Watch(COMPONENTS[name], save, deadline, progress, tally)
        started = time.monotonic()
        stopped = None
        try:
            fuzz(dataclasses.replace(COMPONENTS[name], check=watch.check), examples, tally, seed=seed)
        except OutOfTime:
            stopped = f"after --max-minutes {max_minutes:g}"
        except KeyboardInterrupt:   # Ctrl-C or SIGTERM: the figures so far, marked as partial
            stopped = "by a signal"
        if save is not None and watch.slowest[1] is not None:
            watch._write(f"{name}-slowest.bin", watch.slowest[1])
        results[name] = {"tried": tally.tried, "stopped_early": stopped, "escaped": len(tally.escaped), "violated": len(tally.violated),
                         "over_budget": len(tally.over_budget), "budget_seconds": COMPONENTS[name].seconds,
                         "seconds": round(time.monotonic() - started, 1), "per_input": watch.distribution(),
                         "slowest_seconds": round(tally.slowest[0], 3), "slowest_input": tally.slowest[1],
                         "failures": (tally.escaped + tally.violated + tally.over_budget)[:5]}
        if stopped:
            break
    return results


def replay(name: str, path: Path) -> int:
    """One saved input through the component's check, timed: how a slow input is profiled."""
    from support.fuzzing import COMPONENTS

    component = COMPONENTS[name]
    component.check(component.warm_up)
    value = _decode(name, path.read_bytes())
    started = time.monotonic()
    component.check(value)
    print(f"{name}: {component.describe(value)[:100]} in {time.monotonic() - started:.2f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, signal.default_int_handler)   # stopped: print what was tried
    from support.fuzzing import COMPONENTS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000, help="inputs per component (default 10000)")
    parser.add_argument("--one", choices=sorted(COMPONENTS), help="only this component")
    parser.add_argument("--seed", type=int, default=0, help="fixes the inputs (default 0)")
    parser.add_argument("--random", action="store_true", help="new inputs every run")
    parser.add_argument("--max-minutes", type=float, default=None, help="stop after this long, printing the figures so far")
    parser.add_argument("--progress", type=float, default=60, help="a progress line on stderr every S seconds (0: none)")
    parser.add_argument("--save", type=Path, default=None, help="write the slowest input and inputs over budget here")
    parser.add_argument("--replay", type=Path, default=None, help="time one saved input of --one's component")
    parser.add_argument("--json", action="store_true", help="one JSON object instead of the table")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)   # trafilatura logs every page it discards
    if args.replay:
        if not args.one:
            parser.error("--replay needs --one COMPONENT")
        return replay(args.one, args.replay)
    names = [args.one] if args.one else sorted(COMPONENTS)
    results = run(names, args.examples, None if args.random else args.seed, args.max_minutes,
                  0 if args.json else args.progress, args.save)
    if args.json:
        print(json.dumps(results))
        return 0
    for name, r in results.items():
        print(f"{name:9s} tried {r['tried']:6d}{' (stopped early ' + r['stopped_early'] + ')' if r['stopped_early'] else ''}  "
              f"escaped {r['escaped']}  violated {r['violated']}  "
              f"over budget ({r['budget_seconds']:g} s) {r['over_budget']}  {r['seconds']:.0f} s  "
              f"slowest {r['slowest_seconds']:.2f} s: {r['slowest_input']}")
        d = r["per_input"]
        if d:
            print(f"          per input: median {d['median']:.3f} s, p90 {d['p90']:.3f} s, p99 {d['p99']:.3f} s, "
                  f"max {d['max']:.2f} s, {d['over_1s']} over 1 s, {d['total']:.0f} s in checks")
        for failure in r["failures"]:
            print(f"          {failure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
