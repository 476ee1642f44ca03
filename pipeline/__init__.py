"""Broadsheet: a batch ETL pipeline for news corpora."""
