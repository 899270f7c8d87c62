"""The one FilterSet of numbers: the portal list, the API, bulk actions and exports.

Every filter of docs/api.md's "Number list filters" lives here and nowhere else. The
FilterSet narrows a queryset it is given; the visibility gate comes first, from
``didhub.numbers.selectors.number_list`` (or the API view's ``get_queryset``), so
``owner`` and friends can never widen what a user sees. Bad values are form errors
that ``didhub.core.selectors.apply_filterset`` turns into a field-keyed
``ValidationFailed`` (400).
"""

import django_filters as filters
from django import forms
from django.db.models import Q, QuerySet

from didhub.accounts.choices import AccountKind
from didhub.accounts.models import Account
from didhub.core.selectors import BooleanFilter, IntegerFilter, apply_filterset
from didhub.numbers import search
from didhub.numbers.choices import Activity, NumberState, Route, SyncState, TargetKind, Usage
from didhub.numbers.lineage import References
from didhub.numbers.models import Assignment, Carrier, Number, SmsProfile, Target


class PatternField(forms.CharField):
    """A vanity pattern, checked when the form is cleaned so a bad one names its field."""

    def validate(self, value):
        super().validate(value)
        if value:
            try:
                search.pattern_to_like(value)
            except search.PatternError as error:
                raise forms.ValidationError(str(error), code="invalid") from error


class PatternFilter(filters.Filter):
    field_class = PatternField


class ChoiceInFilter(filters.BaseInFilter, filters.ChoiceFilter):
    """One choice, or several separated by commas (``state=available,reserved``)."""


class NumberFilterSet(filters.FilterSet):
    """Every filter of the number list; docs/api.md has the public names."""

    q = filters.CharFilter(method="filter_q", label="Digits anywhere, or a target's name")
    e164 = filters.CharFilter(method="filter_e164", label="Exact number")
    e164__startswith = filters.CharFilter(method="filter_e164_prefix", label="Number prefix")
    country_code = IntegerFilter(method="filter_country_code", min_value=1, max_value=999)
    region = filters.CharFilter(method="filter_region", max_length=3)
    owner = IntegerFilter(method="filter_owner", label="Owner account (and the accounts below)")
    owner_exact = BooleanFilter(method="read_by_owner", label="Only the owner, not below it")
    state = ChoiceInFilter(field_name="state", choices=NumberState.choices)
    activity = ChoiceInFilter(field_name="activity", choices=Activity.choices)
    sync_state = ChoiceInFilter(field_name="sync_state", choices=SyncState.choices)
    voice = BooleanFilter(field_name="voice")
    sms = BooleanFilter(field_name="sms")
    fax = BooleanFilter(field_name="fax")
    route = ChoiceInFilter(field_name="route", choices=Route.choices)
    usage = ChoiceInFilter(field_name="usage", choices=Usage.choices)
    voice_carrier = IntegerFilter(method="filter_catalog", label="Voice carrier id")
    sms_profile = IntegerFilter(method="filter_catalog", label="SMS carrier profile id")
    target = IntegerFilter(method="filter_target", label="Assigned to this target")
    target_kind = ChoiceInFilter(method="filter_target_kind", choices=TargetKind.choices)
    assigned = BooleanFilter(method="filter_assigned")
    external = BooleanFilter(field_name="external")
    uploaded_by = IntegerFilter(method="filter_uploaded_by", label="Uploading account id")
    tag = filters.CharFilter(method="filter_tag", max_length=100)
    created_after = filters.DateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = filters.DateTimeFilter(field_name="created_at", lookup_expr="lt")
    pattern = PatternFilter(method="filter_pattern", label="Digits with * wildcards")
    search = filters.ChoiceFilter(
        method="filter_search", choices=search.PREDEFINED_SEARCH_CHOICES, label="Predefined search"
    )

    class Meta:
        model = Number
        fields = []

    def __init__(self, data=None, queryset=None, *, viewer=None, **kwargs):
        """``viewer``: the user the list is for; references it may not read
        (``didhub.numbers.lineage``) filter to nothing, as an unknown id does."""
        super().__init__(data, queryset, **kwargs)
        self.references = References(viewer)

    def filter_uploaded_by(self, queryset, name, value):
        if not self.references.sees_account_id(value):
            return queryset.none()
        return queryset.filter(uploaded_by_id=value)

    def filter_catalog(self, queryset, name, value):
        model = Carrier if name == "voice_carrier" else SmsProfile
        owner_id = model.objects.filter(pk=value).values_list("owner_id", flat=True).first()
        if not self.references.sees_account_id(owner_id):
            return queryset.none()
        return queryset.filter(**{f"{name}_id": value})

    def read_by_owner(self, queryset, name, value):
        # owner_exact filters nothing by itself; filter_owner reads it.
        return queryset

    def filter_q(self, queryset, name, value):
        condition = search.quick_search_q(value)
        return queryset if condition is None else queryset.filter(condition)

    def filter_e164(self, queryset, name, value):
        return queryset.filter(e164=search.normalize_e164_text(value))

    def filter_e164_prefix(self, queryset, name, value):
        prefix = search.normalize_e164_text(value)
        if not prefix:
            return queryset
        return queryset.filter(search.prefix_range_q(prefix))

    def filter_country_code(self, queryset, name, value):
        # Calling codes are prefix-free, so "+44" starts exactly the numbers of code 44:
        # a range of the unique e164 index, read in list order, needs no index of its own.
        return queryset.filter(search.prefix_range_q(f"+{value}"), country_code=value)

    def filter_region(self, queryset, name, value):
        return queryset.filter(region=value.strip().upper())

    def filter_owner(self, queryset, name, value):
        found = Account.objects.filter(pk=value).values_list("path", "kind").first()
        if found is None:
            return queryset.none()
        path, kind = found
        # An enterprise is a leaf: owner_id lets the (owner, e164) index order the page.
        if self.form.cleaned_data.get("owner_exact") or kind == AccountKind.ENTERPRISE:
            return queryset.filter(owner_id=value)
        return queryset.filter(owner__path__startswith=path)

    def filter_target(self, queryset, name, value):
        used_by = Assignment.objects.filter(target_id=value).values("number_id")
        return queryset.filter(pk__in=used_by)

    def filter_target_kind(self, queryset, name, value):
        # Any channel: the kinds are mirrored on the number, no join needed.
        condition = Q()
        for channel in ("voice", "sms", "fax"):
            condition |= Q(**{f"{channel}_target_kind__in": value})
        return queryset.filter(condition)

    def filter_assigned(self, queryset, name, value):
        key = "used" if value else "unassigned"
        return queryset.filter(search.PREDEFINED_SEARCHES[key][1])

    def filter_tag(self, queryset, name, value):
        tag = value.strip()
        return queryset.filter(tags__contains=f";{tag};") if tag else queryset

    def filter_pattern(self, queryset, name, value):
        return queryset.filter(search.pattern_q(value))

    def filter_search(self, queryset, name, value):
        return queryset.filter(search.PREDEFINED_SEARCHES[value][1])


class TargetFilterSet(filters.FilterSet):
    """Targets by kind, enterprise (exact: targets live in enterprises), or name text."""

    kind = ChoiceInFilter(field_name="kind", choices=TargetKind.choices)
    enterprise = IntegerFilter(field_name="enterprise_id")
    q = filters.CharFilter(method="filter_q", label="Name, external id or email")

    class Meta:
        model = Target
        fields = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(name__icontains=value) | Q(external_id__iexact=value) | Q(email__iexact=value)
        )


def apply_number_filters(queryset: QuerySet, data, *, viewer) -> QuerySet:
    """``queryset`` narrowed by NumberFilterSet for ``viewer``, or ``ValidationFailed``
    naming the field."""
    return apply_filterset(NumberFilterSet, queryset, data, viewer=viewer)
