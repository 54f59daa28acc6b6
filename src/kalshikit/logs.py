"""No secret in a log: signatures are replaced, key ids cut to their first four characters.

Debug logs are where secrets leak: the ``websockets`` library logs every handshake header at
DEBUG, and a captured signature is replayable while its timestamp is inside the exchange's
window. :class:`RedactingFilter` rewrites a record before any handler formats it. kalshikit
attaches it to its own loggers and to the loggers of the libraries it drives (so a user's
``logging.basicConfig(level=DEBUG)`` is safe too); ``kalshi --debug`` also puts it on every
handler it installs. ``install()`` does the same for handlers the user set up.
"""

from __future__ import annotations

import logging
import re
from typing import Final

__all__ = ["LIBRARY_LOGGERS", "RedactingFilter", "install", "redact"]

# The loggers that see request headers or key ids: ours, and the libraries' own names (a
# logger's filters apply to the records made at that very logger, not to its children's).
LIBRARY_LOGGERS: Final = (
    "kalshikit",
    "kalshikit.http",
    "kalshikit.ws",
    "kalshikit.ws.wire",
    "websockets",
    "websockets.client",
    "websockets.server",
    "httpx",
    "httpcore",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.connection",
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
)
KEPT_KEY_CHARS: Final = 4

# A header name, then whatever separates it from its value in the forms logs use:
# "Name: value", "name=value", "'name': 'value'", "(b'name', b'value')".
_SEPARATOR = r"""(['"]?\s*(?:[:=]|,)\s*(?:b?['"])?)"""
_VALUE = r"""([^\s'",)}\]]+)"""
_SIGNATURE = re.compile(r"(?i)(kalshi-access-signature)" + _SEPARATOR + _VALUE)
_KEY = re.compile(r"(?i)(kalshi-access-key|api_key_id|api-key-id)" + _SEPARATOR + _VALUE)


def _cut_key(match: re.Match[str]) -> str:
    name, separator, value = match.groups()
    return f"{name}{separator}{value[:KEPT_KEY_CHARS]}…"


def redact(text: str) -> str:
    """``text`` with every signature replaced and every key id cut to its first characters."""
    text = _SIGNATURE.sub(lambda m: f"{m.group(1)}{m.group(2)}[redacted]", text)
    return _KEY.sub(_cut_key, text)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (and its formatted traceback) with secrets redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string is the logging module's to report, not ours
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


_FILTER: Final = RedactingFilter()


def _attach(target: logging.Logger | logging.Handler) -> None:
    if not any(isinstance(f, RedactingFilter) for f in target.filters):
        target.addFilter(_FILTER)


def protect_library_loggers() -> None:
    """Attach the filter to every logger in :data:`LIBRARY_LOGGERS` (idempotent)."""
    for name in LIBRARY_LOGGERS:
        _attach(logging.getLogger(name))


def install(logger: logging.Logger | None = None) -> None:
    """Redact on the library loggers and on every handler of ``logger`` (default: root)."""
    protect_library_loggers()
    for handler in (logger or logging.getLogger()).handlers:
        _attach(handler)
