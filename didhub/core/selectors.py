"""The filter plumbing every selector shares.

Filters arrive as a request's QueryDict (API, portal) or as a plain dict (services,
bulk ``filter: {...}``, the CLI); both go through the same django-filter form, so a
bad value is always a field-keyed ``ValidationFailed`` (400), never a 500 and never a
silently ignored filter.
"""

import functools

import django_filters
from django import forms
from django.db.models import QuerySet
from django.http import QueryDict

from didhub.core.errors import ErrorItem, ValidationFailed

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
    data = as_query_dict(data)
    filterset = given_filters(filterset_class, data)(data, queryset=queryset, **options)
    if not filterset.is_valid():
        raise filterset_errors(filterset)
    return filterset.qs


def given_filters(filterset_class, data: QueryDict):
    """``filterset_class`` with only the filters ``data`` names.

    A FilterSet deep-copies every filter it declares and builds a form field for each,
    on every request: for the number list's thirty filters that is more time than the
    page's SQL. A filter that is not given filters nothing and cannot fail, so leaving
    it out changes no answer; the narrowed classes are made once per set of names.
    """
    names = tuple(name for name in filterset_class.base_filters if name in data)
    return narrowed_filterset(filterset_class, names)


@functools.lru_cache(maxsize=512)
def narrowed_filterset(filterset_class, names: tuple[str, ...]):
    if len(names) == len(filterset_class.base_filters):
        return filterset_class
    narrowed = type(
        filterset_class.__name__, (filterset_class,), {"__module__": filterset_class.__module__}
    )
    narrowed.base_filters = {name: filterset_class.base_filters[name] for name in names}
    return narrowed
