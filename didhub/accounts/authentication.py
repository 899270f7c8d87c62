"""``Authorization: Token <key>`` for the API; keys are looked up by their hash, and a
token acts only while its user and every account above it are active."""

from django.utils import timezone
from rest_framework import authentication, exceptions

from didhub.accounts.access import access_code, access_refusal
from didhub.accounts.models import ApiToken, hash_token


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Use 'Authorization: Token <key>'.")
        try:
            key = header[1].decode()
        except UnicodeError as error:
            raise exceptions.AuthenticationFailed("The token has invalid characters.") from error
        token = (
            ApiToken.objects.usable()
            .select_related("user__account")
            .filter(key_hash=hash_token(key))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        # A deactivated user's tokens are revoked; an account switched off (itself or
        # above it) keeps them, refused here until it is reactivated.
        if refusal := access_refusal(token.user):
            raise exceptions.AuthenticationFailed(refusal, code=access_code(token.user))
        now = timezone.now()
        # Stamp at most once a minute: a busy script must not turn reads into writes.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
