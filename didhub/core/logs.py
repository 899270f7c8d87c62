"""didhub's log lines: plain for a terminal, one JSON object per line for a collector.

``DIDHUB_LOG_FORMAT=json`` selects ``JsonFormatter``. Every line carries the request id
of the request it belongs to (also in the ``X-Request-ID`` response header and in every
problem+json), and, once the request is authenticated, the user and account ids; the
request line (``didhub.request``) adds the route, method, status and duration. Work a
request hands to the worker carries the request id with it (``request_context``), so
the worker's lines about an upload name the request that started it.

What never goes into a line: passwords, tokens, secrets and consent links. Paths are
logged as their route pattern plus the path with every secret-bearing URL segment
replaced (``SECRET_URL_KWARGS``), and request bodies and headers are never logged.
"""

import contextvars
import json
import logging
from contextlib import contextmanager
from datetime import UTC, datetime

current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "didhub_request_id", default=""
)
current_identity: contextvars.ContextVar[tuple] = contextvars.ContextVar(
    "didhub_identity", default=(None, None)
)

# The fields a record may carry beyond the standard ones, in the order JSON lines show them.
CONTEXT_FIELDS = ("request_id", "user", "account", "method", "route", "path", "status")
CONTEXT_FIELDS += ("duration_ms", "client")
STANDARD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", (), None)))
STANDARD_ATTRIBUTES |= {"message", "asctime"}


@contextmanager
def request_context(request_id: str):
    """Log lines written in the body belong to this request (the worker, for a task)."""
    token = current_request_id.set(request_id or "")
    try:
        yield
    finally:
        current_request_id.reset(token)


def set_identity(user_id, account_id) -> None:
    current_identity.set((user_id, account_id))


class RequestContextFilter(logging.Filter):
    """Adds the request id, user and account of the current request to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        # django.request writes its 4xx/5xx lines after the middleware has finished, with
        # the request attached: its id and user come from there.
        request = getattr(record, "request", None)
        record.request_id = (
            getattr(record, "request_id", None)
            or current_request_id.get()
            or getattr(request, "request_id", "")
            or "-"
        )
        user_id, account_id = current_identity.get()
        user = getattr(request, "user", None)
        if user_id is None and getattr(user, "is_authenticated", False):
            user_id, account_id = user.pk, getattr(user, "account_id", None)
        if getattr(record, "user", None) is None:
            record.user = user_id
        if getattr(record, "account", None) is None:
            record.account = account_id
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request's context."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in CONTEXT_FIELDS:
            value = getattr(record, field, None)
            if value not in (None, "", "-"):
                line[field] = value
        # Extra fields of plain values only: an object's repr (django.request attaches the
        # request, whose repr holds its path) is not a field, and may carry a secret.
        for key, value in vars(record).items():
            if key in STANDARD_ATTRIBUTES or key in line or key.startswith("_"):
                continue
            if isinstance(value, str | int | float | bool):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)
