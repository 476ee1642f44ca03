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
import os
import signal
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


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
    budget saved. A thread beside it prints progress (with the input running, and for how long),
    and stops the run at --max-minutes or on SIGINT/SIGTERM: between inputs if it can, or, when one
    input holds the main thread in C code that signals cannot interrupt (a regex, lxml), by printing
    the figures so far and exiting."""

    def __init__(self, component, save: Path | None, progress: float, tally):
        self.component, self.save, self.progress, self.tally = component, save, progress, tally
        self.seconds: list[float] = []
        self.slowest = (0.0, None)
        self.started = time.monotonic()
        self.running: tuple[float, object] | None = None     # (started, value) of the input being checked
        self.saved_over = 0
        self.warmed = False

    def check(self, value) -> None:
        if value is self.component.warm_up and not self.warmed:   # fuzz() warms up untimed, so is this
            self.warmed = True
            return self.component.check(value)
        if STOP.reason:
            raise Stopped(STOP.reason)
        started = time.monotonic()
        self.running = (started, value)
        try:
            self.component.check(value)
        finally:
            self.running = None
            seconds = time.monotonic() - started
            self.seconds.append(seconds)
            if seconds > self.slowest[0]:
                self.slowest = (seconds, value)
            if self.save is not None and seconds > self.component.seconds:
                self.saved_over += 1
                self._write(f"{self.component.name}-over-{self.saved_over}.bin", value)

    def progress_line(self) -> str:
        t, now = self.tally, time.monotonic()
        line = (f"[{self.component.name}] {len(self.seconds)} tried in {now - self.started:.0f} s, escaped {len(t.escaped)}, "
                f"violated {len(t.violated)}, over budget {len(t.over_budget)}, slowest {self.slowest[0]:.2f} s")
        running = self.running
        if running and now - running[0] > self.component.seconds:
            line += f"; running for {now - running[0]:.0f} s: {self.component.describe(running[1])[:100]}"
        return line

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


class Stopped(KeyboardInterrupt):
    """The run is stopped (a BaseException, so no check counts it as a failure of its input)."""


class _Stop:
    reason: str | None = None


STOP = _Stop()
# After a stop is asked for, how long the input running may take to end before the figures are
# printed from the watching thread and the process exits.
GRACE_SECONDS = 15


def _summary(name: str, tally, watch: Watch, started: float, stopped: str | None) -> dict:
    from support.fuzzing import COMPONENTS

    return {"tried": tally.tried, "stopped_early": stopped, "escaped": len(tally.escaped), "violated": len(tally.violated),
            "over_budget": len(tally.over_budget), "budget_seconds": COMPONENTS[name].seconds,
            "seconds": round(time.monotonic() - started, 1), "per_input": watch.distribution(),
            "slowest_seconds": round(tally.slowest[0], 3), "slowest_input": tally.slowest[1],
            "failures": (tally.escaped + tally.violated + tally.over_budget)[:5]}


def _watch_thread(state: dict, max_minutes: float | None, progress: float, as_json: bool) -> None:
    """Progress lines, the deadline and the signals (blocked in the main thread, taken here)."""
    deadline = time.monotonic() + 60 * max_minutes if max_minutes else None
    last_progress = time.monotonic()
    asked_at = None
    while True:
        got = signal.sigtimedwait({signal.SIGINT, signal.SIGTERM}, 1.0)
        now = time.monotonic()
        if got is not None and STOP.reason is None:
            STOP.reason, asked_at = f"by {signal.Signals(got.si_signo).name}", now
        elif deadline is not None and now > deadline and STOP.reason is None:
            STOP.reason, asked_at = f"after --max-minutes {max_minutes:g}", now
        watch = state.get("watch")
        if watch is None:
            continue
        if progress and now - last_progress >= progress:
            last_progress = now
            print(watch.progress_line(), file=sys.stderr, flush=True)
        if asked_at is not None and now - asked_at > GRACE_SECONDS and watch.running:
            running_for = now - watch.running[0]
            stuck = f"{STOP.reason}; an input still running after {running_for:.0f} s: {watch.component.describe(watch.running[1])[:100]}"
            if watch.save is not None:
                watch._write(f"{watch.component.name}-running.bin", watch.running[1])
            state["results"][state["name"]] = _summary(state["name"], watch.tally, watch, state["started"], stuck)
            report(state["results"], as_json)
            sys.stdout.flush()
            os._exit(0)


def run(names: list[str], examples: int, seed: int | None, max_minutes: float | None = None,
        progress: float = 0, save: Path | None = None, as_json: bool = False) -> dict[str, dict]:
    from support.fuzzing import COMPONENTS, Tally, fuzz

    results: dict[str, dict] = {}
    state = {"results": results}
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})   # the watching thread takes them
    threading.Thread(target=_watch_thread, args=(state, max_minutes, progress, as_json), daemon=True).start()
    for name in names:
        tally = Tally(name)
        watch = Watch(COMPONENTS[name], save, progress, tally)
        started = time.monotonic()
        state.update(name=name, started=started, watch=watch)
        stopped = None
        try:
            fuzz(dataclasses.replace(COMPONENTS[name], check=watch.check), examples, tally, seed=seed)
        except Stopped as stop:
            stopped = str(stop)
        if save is not None and watch.slowest[1] is not None:
            watch._write(f"{name}-slowest.bin", watch.slowest[1])
        results[name] = _summary(name, tally, watch, started, stopped)
        if stopped:
            break
    state["watch"] = None
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
                  0 if args.json else args.progress, args.save, args.json)
    report(results, args.json)
    return 0


def report(results: dict[str, dict], as_json: bool) -> None:
    if as_json:
        print(json.dumps(results))
        return
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


if __name__ == "__main__":
    sys.exit(main())
