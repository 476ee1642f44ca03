"""Bytes -> text for HTML pages whose declared encoding may be wrong.

Order of trust: a byte-order mark (or, without one, the NUL bytes that give UTF-16 away), then strict UTF-8 (bytes that decode cleanly as UTF-8 are
almost never another encoding, whatever the page declares), then the declared charset, then
statistical detection, then cp1252 with replacement so a page is never lost to one bad byte.
"""
from __future__ import annotations

import codecs
import re

import charset_normalizer

from pipeline.extract.errors import ExtractionError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
# Text-like pages carry almost no control bytes; images, archives and executables are full of them.
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_MAX_CONTROL_SHARE = 0.01
# As in browsers (WHATWG encoding standard): pages labelled Latin-1 or ASCII are windows-1252,
# whose curly quotes and dashes sit where Latin-1 has invisible control codes.
_READ_AS = {"iso8859-1": "cp1252", "ascii": "cp1252"}


def normalise_charset(name: str | None) -> str | None:
    """A codec name Python knows, read the way browsers read it; None for unknown labels."""
    if not name:
        return None
    try:
        canonical = codecs.lookup(name.strip().strip("\"'").lower()).name
    except LookupError:
        return None
    return _READ_AS.get(canonical, canonical)


def declared_charset(head: bytes) -> str | None:
    match = _DECLARED_CHARSET.search(head)
    return normalise_charset(match.group(1).decode("ascii", "ignore")) if match else None


def byte_order_mark(data: bytes) -> str | None:
    """The encoding a byte-order mark at the start names, or None."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" for UTF-16 text that has no byte-order mark, else None.

    Text in Latin script encoded as UTF-16 has a NUL byte in (nearly) every other position, on the
    same side; binary data has its NUL bytes scattered, and UTF-8 text has none."""
    sample = data[:4096]
    sample = sample[:len(sample) // 2 * 2]
    if len(sample) < 32:
        return None
    even, odd = sample[0::2], sample[1::2]
    half = len(sample) // 2
    for zeros, others, encoding in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros.count(0) >= 0.9 * half and others.count(0) <= 0.02 * half:
            try:
                data[:len(data) // 2 * 2].decode(encoding)
            except UnicodeDecodeError:
                return None
            return encoding
    return None


def unicode_encoding(data: bytes) -> str | None:
    """The encoding of text that a byte-order mark or the NUL pattern of UTF-16 gives away."""
    return byte_order_mark(data) or utf16_without_bom(data)


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    return len(_CONTROL_BYTES.findall(sample)) > _MAX_CONTROL_SHARE * len(sample)


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
        return True
    except (UnicodeDecodeError, LookupError):
        return False


def detect_charset(data: bytes, declared: str | None = None) -> str:
    """The encoding the bytes are really in. `declared` is what the transport said (an HTTP
    Content-Type charset); without it the page's own <meta> declaration is used."""
    encoding = unicode_encoding(data)
    if encoding:
        return encoding
    if _decodes(data, "utf-8"):
        return "utf-8"
    # A declared UTF-8 that failed above is a lie; trust other declarations if they decode.
    declared = normalise_charset(declared) or declared_charset(data[:4096])
    if declared and declared != "utf-8" and _decodes(data, declared):
        return declared
    detected = _detect(data[:65536])
    if detected and _decodes(data, detected):
        return detected
    return "cp1252"


def decode_html(data: bytes, declared: str | None = None) -> str:
    """Decode page bytes to text; raises ExtractionError("undecodable") for binary content."""
    encoding = unicode_encoding(data)
    if encoding:
        return data.decode(encoding, errors="replace")
    if _looks_binary(data):
        raise ExtractionError("undecodable")
    return data.decode(detect_charset(data, declared), errors="replace")


def _detect(sample: bytes) -> str | None:
    """charset_normalizer's choice, except that among equally good single-byte guesses
    windows-1252 wins: it is what browsers fall back to for undeclared Western pages."""
    matches = list(charset_normalizer.from_bytes(sample))
    if not matches:
        return None
    best = matches[0]
    tied = [m for m in matches if m.chaos == best.chaos and m.coherence == best.coherence]
    if any("cp1252" in m.could_be_from_charset for m in tied):
        return "cp1252"
    return best.encoding
