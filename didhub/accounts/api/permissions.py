"""Permissions every API view shares: signed in, and a read token never writes."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from didhub.accounts.models import ApiToken


class TokenScopeAllows(BasePermission):
    """A token with read scope may only read; writes need a token with write scope.

    Session users are not limited here: their role decides, in the policy module.
    """

    message = "This API token has read scope; writes need a token with write scope."
    code = "token_read_only"

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if request.method in SAFE_METHODS or not isinstance(token, ApiToken):
            return True
        return token.can_write
