"""OpenAPI pieces every API view shares: the problem document and its responses.

``problems(400, 404, ...)`` gives the ``responses`` entries for ``extend_schema``, each
an ``application/problem+json`` body with an example, so that every error a route can
answer is documented the same way::

    @extend_schema(responses={200: NumberSerializer, **problems(403, 404)})
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

from didhub.core.api.problems import PROBLEM_CONTENT_TYPE, TITLES, TYPE_PREFIX


class ProblemItemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable reason, e.g. `invalid`.")
    message = serializers.CharField(help_text="What is wrong, in words a user can act on.")
    field = serializers.CharField(required=False, help_text="The input field concerned.")
    row = serializers.CharField(
        required=False, help_text="The row or number (E.164) concerned, in bulk requests."
    )


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, as every error of the API is answered."""

    type = serializers.CharField(help_text="A URI naming the kind of problem.")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField()
    request_id = serializers.CharField(help_text="Quote it to support; it is in the logs.")
    instance = serializers.CharField(required=False, help_text="The path requested.")
    errors = ProblemItemSerializer(many=True, required=False)


EXAMPLES = {
    400: (
        "invalid",
        "The request has invalid fields.",
        [{"field": "channel", "code": "invalid_choice", "message": '"x" is not a valid choice.'}],
    ),
    401: ("not_authenticated", "Authentication credentials were not provided.", None),
    403: ("not_allowed", "Enterprise viewers have read-only access.", None),
    404: ("not_found", "Not found.", None),
    405: ("method_not_allowed", 'Method "PUT" not allowed.', None),
    409: ("conflict", "+12125550100 is already assigned on voice.", None),
    413: ("payload_too_large", "The request body is too large.", None),
    415: ("unsupported_media_type", 'Unsupported media type "text/plain" in request.', None),
    429: ("throttled", "Request was throttled. Expected available in 12 seconds.", None),
}

DESCRIPTIONS = {
    400: "Invalid input; `errors` lists each field or row with its reason.",
    401: "No or invalid credentials.",
    403: "Visible to you, but your role, token scope or a rule does not allow it.",
    404: "Not found, or not visible to you (another tenant's objects are never disclosed).",
    405: "Method not allowed on this resource.",
    409: "Conflict: the object changed, is already taken, or an Idempotency-Key was reused.",
    413: "Request body too large.",
    415: "Unsupported media type.",
    429: "Throttled; retry after the `Retry-After` seconds.",
}


def problem_example(status: int) -> dict:
    code, detail, errors = EXAMPLES[status]
    body = {
        "type": f"{TYPE_PREFIX}{code}",
        "title": TITLES[status],
        "status": status,
        "detail": detail,
        "code": code,
        "request_id": "5f0c1a9e2b7d4e8f9a6b3c2d1e0f9a8b",
    }
    if errors:
        body["errors"] = errors
    return body


def problems(*statuses: int) -> dict:
    """``extend_schema`` responses for these statuses, plus 401 and 429 on every route."""
    wanted = sorted(set(statuses) | {401, 429})
    return {
        (status, PROBLEM_CONTENT_TYPE): OpenApiResponse(
            response=ProblemSerializer,
            description=DESCRIPTIONS[status],
            examples=[
                OpenApiExample(
                    f"problem {status}",
                    value=problem_example(status),
                    response_only=True,
                    status_codes=[str(status)],
                    media_type=PROBLEM_CONTENT_TYPE,
                )
            ],
        )
        for status in wanted
    }


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """Documents ``Authorization: Token <key>`` as the ``tokenAuth`` security scheme."""

    target_class = "didhub.accounts.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`; create keys at /api/v1/tokens/ (shown once).",
        }
