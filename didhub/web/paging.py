"""Keyset ("cursor") pagination for the portal's tables.

An OFFSET costs as much as the rows it skips, so page 20,000 of ten million numbers
would scan 1,000,000 rows. A cursor instead remembers the sort value and the E.164 text
of the page's edge row (E.164 is unique, so it breaks ties) and asks for the rows after
it: one index range scan whatever the page. Counts are exact up to ``COUNT_CAP``
(as the API's are) and shown as "more than 10,000" beyond, with a link that asks for
the exact count (``exact=True``): counting millions of rows on every page would cost
more than the page itself. Nothing is capped silently: the label says when it is.
"""

import base64
import binascii
import json
from dataclasses import dataclass

from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, Concat

from didhub.accounts.choices import AccountKind

COUNT_CAP = 10_000


def _flag(name: str):
    return Case(When(**{name: True}, then=Value("1")), default=Value("0"), output_field=CharField())


# Column -> sort expression. Every key is text, so that cursors are plain strings.
SORT_KEYS = {
    "number": None,  # e164 itself: the primary index
    "capabilities": Concat(_flag("voice"), _flag("sms"), _flag("fax"), output_field=CharField()),
    "services": Concat(
        F("voice_target_kind"), F("sms_target_kind"), F("fax_target_kind"), output_field=CharField()
    ),
    "route": F("route"),
    "owner": F("owner__name"),
    # Company: the enterprise holding the number; VAR: the reseller managing it.
    "company": Case(
        When(owner__kind=AccountKind.ENTERPRISE, then=F("owner__name")),
        default=Value(""),
        output_field=CharField(),
    ),
    "var": Case(
        When(
            owner__kind=AccountKind.ENTERPRISE,
            owner__parent__kind=AccountKind.RESELLER,
            then=F("owner__parent__name"),
        ),
        When(owner__kind=AccountKind.RESELLER, then=F("owner__name")),
        default=Value(""),
        output_field=CharField(),
    ),
    "usage": F("usage"),
    "carrier": Coalesce(F("voice_carrier__name"), Value(""), output_field=CharField()),
    "state": F("state"),
    "activity": F("activity"),
    "sync": F("sync_state"),
}


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    previous_cursor: str | None
    count: int
    count_is_estimate: bool
    sort: str

    @property
    def count_label(self) -> str:
        """``4,013`` or ``more than 10,000``: never a capped figure posing as exact."""
        return f"more than {COUNT_CAP:,}" if self.count_is_estimate else f"{self.count:,}"


def encode_cursor(direction: str, value: str | None, e164: str) -> str:
    raw = json.dumps([direction, value, e164], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None):
    """``(direction, value, e164)`` or None for the first page (also for a bad cursor)."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        direction, value, e164 = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError, binascii.Error):
        return None
    if direction not in ("n", "p") or not isinstance(e164, str):
        return None
    return direction, value, e164


def parse_sort(sort: str | None) -> tuple[str, bool]:
    """``"-owner"`` -> ``("owner", True)``; unknown columns sort by number."""
    sort = sort or "number"
    descending = sort.startswith("-")
    column = sort.lstrip("-")
    if column not in SORT_KEYS:
        return "number", False
    return column, descending


def paginate(
    queryset: QuerySet,
    *,
    sort: str | None,
    cursor: str | None,
    limit: int = 50,
    exact: bool = False,
) -> Page:
    """One page of ``queryset`` in the order of ``sort``, after or before ``cursor``.

    ``exact`` counts every matching row instead of stopping at ``COUNT_CAP``.
    """
    column, descending = parse_sort(sort)
    expression = SORT_KEYS[column]
    key = "e164" if expression is None else "sort_key"
    if expression is not None:
        queryset = queryset.annotate(sort_key=expression)
    position = decode_cursor(cursor)
    backwards = position is not None and position[0] == "p"
    # Walking backwards is walking forwards in the reversed order.
    reverse = descending != backwards
    order = [f"-{key}", "-e164"] if reverse else [key, "e164"]
    if expression is None:
        order = order[:1]
    page_qs = queryset.order_by(*order)
    if position is not None:
        _, value, e164 = position
        after = "lt" if reverse else "gt"
        if expression is None:
            page_qs = page_qs.filter(**{f"e164__{after}": e164})
        else:
            page_qs = page_qs.filter(
                Q(**{f"sort_key__{after}": value}) | Q(sort_key=value, **{f"e164__{after}": e164})
            )
    rows = list(page_qs[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()

    def edge(direction, row):
        value = row.e164 if expression is None else row.sort_key
        return encode_cursor(direction, value, row.e164)

    next_cursor = previous_cursor = None
    if rows:
        if has_more or backwards:
            next_cursor = edge("n", rows[-1])
        if position is not None and (has_more or not backwards):
            previous_cursor = edge("p", rows[0])
    counted = queryset.order_by().values("pk")
    if exact:
        total, estimate = counted.count(), False
    else:
        capped = counted[: COUNT_CAP + 1].count()
        total, estimate = min(capped, COUNT_CAP), capped > COUNT_CAP
    sort_text = f"-{column}" if descending else column
    return Page(
        rows=rows,
        next_cursor=next_cursor,
        previous_cursor=previous_cursor,
        count=total,
        count_is_estimate=estimate,
        sort=sort_text,
    )
