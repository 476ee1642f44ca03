"""Article extraction: HTML or plain text -> pipeline.records.Extracted."""
from pipeline.extract.errors import ExtractionError
from pipeline.extract.html import extract_html
from pipeline.extract.text import extract_text

__all__ = ["ExtractionError", "extract_html", "extract_text"]
