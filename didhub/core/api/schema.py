"""OpenAPI pieces every API view shares: the problem document and its responses.

``problems(400, 404, ...)`` gives the ``responses`` entries for ``extend_schema``, each
an ``application/problem+json`` body with an example, so that every error a route can
answer is documented the same way::

    @extend_schema(responses={200: NumberSerializer, **problems(403, 404)})
"""

from django_filters.filters import BaseCSVFilter
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
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
    errors_total = serializers.IntegerField(
        required=False, help_text="Bulk actions: how many numbers were refused in all."
    )
    errors_capped = serializers.BooleanField(
        required=False, help_text="Bulk actions: true when `errors` lists only the first ones."
    )


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


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema, knowing that ``problems()`` entries are not the answer.

    Responses keyed ``(status, media type)`` are the error problems; the list heuristic
    (pagination and filter parameters) must look at the main answer, not at those.
    """

    def _is_list_view(self, serializer=None) -> bool:
        if serializer is None:
            serializer = self.get_response_serializers()
        if isinstance(serializer, dict):
            serializer = {k: v for k, v in serializer.items() if not isinstance(k, tuple)}
        return super()._is_list_view(serializer)

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        """A serializer's ``one_of_required`` (groups of field names, exactly one group
        given) as the component's ``oneOf``, and its ``required_when`` (a discriminator
        field and the field each of its values needs) as an ``allOf``, so that the schema
        says what its ``validate()`` refuses."""
        mapped = super()._map_serializer(serializer, direction, bypass_extensions)
        groups = getattr(serializer, "one_of_required", None)
        if groups and direction == "request":
            mapped["oneOf"] = [
                {
                    "required": list(group),
                    "not": {
                        "anyOf": [
                            {"required": [name]}
                            for other in groups
                            if other != group
                            for name in other
                        ]
                    },
                }
                for group in groups
            ]
        condition = getattr(serializer, "required_when", None)
        if condition and direction == "request":
            # For each value of the discriminator that needs a field: either the value is
            # another one, or the field is there and not null (OpenAPI 3.0 has no if/then).
            discriminator, required = condition
            mapped["allOf"] = [
                {
                    "anyOf": [
                        {"properties": {discriminator: {"not": {"enum": [value]}}}},
                        {"required": [field], "properties": {field: not_null(mapped, field)}},
                    ]
                }
                for value, field in required.items()
            ]
        return mapped

    def _get_filter_parameters(self):
        """Query parameters straight from the view's FilterSet: every filter with its
        type and choices, whether it filters a column or runs a method."""
        filterset_class = getattr(self.view, "filterset_class", None)
        if filterset_class is None or not self.get_filter_backends():
            return []  # no FilterSet: the view documents its own parameters
        return [filter_parameter(name, item) for name, item in filterset_class.base_filters.items()]

    def _get_response_bodies(self, direction="response"):
        """Every authenticated operation documents 401 and 429 as problems, also when
        its view names only its other errors."""
        responses = super()._get_response_bodies(direction)
        problem = self.resolve_serializer(ProblemSerializer, direction)
        names = {getattr(item, "name", None) for item in self.get_override_parameters()}
        if "Idempotency-Key" in names:
            # A malformed key is refused before the view runs, whatever the body.
            responses.setdefault(
                "400",
                {
                    "content": {PROBLEM_CONTENT_TYPE: {"schema": problem.ref}},
                    "description": DESCRIPTIONS[400],
                },
            )
        if {} in (self.get_auth() or [{}]):
            return responses
        for status in (401, 429):
            responses.setdefault(
                str(status),
                {
                    "content": {PROBLEM_CONTENT_TYPE: {"schema": problem.ref}},
                    "description": DESCRIPTIONS[status],
                },
            )
        return responses


def filter_parameter(name: str, item) -> dict:
    """One django-filter filter as an OpenAPI query parameter."""
    field_class = getattr(item, "field_class", None)
    field_name = getattr(field_class, "__name__", "")
    description = str(item.label or name.replace("_", " ").capitalize())
    choices = item.extra.get("choices")
    if choices:
        values = [str(value) for value, _ in choices]
        if isinstance(item, BaseCSVFilter):
            description += "; one or more, comma-separated."
            return {
                "in": "query",
                "name": name,
                "required": False,
                "description": description,
                "style": "form",
                "explode": False,
                "schema": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "string", "enum": values},
                },
            }
        else:
            schema = {"type": "string", "enum": values}
    elif "Boolean" in field_name:
        schema = {"type": "boolean"}
    elif "Integer" in field_name:
        schema = {"type": "integer"}
        for key, bound in (("minimum", "min_value"), ("maximum", "max_value")):
            if item.extra.get(bound) is not None:
                schema[key] = item.extra[bound]
    elif "DateTime" in field_name:
        schema = {"type": "string", "format": "date-time"}
    else:
        schema = {"type": "string"}
        if item.extra.get("max_length"):
            schema["maxLength"] = item.extra["max_length"]
    return {
        "in": "query",
        "name": name,
        "required": False,
        "description": description,
        "schema": schema,
    }


def not_null(mapped: dict, field: str) -> dict:
    """The field's own schema in ``mapped``, with null no longer allowed."""
    schema = dict(mapped["properties"][field])
    schema.pop("nullable", None)
    return schema
