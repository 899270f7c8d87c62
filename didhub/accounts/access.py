"""Who may sign in and act right now: an active user on an account that is active, as is
every account above it.

Deactivating an account (``is_active``) switches off it and everything below it, at any
depth, without touching the rows: its numbers stay in the inventory and reactivating it
restores access. Every way in asks here: the portal's sign-in and every request of a
signed-in session (``didhub.accounts.backends``), and every API token
(``didhub.accounts.authentication``). The answers say what the person needs to do and
nothing more: a deactivated reseller above an enterprise is not named to the enterprise.
"""

from didhub.accounts.models import Account

USER_INACTIVE = "This user is deactivated. Ask your administrator to reactivate it."
ACCOUNT_INACTIVE = "This account is deactivated. Ask your service provider to reactivate it."


def account_is_switched_off(account: Account) -> bool:
    """True when the account or any account above it is deactivated (one indexed query)."""
    if not account.is_active:
        return True
    return Account.objects.filter(pk__in=account.ancestor_ids(), is_active=False).exists()


def switched_off_among(accounts) -> set[int]:
    """Ids of those ``accounts`` that are off, by themselves or from above (one query)."""
    accounts = list(accounts)
    above = {ancestor for account in accounts for ancestor in account.ancestor_ids()}
    off_paths = list(
        Account.objects.filter(pk__in=above, is_active=False).values_list("path", flat=True)
    )
    return {
        account.pk
        for account in accounts
        if any(account.path.startswith(path) for path in off_paths)
    }


def access_refusal(user) -> str | None:
    """Why ``user`` may not sign in or act now, or None when it may."""
    if not user.is_active:
        return USER_INACTIVE
    if account_is_switched_off(user.account):
        return ACCOUNT_INACTIVE
    return None


def access_code(user) -> str:
    """The machine code of the refusal, for problem documents."""
    return "user_inactive" if not user.is_active else "account_inactive"
