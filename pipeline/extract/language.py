"""Language of a body, detected with py3langid (its model ships inside the package)."""
from __future__ import annotations

import py3langid

from pipeline.extract.agreement import words

# Below this many words the classifier is little better than a guess.
MIN_WORDS = 8
# The opening of an article decides its language; classifying more only costs time.
SAMPLE_CHARS = 1500


def detect_language(text: str) -> str | None:
    sample = text[:SAMPLE_CHARS]
    if len(words(sample)) < MIN_WORDS:
        return None
    language, _score = py3langid.classify(sample)
    return language


def load_language_model() -> None:
    """Load the classifier's model now (py3langid loads it on its first call, a second or more of
    decompressing): a worker does it as it starts, so no document's time budget pays for it."""
    py3langid.classify("warm up")
