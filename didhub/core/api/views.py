"""The base of every didhub API view: authentication attempts throttled per address.

Other API views (numbers, accounts, imports, sync) derive from ``ApiView`` or
``ApiGenericView``; permissions, throttles, pagination, parsers and the problem+json
exception handler come from ``REST_FRAMEWORK`` in the settings.
"""

from rest_framework import exceptions
from rest_framework.generics import GenericAPIView
from rest_framework.views import APIView

# Importing the schema module registers its OpenAPI extensions (token auth scheme).
from didhub.core.api import schema
from didhub.core.api.fields import MAX_ID
from didhub.core.api.throttling import AuthRateThrottle
from didhub.core.errors import ErrorItem, NotVisible, ValidationFailed


class AuthThrottleMixin:
    """Failed authentications count against the stricter ``auth`` rate of the address."""

    def perform_authentication(self, request):
        throttle = AuthRateThrottle()
        if "HTTP_AUTHORIZATION" in request.META:
            wait = throttle.failures_wait(request)
            if wait is not None:
                raise exceptions.Throttled(wait, detail="Too many failed sign-in attempts.")
        try:
            request.user  # noqa: B018 - authenticates
        except exceptions.AuthenticationFailed:
            throttle.record_failure(request)
            raise


class EmptyFilterMixin:
    """A filter given with no value is refused where the schema types it.

    ``?before=`` or ``?state=`` with nothing after the ``=`` is not a moment or a state:
    the API answers 400 instead of quietly not filtering, as its schema says. Free-text
    filters (``q``, ``tag``) may be empty. The portal's forms send empty fields for the
    filters a person left blank, so the rule is the API's, not the FilterSet's.
    """

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is None:
            return
        errors = [
            ErrorItem(code="blank", message="Give a value, or leave the parameter out.", field=name)
            for name, item in filterset_class.base_filters.items()
            if request.query_params.get(name) == "" and typed_filter(name, item)
        ]
        if errors:
            raise ValidationFailed(
                f"{errors[0].field}: give a value, or leave the parameter out.",
                code="invalid_filter",
                errors=errors,
            )


def typed_filter(name: str, item) -> bool:
    """Whether the schema gives the filter a type or choices (not free text)."""
    documented = schema.filter_parameter(name, item)["schema"]
    return documented.get("type") != "string" or "enum" in documented or "format" in documented


class ApiView(AuthThrottleMixin, EmptyFilterMixin, APIView):
    pass


class ApiGenericView(AuthThrottleMixin, EmptyFilterMixin, GenericAPIView):
    pass


def visible_object(queryset, pk: int, label: str = "object"):
    """One object of a visibility-gated queryset by id, or 404 (missing and foreign alike)."""
    found = queryset.filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if found is None:
        raise NotVisible(f"No {label} with id {pk} is visible to you.", code="not_found")
    return found
