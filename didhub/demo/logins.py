"""The demo's logins: one person per role, each with a password of this installation.

A password is derived from the installation's secret key and the email address, so
``didhub demo`` prints the same passwords every time without storing them anywhere,
and running it again changes nothing. Whoever holds the secret key can already sign
sessions, so the derivation gives nobody more than they had; and there is no
well-known demo password. A demo user whose password was changed gets the demo's back.
"""

import base64
from dataclasses import dataclass

from django.utils.crypto import salted_hmac

from didhub.accounts.choices import Role
from didhub.accounts.models import User

SALT = "didhub.demo.logins password"


def demo_password(email: str) -> str:
    digest = salted_hmac(SALT, email.lower(), algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode()[:16]


@dataclass(frozen=True)
class Login:
    email: str
    role: str  # the role's label
    account: str
    password: str


def ensure_logins(emails: list[str]) -> list[Login]:
    """Give each demo user its password (only where it differs); return them in order."""
    users = {
        user.email: user for user in User.objects.filter(email__in=emails).select_related("account")
    }
    logins = []
    for email in emails:
        user = users.get(email)
        if user is None:
            continue
        password = demo_password(email)
        if not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        logins.append(
            Login(
                email=email,
                role=Role(user.role).label,
                account=user.account.name,
                password=password,
            )
        )
    return logins
