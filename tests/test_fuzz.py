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
