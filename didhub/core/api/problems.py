"""Every API error as ``application/problem+json`` (RFC 9457).

One exception handler (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``) maps everything a view
can raise: didhub's domain errors (validation 400, policy 403, not visible 404,
conflict 409), DRF's own (parse error 400, 401 with ``WWW-Authenticate``, 405, 406,
413, 415, 429 with ``Retry-After``) and anything unexpected (500, logged with the
request id, never a stack trace). Django-level handlers give the same shape to errors
that never reach a DRF view (an unknown URL under ``/api/``, a crash in middleware).

Every problem carries ``type``, ``title``, ``status``, ``detail``, a machine ``code``,
the ``instance`` path and the ``request_id``; validation problems add
``errors: [{field|row, code, message}]``.
"""

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from didhub.core.errors import DomainError, ErrorItem
from didhub.core.logs import current_request_id

logger = logging.getLogger("didhub.api")

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:didhub:problem:"

TITLES = {
    400: "Invalid input",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    429: "Too many requests",
    500: "Server error",
}


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


def problem_body(
    *, status_code: int, code: str, detail: str, title: str | None = None, errors=None
) -> dict:
    """The problem document itself; ``errors`` is a list of ``ErrorItem`` dicts."""
    body = {
        "type": f"{TYPE_PREFIX}{code}",
        "title": title or TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
        "code": code,
        "request_id": current_request_id.get(),
    }
    if errors:
        body["errors"] = errors
    return body


def flatten_validation(detail, prefix: str = "") -> list[dict]:
    """DRF's nested ``{field: [messages]}`` as flat field-keyed error items."""
    items = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            items.extend(flatten_validation(value, f"{prefix}.{name}" if prefix else name))
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                items.extend(flatten_validation(value, f"{prefix}[{index}]"))
            else:
                items.extend(flatten_validation(value, prefix))
    else:
        item = ErrorItem(
            code=getattr(detail, "code", None) or "invalid",
            message=str(detail),
            field=prefix or None,
        )
        items.append(item.as_dict())
    return items


def drf_problem(exc: exceptions.APIException) -> tuple[dict, dict]:
    """Body and headers for one of DRF's own exceptions."""
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_validation(exc.detail)
        detail = errors[0]["message"] if len(errors) == 1 else "The request has invalid fields."
        body = problem_body(
            status_code=exc.status_code, code="invalid", detail=detail, errors=errors
        )
        return body, headers
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.default_detail)
    return problem_body(status_code=exc.status_code, code=code, detail=str(detail)), headers


def problem_exception_handler(exc, context):
    """DRF's ``EXCEPTION_HANDLER``: any exception as a problem response, never None."""
    headers = {}
    if isinstance(exc, DomainError):
        body = problem_body(
            status_code=exc.status,
            code=exc.code,
            detail=exc.message,
            title=exc.title,
            errors=[item.as_dict() for item in exc.errors],
        )
        if (total := getattr(exc, "errors_total", None)) is not None:
            # A bulk action lists its first refusals and counts them all: no silent cap.
            body["errors_total"] = total
            body["errors_capped"] = total > len(exc.errors)
    else:
        if isinstance(exc, Http404):
            exc = exceptions.NotFound()
        elif isinstance(exc, PermissionDenied):
            exc = exceptions.PermissionDenied(*exc.args)
        elif isinstance(exc, RequestDataTooBig):
            exc = PayloadTooLarge()
        elif isinstance(exc, SuspiciousOperation):
            exc = exceptions.ParseError("The request could not be read.")
        if isinstance(exc, exceptions.APIException):
            body, headers = drf_problem(exc)
        else:
            request = context.get("request") if context else None
            logger.error(
                "Unexpected error on %s %s",
                getattr(request, "method", "?"),
                getattr(request, "path", "?"),
                exc_info=(type(exc), exc, exc.__traceback__),
            )
            body = server_error_body()
    request = context.get("request") if context else None
    if request is not None:
        body["instance"] = request.path
    set_rollback()
    return Response(body, status=body["status"], headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def server_error_body() -> dict:
    request_id = current_request_id.get()
    return problem_body(
        status_code=500,
        code="server_error",
        detail=f"Something went wrong on our side; quote request id {request_id} to support.",
    )


# Django-level handlers (``handler404`` ... in the root URLconf): problem+json under
# /api/, Django's own pages elsewhere.


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def problem_response(request, status_code: int, code: str, detail: str) -> HttpResponse:
    body = problem_body(status_code=status_code, code=code, detail=detail)
    body["instance"] = request.path
    return JsonResponse(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


def null_character_response(request, parameter: str) -> HttpResponse:
    """A 400 for a NUL character in the URL (``NulRefusingMiddleware``)."""
    body = problem_body(
        status_code=400,
        code="invalid",
        detail=f"{parameter}: Null characters are not allowed.",
        errors=[
            ErrorItem(
                code="null_characters_not_allowed",
                message="Null characters are not allowed.",
                field=parameter,
            ).as_dict()
        ],
    )
    body["instance"] = request.path.replace("\x00", "\\x00")
    return JsonResponse(body, status=400, content_type=PROBLEM_CONTENT_TYPE)


def bad_request(request, exception, template_name="400.html"):
    if not is_api(request):
        return defaults.bad_request(request, exception, template_name)
    if isinstance(exception, RequestDataTooBig):
        return problem_response(request, 413, "payload_too_large", PayloadTooLarge.default_detail)
    return problem_response(request, 400, "bad_request", "The request could not be read.")


def permission_denied(request, exception, template_name="403.html"):
    if not is_api(request):
        return defaults.permission_denied(request, exception, template_name)
    return problem_response(request, 403, "permission_denied", "You may not do this.")


def page_not_found(request, exception, template_name="404.html"):
    if not is_api(request):
        return defaults.page_not_found(request, exception, template_name)
    return problem_response(request, 404, "not_found", f"No API resource at {request.path}.")


def server_error(request, template_name="500.html"):
    if not is_api(request):
        return defaults.server_error(request, template_name)
    body = server_error_body()
    body["instance"] = request.path
    return JsonResponse(body, status=500, content_type=PROBLEM_CONTENT_TYPE)
