"""A request id on every request, every log line and every event."""

import contextvars
import logging
import uuid

current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "didhub_request_id", default=""
)


class RequestIdMiddleware:
    """Takes ``X-Request-ID`` from a proxy or makes one, and echoes it in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if 8 <= len(incoming) <= 36 and incoming.isascii() else ""
        request_id = request_id or uuid.uuid4().hex
        request.request_id = request_id
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get() or "-"
        return True


class NulRefusingMiddleware:
    """A NUL character in the path or the query string is a 400 before any view runs.

    No didhub URL or search means a NUL, and PostgreSQL refuses it in any text it is
    compared with, so a view that passed one on (``/accounts/?q=%00``) failed with a
    server error. Refusing it here covers every page, every API list and every filter
    at once: under ``/api/`` as a problem naming the parameter, elsewhere as the
    portal's 400 page. Bodies are checked where they are read (forms and serializers
    refuse NUL in text fields, the API's JSON parser in every string).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = nul_parameter(request)
        if where is None:
            return self.get_response(request)
        from didhub.core.api import problems

        if problems.is_api(request):
            return problems.null_character_response(request, where)
        return problems.bad_request(request, SuspiciousNulCharacter(where))


class SuspiciousNulCharacter(ValueError):
    """What the portal's 400 page is told about a refused NUL (never shown verbatim)."""


def nul_parameter(request) -> str | None:
    """The name of the first query parameter holding a NUL ("path" for the path)."""
    if "\x00" in request.path:
        return "path"
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            return name.replace("\x00", "\\x00")
    return None
