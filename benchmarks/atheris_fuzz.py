"""Coverage-guided fuzzing with atheris (libFuzzer) of the same checks as benchmarks/fuzz.py.

benchmarks/fuzz.py draws inputs from hypothesis strategies written for the classes of hostile input
the issue lists; libFuzzer instead mutates bytes towards new branches of Broadsheet's own code
(`pipeline` is instrumented as it is imported), so it finds inputs nobody thought to write. Both run
the very checks of tests/support/fuzzing.py, so a property means the same in either.

Each component runs in its own process (libFuzzer ends the process it runs in), with the
component's time budget as libFuzzer's -timeout and a 2 GiB -rss_limit_mb. libFuzzer stops at the
first failure and saves the input under --artifacts; a failure is reported as `escaped` (an
exception other than AssertionError), `violated` (a property), `over budget` (timeout) or
`over memory`.

    .venv/bin/pip install -e '.[fuzz]'      # atheris: not a dependency of the product
    .venv/bin/python benchmarks/atheris_fuzz.py [--runs 10000] [--one COMPONENT] [--max-seconds S]
"""
from __future__ import annotations

import argparse
import math
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

COMPONENT_NAMES = ("html", "cleaner", "quotes", "entities", "urls")
# Largest input libFuzzer makes, used from the first run (-len_control=0: libFuzzer otherwise
# starts from a few bytes and grows slowly, so 10,000 runs would never leave tiny inputs). The
# megabyte floods are the hypothesis suite's part (benchmarks/fuzz.py).
MAX_LEN = {"html": 262_144, "cleaner": 65_536, "quotes": 65_536, "entities": 16_384, "urls": 4_096}
ENTITY_LABELS = ("PERSON", "ORG", "GPE", "FAC", "DATE", "PRODUCT", "NORP")


def decoder(name: str):
    """bytes from libFuzzer -> the input a component's check takes."""
    import atheris

    if name == "html":
        return lambda data: data
    if name == "entities":
        def entity_case(data: bytes):
            provider = atheris.FuzzedDataProvider(data)
            spans = [(provider.ConsumeIntInRange(0, 10_000), provider.ConsumeIntInRange(0, 20),
                      ENTITY_LABELS[provider.ConsumeIntInRange(0, len(ENTITY_LABELS) - 1)])
                     for _ in range(provider.ConsumeIntInRange(0, 30))]
            return provider.ConsumeUnicodeNoSurrogates(provider.remaining_bytes()), spans
        return entity_case
    return lambda data: atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))


def seed_corpus(name: str, folder: Path) -> None:
    """A few ordinary inputs for libFuzzer to start mutating from (the project's own samples)."""
    folder.mkdir(parents=True, exist_ok=True)
    if name == "html":
        seeds = sorted((ROOT / "samples").rglob("*.html"))[:20]
        for number, path in enumerate(seeds):
            (folder / f"seed{number}").write_bytes(path.read_bytes())
    else:
        # text decoders read bytes as a unicode sequence; ASCII seeds decode to themselves mostly
        for number, text in enumerate(("Ada Moss said \"we will\" on Monday.\n\nShare 12 comments",
                                       "https://example.org/a/b?utm_source=x&id=3#top")):
            (folder / f"seed{number}").write_bytes(text.encode("utf-8"))


def child(name: str, libfuzzer_args: list[str]) -> None:
    import atheris

    with atheris.instrument_imports(include=["pipeline"]):
        import pipeline.articles, pipeline.clean, pipeline.enrich.entities, pipeline.enrich.quote_marks  # noqa: F401,E401
        import pipeline.urls  # noqa: F401
    from support.fuzzing import COMPONENTS

    component, decode = COMPONENTS[name], decoder(name)
    component.check(component.warm_up)         # imports and models load before the clock starts

    def one_input(data: bytes) -> None:
        component.check(decode(data))

    atheris.Setup([sys.argv[0], *libfuzzer_args], one_input)
    atheris.Fuzz()


def outcome(log: str) -> str:
    if "libFuzzer: timeout" in log:
        return "over budget"
    if "out-of-memory" in log:
        return "over memory"
    banner = log.find("Uncaught Python exception")
    if banner >= 0:   # atheris prints the exception's first line right after its banner
        return "violated" if log[banner:].split("\n", 2)[1].startswith("AssertionError") else "escaped"
    return "clean"


def run_component(name: str, runs: int, max_seconds: int, artifacts: Path) -> dict:
    from support.fuzzing import COMPONENTS

    corpus = Path(tempfile.mkdtemp(prefix=f"atheris-{name}-"))
    seed_corpus(name, corpus)
    args = [f"-runs={runs}", f"-max_total_time={max_seconds}", f"-timeout={math.ceil(COMPONENTS[name].seconds)}",
            "-rss_limit_mb=2048", f"-max_len={MAX_LEN[name]}", "-len_control=0", f"-artifact_prefix={artifacts}/{name}-", str(corpus)]
    started = time.monotonic()
    done = subprocess.run([sys.executable, __file__, "--child", name, "--", *args],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    log = done.stdout   # atheris prints the exception on stdout, libFuzzer its counts on stderr
    tried = re.findall(r"Done (\d+) runs", log) or re.findall(r"#(\d+)\s", log)
    return {"component": name, "tried": int(tried[-1]) if tried else 0, "outcome": outcome(log),
            "seconds": time.monotonic() - started, "exit": done.returncode,
            "artifact": next(iter(re.findall(r"Test unit written to (\S+)", log)), "")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000, help="inputs per component (default 10000)")
    parser.add_argument("--one", choices=COMPONENT_NAMES, help="only this component")
    parser.add_argument("--max-seconds", type=int, default=1800, help="stop a component after this long")
    parser.add_argument("--artifacts", type=Path, default=Path(tempfile.gettempdir()) / "atheris-artifacts",
                        help="where a failing input is saved")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    options, rest = parser.parse_known_args()
    try:
        import atheris  # noqa: F401
    except ImportError:
        sys.exit("atheris is not installed: .venv/bin/pip install -e '.[fuzz]'")
    if options.child:
        child(options.child, [a for a in rest if a != "--"])
        return
    options.artifacts.mkdir(parents=True, exist_ok=True)
    print(f"{'component':10} {'tried':>7} {'outcome':12} {'seconds':>8}  failing input")
    failed = False
    for name in [options.one] if options.one else COMPONENT_NAMES:
        result = run_component(name, options.runs, options.max_seconds, options.artifacts)
        failed |= result["outcome"] != "clean"
        print(f"{name:10} {result['tried']:>7} {result['outcome']:12} {result['seconds']:>8.1f}  {result['artifact']}",
              flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
