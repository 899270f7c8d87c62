"""Reading accounts and users: the actor's account, every account below it, their people.

Every interface reads accounts through these (the portal, the API, the CLI): the gate is
``Account.objects.visible_to`` and the orderings people expect live here once.
"""

import django_filters
from django.db.models import Q, QuerySet

from didhub.accounts.choices import Role
from didhub.accounts.models import Account, User
from didhub.core.selectors import BooleanFilter, IntegerFilter, apply_filterset


def accounts_visible_to(user) -> QuerySet:
    """The one gate for accounts: the actor's own and every account below it."""
    return Account.objects.visible_to(user)


def account_tree(*, user, query: str = "") -> QuerySet:
    """Visible accounts in tree order (a parent before its children), by name if asked."""
    accounts = accounts_visible_to(user).order_by("path")
    return accounts.filter(name__icontains=query) if query else accounts


def accounts_by_name(*, user, query: str = "") -> QuerySet:
    """Visible accounts, nearest first, then by name: what a picker offers."""
    accounts = accounts_visible_to(user).order_by("depth", "name")
    return accounts.filter(name__icontains=query) if query else accounts


def accounts_below(account) -> QuerySet:
    """The accounts under ``account``, itself excluded."""
    return Account.objects.subtree_of(account).exclude(pk=account.pk)


def switchable_accounts(*, user, query: str = "") -> QuerySet:
    """The accounts a person may act for: its own account's subtree, in tree order."""
    accounts = Account.objects.subtree_of(user.account).order_by("path")
    return accounts.filter(name__icontains=query) if query else accounts


def upload_destinations(*, user) -> QuerySet:
    """Where the actor may upload numbers: every visible account but the platform root."""
    return accounts_visible_to(user).exclude(kind="platform").order_by("path")


def users_visible_to(user) -> QuerySet:
    """The one gate for users: those of the accounts the actor sees, never a sibling's."""
    return User.objects.filter(account__in=accounts_visible_to(user)).select_related("account")


class UserFilterSet(django_filters.FilterSet):
    """Users by account (exact, or with the accounts below), role, access, or text."""

    account = IntegerFilter(method="filter_account", label="Account (and the accounts below)")
    account_exact = BooleanFilter(
        method="filter_noop", label="With account: that account only, not the ones below"
    )
    role = django_filters.ChoiceFilter(field_name="role", choices=Role.choices)
    is_active = BooleanFilter(field_name="is_active", label="Active (true) or deactivated")
    q = django_filters.CharFilter(method="filter_q", label="Email or name")

    class Meta:
        model = User
        fields = []

    def filter_account(self, queryset, name, value):
        path = Account.objects.filter(pk=value).values_list("path", flat=True).first()
        if path is None:
            return queryset.none()
        if self.form.cleaned_data.get("account_exact"):
            return queryset.filter(account_id=value)
        return queryset.filter(account__path__startswith=path)

    def filter_noop(self, queryset, name, value):
        return queryset

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(email__icontains=value) | Q(name__icontains=value))


def user_list(*, user, filters=None) -> QuerySet:
    """Visible users narrowed by ``UserFilterSet`` (a bad filter is a field-keyed 400)."""
    return apply_filterset(UserFilterSet, users_visible_to(user), filters)
