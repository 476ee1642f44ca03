"""Fuzz benchmark: the nightly-style run of the property-based fuzz suite (tests/support/fuzzing.py).

Each component that reads untrusted text (the HTML extractor chain, the cleaner, the quote finder,
the entity post-processing, the URL canonicaliser) gets N generated or mutated inputs; a failing
input is counted and the run goes on. Prints, per component: inputs tried, exceptions that escaped,
properties violated, inputs over their time budget, and the slowest input.

    .venv/bin/python benchmarks/fuzz.py [--examples 10000] [--one COMPONENT] [--seed N | --random] [--json]
"""
from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def run(names: list[str], examples: int, seed: int | None) -> dict[str, dict]:
    from support.fuzzing import COMPONENTS, Tally, fuzz

    results = {}
    for name in names:
        tally = Tally(name)
        started = time.monotonic()
        stopped = False
        try:
            fuzz(COMPONENTS[name], examples, tally, seed=seed)
        except KeyboardInterrupt:   # Ctrl-C or SIGTERM: the figures so far, marked as partial
            stopped = True
        results[name] = {"tried": tally.tried, "stopped_early": stopped, "escaped": len(tally.escaped), "violated": len(tally.violated),
                         "over_budget": len(tally.over_budget), "budget_seconds": COMPONENTS[name].seconds,
                         "seconds": round(time.monotonic() - started, 1),
                         "slowest_seconds": round(tally.slowest[0], 3), "slowest_input": tally.slowest[1],
                         "failures": (tally.escaped + tally.violated + tally.over_budget)[:5]}
    return results


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, signal.default_int_handler)   # stopped: print what was tried
    from support.fuzzing import COMPONENTS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000, help="inputs per component (default 10000)")
    parser.add_argument("--one", choices=sorted(COMPONENTS), help="only this component")
    parser.add_argument("--seed", type=int, default=0, help="fixes the inputs (default 0)")
    parser.add_argument("--random", action="store_true", help="new inputs every run")
    parser.add_argument("--json", action="store_true", help="one JSON object instead of the table")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)   # trafilatura logs every page it discards
    names = [args.one] if args.one else sorted(COMPONENTS)
    results = run(names, args.examples, None if args.random else args.seed)
    if args.json:
        print(json.dumps(results))
        return 0
    for name, r in results.items():
        print(f"{name:9s} tried {r['tried']:6d}{' (stopped early)' if r['stopped_early'] else ''}  escaped {r['escaped']}  violated {r['violated']}  "
              f"over budget ({r['budget_seconds']:g} s) {r['over_budget']}  {r['seconds']:.0f} s  "
              f"slowest {r['slowest_seconds']:.2f} s: {r['slowest_input']}")
        for failure in r["failures"]:
            print(f"          {failure}")
        if r["stopped_early"]:
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
