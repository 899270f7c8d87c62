"""Reading numbers: the list, one number, its history.

Every read starts from the one gate, ``Number.objects.visible_to(user)``, then the one
FilterSet, then an ordering that always ends in ``e164`` so that pages are stable.
"""

from django.db.models import F, Prefetch, Q, QuerySet
from django.http import QueryDict

from didhub.accounts.policy import check_visible
from didhub.core.errors import NotVisible, invalid
from didhub.core.models import Event
from didhub.numbers.choices import NumberState
from didhub.numbers.filtersets import apply_number_filters
from didhub.numbers.models import Assignment, Number
from didhub.numbers.search import normalize_e164_text

# Public ordering names (``?ordering=``, ``-`` for descending) -> model paths.
NUMBER_ORDERINGS = {
    "e164": "e164",
    "country_code": "country_code",
    "region": "region",
    "number_type": "number_type",
    "voice": "voice",
    "sms": "sms",
    "fax": "fax",
    "route": "route",
    "usage": "usage",
    "cac_limit": "cac_limit",
    "owner": "owner__name",
    "uploaded_by": "uploaded_by__name",
    "voice_carrier": "voice_carrier__name",
    "state": "state",
    "activity": "activity",
    "last_call_at": "last_call_at",
    "sync_state": "sync_state",
    "created_at": "created_at",
    "updated_at": "updated_at",
}
DEFAULT_ORDERING = "e164"
# Columns that can be NULL get an explicit NULLS placement; the others stay plain so
# that SQLite, too, reads them from an index instead of sorting.
NULLABLE_ORDERINGS = {"last_call_at", "voice_carrier__name"}


def number_ordering(ordering: str | None) -> list:
    """Order-by expressions for ``ordering`` (``"state,-created_at"``), ending in e164.

    The unique ``e164`` breaks ties in the direction of the first column, so a page
    boundary never falls between equal rows and ``(state, e164)``-style indexes can be
    read in one direction. NULLs (``last_call_at``) sort last ascending and first
    descending on both databases, as the API's cursor pagination expects.
    """
    names = [name.strip() for name in (ordering or DEFAULT_ORDERING).split(",") if name.strip()]
    expressions, paths = [], set()
    for name in names or [DEFAULT_ORDERING]:
        descending = name.startswith("-")
        key = name.removeprefix("-")
        if key not in NUMBER_ORDERINGS:
            raise invalid(
                f"Cannot order by {key!r}; choose one of {', '.join(NUMBER_ORDERINGS)}.",
                field="ordering",
            )
        path = NUMBER_ORDERINGS[key]
        paths.add(path)
        nulls = {"nulls_first": True} if descending else {"nulls_last": True}
        if path not in NULLABLE_ORDERINGS:
            nulls = {}
        expressions.append(F(path).desc(**nulls) if descending else F(path).asc(**nulls))
    if "e164" not in paths:
        first_descending = (names or [DEFAULT_ORDERING])[0].startswith("-")
        expressions.append(F("e164").desc() if first_descending else F("e164").asc())
    return expressions


def with_list_relations(queryset: QuerySet[Number]) -> QuerySet[Number]:
    """What a list row shows, fetched in two queries for any page size (no N+1).

    Owner, uploader, carriers and profiles ride along in the page's query; assignments
    with their targets come in one more query for the whole page.
    """
    return queryset.select_related(
        "owner",
        "uploaded_by",
        "voice_carrier",
        "sms_profile__owner",
        "calling_profile",
        "reserved_for",
    ).prefetch_related(
        Prefetch(
            "assignments",
            queryset=Assignment.objects.select_related("target").order_by("channel"),
        )
    )


def released_by(user) -> Q | None:
    """Numbers the user's enterprise released that still age, or None for others.

    A release hands the number to the enterprise's reseller for its aging period, and
    the enterprise may restore it until then (docs/permissions.md). So an enterprise
    keeps seeing, read-only, what it released while it ages; resellers and the
    platform hold such numbers in their own subtree and see them anyway.
    """
    account = getattr(user, "account", None)
    if not getattr(user, "is_authenticated", False) or account is None:
        return None
    if not account.is_enterprise:
        return None
    return Q(state=NumberState.AGING, released_from__owner__id=account.pk)


def asks_for_aging(filters) -> bool:
    """True when the filters ask for aging numbers by state."""
    if not filters:
        return False
    wanted = filters.get("state") or ""
    return NumberState.AGING in [value.strip() for value in str(wanted).split(",")]


def number_list(
    *,
    user,
    filters: dict | QueryDict | None = None,
    ordering: str | None = None,
    with_related: bool = False,
    with_released: bool = False,
) -> QuerySet[Number]:
    """The numbers ``user`` may see, narrowed by NumberFilterSet and ordered.

    ``filters`` takes every filter of docs/api.md (``q``, ``owner``, ``search=`` ...); a bad
    value raises ``ValidationFailed`` naming the filter. ``with_related`` adds the list
    row's relations (see ``with_list_relations``) for pages that show them.
    ``with_released`` adds, when the filters ask for aging numbers, those the user's
    enterprise released and may still restore (``released_by``).
    """
    base = Number.objects.visible_to(user)
    released = released_by(user) if with_released and asks_for_aging(filters) else None
    if released is not None:
        base = Number.objects.filter(Q(owner_id=user.account_id) | released)
    queryset = apply_number_filters(base, filters, viewer=user)
    queryset = queryset.order_by(*number_ordering(ordering))
    return with_list_relations(queryset) if with_related else queryset


def number_get(*, user, e164: str) -> Number:
    """One number by its E.164 text, with everything its page shows.

    Accepts ``+12125550100``, ``12125550100``, separators, and a URL-decoded ``+``
    that arrived as a space. Missing and foreign numbers are the same ``NotVisible``:
    a foreign tenant's number is not disclosed (docs/api.md, "Who sees what": 404, not
    403).
    """
    text = normalize_e164_text(e164)
    number = (
        with_list_relations(Number.objects.visible_to(user)).filter(e164=text).first()
        if text
        else None
    )
    if number is None:
        raise NotVisible("Not found.", code="not_found")
    return number


def released_number_get(*, user, e164: str) -> Number:
    """A number the user's enterprise released and may still restore (``released_by``).

    Missing, foreign and no-longer-aging numbers are the same ``NotVisible``.
    """
    text = normalize_e164_text(e164)
    released = released_by(user)
    number = (
        Number.objects.select_related("owner").filter(released, e164=text).first()
        if text and released is not None
        else None
    )
    if number is None:
        raise NotVisible("Not found.", code="not_found")
    return number


def number_history(*, user, number: Number) -> QuerySet[Event]:
    """The events of a number that ``user`` may see, newest first.

    Events are found by E.164 text, so the history includes earlier lives of the same
    number (deleted and uploaded again) and outlives the number itself. A number created
    by a file upload starts with that upload's one ``import.committed`` event.
    """
    released = released_by(user)
    if released is None or not Number.objects.filter(released, pk=number.pk).exists():
        check_visible(user, number)
    found = Q(number_e164=number.e164)
    if number.source_import_id is not None:
        found |= Q(action="import.committed", import_id=number.source_import_id)
    return Event.objects.visible_to(user).filter(found).order_by("-at", "-id")
