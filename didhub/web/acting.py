"""The account switcher: a reseller or platform user opens an account below its own.

A higher administrator opens the Phone Numbers of an account below "as if you were its
administrator" (docs/domain.md, "Acting for an account below"). The opened account's
id lives in the session; every portal view asks :func:`acting_user` for the user to
hand to selectors, services and the policy. That user is the real user (same id and
email, so the audit trail names the person) with its account swapped for the opened
one, so visibility and policy scope to it. A platform viewer stays a platform viewer
there: read-only.
"""

import copy

from django.db import transaction

from didhub.accounts import selectors as account_selectors
from didhub.accounts.models import Account
from didhub.core import audit
from didhub.core.errors import NotVisible

SESSION_KEY = "didhub_acting_account"


def _refuse_save(*args, **kwargs):
    raise RuntimeError("An acting user is a view of the real user and is never saved.")


def acting_user(request):
    """The user every view acts as: the real user, scoped to the opened account."""
    cached = getattr(request, "_didhub_acting", None)
    if cached is not None:
        return cached
    user = request.user
    acting = user
    account_id = request.session.get(SESSION_KEY) if user.is_authenticated else None
    if account_id and account_id != user.account_id:
        account = account_selectors.switchable_accounts(user=user).filter(pk=account_id).first()
        if account is None:
            # The account went away or is no longer below the user: back to its own.
            request.session.pop(SESSION_KEY, None)
        else:
            acting = copy.copy(user)
            acting.account = account
            acting.real_account = user.account
            acting.save = _refuse_save
    request._didhub_acting = acting
    return acting


def is_acting(user) -> bool:
    return getattr(user, "real_account", None) is not None


def account_open(request, account_id: int) -> Account:
    """Open an account below the real user's own; audited as ``portal.account_opened``."""
    user = request.user
    account = account_selectors.switchable_accounts(user=user).filter(pk=account_id).first()
    if account is None:
        raise NotVisible("Not found.", code="not_found")
    with transaction.atomic():
        audit.record(
            actor=user,
            action="portal.account_opened",
            obj=account,
            account=account,
            after={"account": account.name, "from": user.account.name},
        )
    if account.pk == user.account_id:
        request.session.pop(SESSION_KEY, None)
    else:
        request.session[SESSION_KEY] = account.pk
    request._didhub_acting = None
    return account


def account_close(request) -> None:
    """Back to the user's own account."""
    request.session.pop(SESSION_KEY, None)
    request._didhub_acting = None
