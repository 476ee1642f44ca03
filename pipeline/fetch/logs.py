"""No password in a log: the HTTP libraries' own log records are cleaned before anyone sees them.

httpcore traces every response header at DEBUG, a redirect's `Location: http://user:password@...`
included, and httpx logs every request URL at INFO. A filter on their loggers redacts the user
information of any URL in the message (pipeline.urls decides what that means).
"""
from __future__ import annotations

import logging

from pipeline.urls import redact_credentials_in_text

# Filters of a logger apply to the records it makes itself, not to its children's: each is named.
HTTP_LOGGERS = ("httpx", "httpcore.connection", "httpcore.http11", "httpcore.http2", "httpcore.proxy",
                "httpcore.socks", "broadsheet.fetch")


class RedactCredentials(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_credentials_in_text(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactCredentials()


def redact_http_logs() -> None:
    """Idempotent: adding the same filter object twice keeps one."""
    for name in HTTP_LOGGERS:
        logging.getLogger(name).addFilter(_FILTER)
