"""``Idempotency-Key`` for API writes: a retried request is answered, never repeated.

A client that sends ``Idempotency-Key: <any unique text up to 255 characters>`` with a
POST gets, for the next 24 hours, the very same answer (status and body, with the
header ``Idempotent-Replayed: true``) when it sends the same key with the same method,
path and body again; the change is not made twice. The same key with another body or
path is a 409 problem, and so is a retry while the first request is still running.
Keys are per user. Answers of 500 are not kept, so the client can retry those.

Usage, on any DRF view method that changes numbers (bulk, assign, imports, call
events, ...)::

    from didhub.core.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent

    class NumberAssignView(ApiView):
        @extend_schema(parameters=[IDEMPOTENCY_KEY_PARAMETER], ...)
        @idempotent
        def post(self, request, e164):
            ...

The decorator runs after authentication (inside DRF's ``dispatch``), so keys are
scoped to ``request.user``; requests without the header pass straight through.
"""

import functools
import hashlib
import json
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from didhub.core.api.problems import PROBLEM_CONTENT_TYPE
from didhub.core.errors import Conflict, invalid
from didhub.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
RETENTION = timedelta(hours=24)
MAX_KEY_LENGTH = 255
# Marks a record whose first request is still running.
IN_PROGRESS = 0

KEY_PATTERN = r"^[!-~]([ -~]*[!-~])?$"
IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    # Printable ASCII, without the spaces at either end that HTTP drops from a header.
    type={"type": "string", "pattern": KEY_PATTERN, "maxLength": MAX_KEY_LENGTH},
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique text (1 to 255 printable ASCII characters); anything else is a 400. "
        "Repeating the request with the same key "
        "and body within 24 hours returns the first answer without repeating the change; "
        "the same key with another body is a 409."
    ),
)


def request_fingerprint(request) -> str:
    """SHA-256 of method, path and body, the same for the same parsed body."""
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    data = request.data
    if isinstance(data, QueryDict):
        data = {key: data.getlist(key) for key in sorted(data)}
    digest.update(json.dumps(data, sort_keys=True, default=str).encode())
    for name in sorted(getattr(request, "FILES", {}) or {}):
        for upload in request.FILES.getlist(name):
            digest.update(f"\nfile {name} {upload.name}\n".encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    return digest.hexdigest()


def replay(record: IdempotencyRecord) -> Response:
    content_type = PROBLEM_CONTENT_TYPE if record.status_code >= 400 else None
    return Response(
        record.response_body,
        status=record.status_code,
        headers={"Idempotent-Replayed": "true"},
        content_type=content_type,
    )


def claim(*, user_id: int, key: str, request, fingerprint: str) -> IdempotencyRecord | Response:
    """Take the key for this request, or answer from (or refuse because of) its owner."""
    now = timezone.now()
    IdempotencyRecord.objects.filter(created_at__lt=now - RETENTION).delete()
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                user_id=user_id,
                key=key,
                method=request.method,
                path=request.path[:500],
                request_hash=fingerprint,
                status_code=IN_PROGRESS,
                response_body=None,
                created_at=now,
            )
    except IntegrityError:
        pass
    existing = IdempotencyRecord.objects.filter(user_id=user_id, key=key).first()
    if existing is None:
        # Expired and purged by a concurrent request between our insert and read.
        raise Conflict("Retry the request.", code="idempotency_retry")
    if existing.request_hash != fingerprint:
        raise Conflict(
            "This Idempotency-Key was used for another request; use a new key.",
            code="idempotency_key_reused",
        )
    if existing.status_code == IN_PROGRESS:
        raise Conflict(
            "A request with this Idempotency-Key is still being processed.",
            code="idempotency_in_progress",
        )
    return replay(existing)


def idempotent(view_method):
    """Decorate a DRF view method: honour ``Idempotency-Key`` as described above."""

    @functools.wraps(view_method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view_method(view, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
            raise invalid(
                f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters.",
                field=HEADER,
            )
        claimed = claim(
            user_id=request.user.pk,
            key=key,
            request=request,
            fingerprint=request_fingerprint(request),
        )
        if isinstance(claimed, Response):
            return claimed
        try:
            response = view_method(view, request, *args, **kwargs)
        except Exception as exc:
            response = view.handle_exception(exc)
        if response.status_code >= 500 or not hasattr(response, "data"):
            claimed.delete()
        else:
            claimed.status_code = response.status_code
            claimed.response_body = json.loads(JSONRenderer().render(response.data) or b"null")
            claimed.save(update_fields=["status_code", "response_body"])
        return response

    return wrapper
