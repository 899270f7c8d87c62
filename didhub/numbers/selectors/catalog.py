"""Reading targets, carriers and profiles.

Targets belong to an enterprise and are seen from it and from above it. Carriers and
profiles are owned by an account and usable below it, so a user sees those owned in
its subtree (it manages them) and those of its ancestors (it may use them).
"""

from django.db.models import QuerySet
from django.http import QueryDict

from didhub.core.errors import NotVisible
from didhub.core.selectors import apply_filterset
from didhub.numbers.filtersets import TargetFilterSet
from didhub.numbers.lineage import lineage_q
from didhub.numbers.models import CallingProfile, Carrier, SmsProfile, Target


def target_list(*, user, filters: dict | QueryDict | None = None) -> QuerySet[Target]:
    """The targets ``user`` may see, by kind, enterprise or name text, ordered by name."""
    queryset = Target.objects.visible_to(user).select_related("enterprise").order_by("name", "pk")
    return apply_filterset(TargetFilterSet, queryset, filters)


def target_get(*, user, pk) -> Target:
    """One target; missing, foreign and malformed ids are the same ``NotVisible``."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = None
    target = (
        Target.objects.visible_to(user).select_related("enterprise").filter(pk=pk).first()
        if pk is not None
        else None
    )
    if target is None:
        raise NotVisible("Not found.", code="not_found")
    return target


def catalog_visible(model, user) -> QuerySet:
    """Entries owned in the user's subtree or by one of its ancestors (usable below)."""
    if not getattr(user, "is_authenticated", False) or user.account_id is None:
        return model.objects.none()
    account = user.account
    queryset = model.objects.select_related("owner")
    if account.is_platform:
        return queryset.all()
    return queryset.filter(lineage_q(account))


def carrier_list(*, user) -> QuerySet[Carrier]:
    """Voice carriers ``user`` may see or use, by name."""
    return catalog_visible(Carrier, user).order_by("name", "pk")


def sms_profile_list(*, user) -> QuerySet[SmsProfile]:
    """SMS carrier profiles ``user`` may see or use, by carrier and profile name."""
    return catalog_visible(SmsProfile, user).order_by("carrier_name", "name", "pk")


def calling_profile_list(*, user) -> QuerySet[CallingProfile]:
    """Calling profiles ``user`` may see or use, by name."""
    return catalog_visible(CallingProfile, user).order_by("name", "pk")
