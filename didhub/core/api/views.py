"""The base of every didhub API view: authentication attempts throttled per address.

Other API views (numbers, accounts, imports, sync) derive from ``ApiView`` or
``ApiGenericView``; permissions, throttles, pagination, parsers and the problem+json
exception handler come from ``REST_FRAMEWORK`` in the settings.
"""

from rest_framework import exceptions
from rest_framework.generics import GenericAPIView
from rest_framework.views import APIView

# Importing the schema module registers its OpenAPI extensions (token auth scheme).
from didhub.core.api import schema  # noqa: F401
from didhub.core.api.fields import MAX_ID
from didhub.core.api.throttling import AuthRateThrottle
from didhub.core.errors import NotVisible


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


class ApiView(AuthThrottleMixin, APIView):
    pass


class ApiGenericView(AuthThrottleMixin, GenericAPIView):
    pass


def visible_object(queryset, pk: int, label: str = "object"):
    """One object of a visibility-gated queryset by id, or 404 (missing and foreign alike)."""
    found = queryset.filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if found is None:
        raise NotVisible(f"No {label} with id {pk} is visible to you.", code="not_found")
    return found
