"""Property-based fuzzing, a small sample of it (the nightly-style run is benchmarks/fuzz.py):
for each component that reads untrusted text, generated and mutated inputs (tests/support/fuzzing.py)
through the real component: no exception escapes, the output has its types and properties (plain
text, offsets inside the text, canonical URLs idempotent), each input within its time budget."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from support.fuzzing import COMPONENTS, Tally, fuzz, run_checked  # noqa: E402

# Enough to meet every kind of input each time; the whole file stays well under a minute.
SAMPLE = {"html": 25, "cleaner": 60, "quotes": 150, "entities": 80, "urls": 300}


@pytest.mark.parametrize("name", sorted(COMPONENTS))
def test_generated_and_mutated_inputs_keep_the_components_properties(name):
    fuzz(COMPONENTS[name], SAMPLE[name])


def test_a_failing_input_is_counted_not_raised_in_a_tally():
    """What the benchmark relies on to count escaped exceptions over 10,000 inputs."""
    tally = Tally("urls")
    run_checked(COMPONENTS["urls"], "http://example.com/a#b", tally)
    broken = COMPONENTS["cleaner"]
    run_checked(broken, None, tally)       # not a text: TypeError/AttributeError escapes clean_body
    assert tally.tried == 2 and len(tally.escaped) == 1 and not tally.violated
    with pytest.raises(Exception):
        run_checked(broken, None)


@pytest.mark.parametrize("url", ["http://../", "http://./a", "http://a../", "HTTP://Example.COM.:80//a//b?utm_source=x#f"])
def test_canonical_urls_are_idempotent_on_hosts_made_of_dots(url):
    run_checked(COMPONENTS["urls"], url)


# Inputs the 10,000-input runs found slow (minutes each before): every one now well under a second.
SLOW_BEFORE = {
    "unclosed code elements in the net": lambda: __import__("pipeline.clean.plain", fromlist=["x"]).plain_text("x " + "<script>" * 40_000),
    "a long hyphenated token before the end": lambda: __import__("pipeline.clean", fromlist=["x"]).is_truncated(
        "one two three four five six seven eight " + "ab-" * 200_000 + " x."),
    "a run of digits as a timestamp line": lambda: __import__("pipeline.clean", fromlist=["x"]).clean_body("7" * 400 + " x"),
    "a run of digits as a share counter": lambda: __import__("pipeline.clean", fromlist=["x"]).clean_body("7" * 300 + "!"),
    "a run of networks as social links": lambda: __import__("pipeline.clean", fromlist=["x"]).clean_body("x " * 24 + "!"),
}


@pytest.mark.parametrize("case", sorted(SLOW_BEFORE))
def test_inputs_once_found_slow_are_handled_in_linear_time(case):
    import time

    started = time.monotonic()
    SLOW_BEFORE[case]()
    assert time.monotonic() - started < 2.0, case


def test_code_elements_are_removed_whole_and_an_unclosed_one_leaves_its_text():
    from pipeline.clean.plain import plain_text

    assert plain_text("a<script>x()</script>b<STYLE a=1>p{}</style >c") == "abc"
    assert plain_text("a<script>never closed b") == "anever closed b"
    assert plain_text("<svg><script>x</script></svg>after") == "after"
