"""A request id on every request, every log line and every event; a log line per request."""

import logging
import time
import uuid

from rest_framework.throttling import BaseThrottle

from didhub.core.logs import current_identity, current_request_id, set_identity

request_logger = logging.getLogger("didhub.request")

# URL parts that are credentials (a consent link's token): never written to a log line.
SECRET_URL_KWARGS = frozenset({"token", "key", "secret"})


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
        identity = current_identity.set((None, None))
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
            current_identity.reset(identity)
        response["X-Request-ID"] = request_id
        return response


class RequestLogMiddleware:
    """One line per request on ``didhub.request``: route, status, duration, who.

    It replaces the WSGI server's access log, which would write raw paths (consent
    tokens included) and knows neither the request id nor the user. Placed after
    authentication; API views authenticate inside DRF, which sets ``request.user`` on
    this same request, so the line names the token's user too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        _remember_identity(request)
        response = self.get_response(request)
        _remember_identity(request)
        match = getattr(request, "resolver_match", None)
        request_logger.info(
            "%s %s %s",
            request.method,
            logged_path(request),
            response.status_code,
            extra={
                "method": request.method,
                "route": "/" + match.route if match is not None else "-",
                "path": logged_path(request),
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "client": client_address(request),
            },
        )
        return response


def _remember_identity(request) -> None:
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        set_identity(user.pk, getattr(user, "account_id", None))


def client_address(request) -> str:
    """The client's address: the connecting one, or what the trusted proxies say it is.

    One rule for throttles, sign-in lockouts and log lines: X-Forwarded-For is believed
    only as far as ``DIDHUB_TRUSTED_PROXIES`` proxies appended to it (DRF's
    ``NUM_PROXIES``, set from that setting).
    """
    return BaseThrottle().get_ident(request)


def logged_path(request) -> str:
    """The path with every secret-bearing URL part replaced; no query string."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name, value in match.kwargs.items():
            if name in SECRET_URL_KWARGS and value:
                path = path.replace(str(value), "[redacted]")
    return path


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
