"""Password sign-in and sessions, refused for deactivated users and accounts.

Django's ``ModelBackend`` refuses an inactive user; this backend also refuses a user
whose account, or an account above it, is deactivated (``didhub.accounts.access``).
Django asks ``user_can_authenticate`` both at sign-in and when it loads the user of a
session on every request, so a session of someone switched off ends on its next
request (``didhub.accounts.middleware`` then says why).

At sign-in, when the password is right but access is refused, the reason is left on
the request for the login form: only someone who knows the password learns that the
sign-in exists and is switched off. A wrong password gets the usual answer.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from didhub.accounts.access import access_refusal

REFUSAL_ATTRIBUTE = "didhub_sign_in_refusal"


class ActiveAccountBackend(ModelBackend):
    def user_can_authenticate(self, user) -> bool:
        return access_refusal(user) is None

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        model = get_user_model()
        try:
            # Emails are stored lower-case (``UserManager.create_user``).
            user = model._default_manager.select_related("account").get(
                email=username.strip().lower()
            )
        except model.DoesNotExist:
            # Hash anyway, so that a missing user takes as long as a wrong password.
            model().set_password(password)
            return None
        if not user.check_password(password):
            return None
        refusal = access_refusal(user)
        if refusal is None:
            return user
        if request is not None:
            setattr(request, REFUSAL_ATTRIBUTE, refusal)
        return None

    def get_user(self, user_id):
        model = get_user_model()
        user = model._default_manager.select_related("account").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
