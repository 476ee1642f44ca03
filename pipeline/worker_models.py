"""Imported by the workers' fork server (`pipeline.workers.WORKER_MODULES`): loads the spaCy model
and the language classifier's model there, once, so that every worker forked from it starts with
both in memory (shared copy-on-write) instead of each worker loading them again: a second or two of
CPU per worker, and per restarted worker. Importing it anywhere else loads the models too: only
the fork server and a shard worker process import it."""
from __future__ import annotations

from pipeline.enrich.nlp import load_nlp
from pipeline.extract.language import load_language_model

load_nlp()
load_language_model()
