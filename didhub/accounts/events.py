"""Reading the audit log: the events a user may see, and the filters people use on it.

History itself (``core.Event``) is the ground floor; who may read which part of it is a
question of accounts, so the reading lives here.
"""

import django_filters
from django.db.models import Q, QuerySet
from django.http import QueryDict

from didhub.accounts.models import Account
from didhub.core.models import Event
from didhub.core.selectors import IntegerFilter, apply_filterset


def subtree_path(account_id: int) -> str | None:
    """The materialized path of an account, or None when there is no such account."""
    return Account.objects.filter(pk=account_id).values_list("path", flat=True).first()


class EventFilterSet(django_filters.FilterSet):
    """The audit log's filters: number, account (and below), actor, action, time."""

    number = django_filters.CharFilter(method="filter_number", label="E.164 number")
    account = IntegerFilter(method="filter_account", label="Account (and the accounts below)")
    actor = django_filters.CharFilter(method="filter_actor", label="User id, email, or 'system'")
    action = django_filters.CharFilter(
        method="filter_action", label="Action, or a prefix like number.*"
    )
    after = django_filters.DateTimeFilter(field_name="at", lookup_expr="gte")
    before = django_filters.DateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = Event
        fields = []

    def filter_number(self, queryset, name, value):
        digits = "".join(ch for ch in value if ch.isdigit())
        return queryset.filter(number_e164=f"+{digits}") if digits else queryset

    def filter_account(self, queryset, name, value):
        path = subtree_path(value)
        return queryset.none() if path is None else queryset.filter(account_path__startswith=path)

    def filter_actor(self, queryset, name, value):
        value = value.strip()
        if value.isdigit():
            return queryset.filter(actor_user_id=int(value))
        # Emails are stored lower-case (user_create), as is "system".
        return queryset.filter(actor_label=value.lower())

    def filter_action(self, queryset, name, value):
        actions = [item.strip() for item in value.split(",") if item.strip()]
        prefixes = [item[:-1] for item in actions if item.endswith("*")]
        exact = [item for item in actions if not item.endswith("*")]
        condition = Q(action__in=exact) if exact else Q(pk__in=[])
        for prefix in prefixes:
            condition |= Q(action__startswith=prefix)
        return queryset.filter(condition)


def event_list(*, user, filters: dict | QueryDict | None = None) -> QuerySet[Event]:
    """The audit events ``user`` may see, newest first, narrowed by ``filters``.

    The gate is ``Event.objects.visible_to``: events about the user's account or any
    account below it, whatever happened to the objects since (history outlives them).
    """
    queryset = Event.objects.visible_to(user).order_by("-at", "-id")
    return apply_filterset(EventFilterSet, queryset, filters)
