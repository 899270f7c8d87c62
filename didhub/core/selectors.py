"""Reading the audit log, and the filter plumbing every selector shares.

Filters arrive as a request's QueryDict (API, portal) or as a plain dict (services,
bulk ``filter: {...}``, the CLI); both go through the same django-filter form, so a
bad value is always a field-keyed ``ValidationFailed`` (400), never a 500 and never a
silently ignored filter.
"""

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.http import QueryDict

from didhub.accounts.models import Account
from didhub.core.errors import ErrorItem, ValidationFailed
from didhub.core.models import Event

TRUE_WORDS = {"true", "1", "yes", "on"}
FALSE_WORDS = {"false", "0", "no", "off"}


class StrictBooleanField(forms.Field):
    """true/false, 1/0, yes/no, on/off in any case; anything else is an error, not ignored."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise forms.ValidationError(f"Use true or false, not {value!r}.", code="invalid")


class BooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField


class IntegerFilter(django_filters.Filter):
    field_class = forms.IntegerField


def as_query_dict(data) -> QueryDict:
    """Filters given as a dict or a QueryDict, as a QueryDict.

    Lists become comma-separated values and booleans ``true``/``false``, so that a dict
    from code is validated exactly like a query string.
    """
    if isinstance(data, QueryDict):
        return data
    query = QueryDict(mutable=True)
    for key, value in (data or {}).items():
        if value is None:
            continue
        if isinstance(value, list | tuple | set):
            value = ",".join(str(item) for item in value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        query[key] = str(value)
    return query


def filterset_errors(filterset: django_filters.FilterSet) -> ValidationFailed:
    """The form errors of a FilterSet as one field-keyed ``ValidationFailed``."""
    items = [
        ErrorItem(code=error.code or "invalid", message=message, field=field)
        for field, errors in filterset.form.errors.as_data().items()
        for error in errors
        for message in error.messages
    ]
    summary = "; ".join(f"{item.field}: {item.message}" for item in items)
    return ValidationFailed(summary or "Invalid filter.", code="invalid_filter", errors=items)


def apply_filterset(filterset_class, queryset: QuerySet, data, **options) -> QuerySet:
    """``queryset`` narrowed by ``filterset_class``, or ``ValidationFailed`` naming the field.

    ``options`` go to the FilterSet (the number list's takes its ``viewer``)."""
    filterset = filterset_class(as_query_dict(data), queryset=queryset, **options)
    if not filterset.is_valid():
        raise filterset_errors(filterset)
    return filterset.qs


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
