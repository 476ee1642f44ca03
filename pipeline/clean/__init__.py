"""Text-level boilerplate cleaning: rules as data (rules.py), applied line by line."""
from pipeline.clean.cleaner import classify_lines, clean_body
from pipeline.clean.rules import RULES, Rule
from pipeline.clean.truncation import is_truncated

__all__ = ["RULES", "Rule", "classify_lines", "clean_body", "is_truncated"]
