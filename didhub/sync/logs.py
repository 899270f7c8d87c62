"""Keep consent tokens out of the logs.

A consent link (``/sync/consent/<token>/``) is a bearer credential for as long as it is
valid: whoever holds it can consent for the customer. Its path reaches the logs through
the access log (``django.server``), the 4xx warnings of ``django.request`` ("Not Found:
/sync/consent/...") and the CSRF refusals of ``django.security.csrf``. This filter
rewrites such records so that the token segment reads ``[redacted]``; it is attached to
those loggers when the app is ready (``SyncConfig.ready``), and can be named in a
``LOGGING`` configuration as ``didhub.sync.logs.RedactConsentTokens`` for any handler.
"""

import logging
import re

CONSENT_TOKEN = re.compile(r"(/sync/consent/)[^/\s?#\"']+")
REDACTED = r"\1[redacted]"
# The loggers that write request paths.
LOGGERS = (
    "django.request",
    "django.server",
    "django.security.csrf",
    "django.security",
    # The access log of didhub's own request middleware.
    "didhub.request",
)


def redact(text: str) -> str:
    return CONSENT_TOKEN.sub(REDACTED, text)


class RedactConsentTokens(logging.Filter):
    """Rewrites a record whose message carries a consent token; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        if "/sync/consent/" in message:
            record.msg = redact(message)
            record.args = ()
        return True


def install() -> None:
    """Attach the filter to every logger that writes request paths (once)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactConsentTokens) for f in logger.filters):
            logger.addFilter(RedactConsentTokens())
