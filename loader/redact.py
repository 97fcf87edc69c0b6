"""Keep secrets out of every log line and error message.

The API token and the pre-signed download URLs are bearer credentials. Requests, urllib3 and
dlt put URLs into exception texts and debug logs, so everything the loader prints goes through
`redact`, and a logging filter applies it to every record, whoever logs it.
"""

from __future__ import annotations

import logging
import re
import threading

# A URL or path followed by a query string: pre-signed URLs carry their signature there.
_QUERY = re.compile(r"((?:https?://)?[^\s?'\"<>]*)\?[^\s'\"<>]+")
_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret value (the token, a URL) so that `redact` hides it everywhere."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """Return `text` with registered secrets and URL query strings replaced."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, "[redacted]")
    return _QUERY.sub(lambda m: f"{m.group(1)}?[redacted]", text)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts the message and arguments of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drop it."""
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not break logging
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def install_filter() -> None:
    """Attach the redacting filter to every handler of the root and the dlt loggers."""
    redacting = RedactingFilter()
    for name in (None, "dlt", "urllib3", "requests"):
        logger = logging.getLogger(name)
        for handler in logger.handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(redacting)
