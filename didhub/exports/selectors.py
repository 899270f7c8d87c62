"""Reading numbers for an export: the list's filters, then keyset-paginated chunks.

An export walks the same queryset as the Phone Numbers list (one visibility gate, one
FilterSet), ordered by E.164 and read ``CHUNK_SIZE`` rows at a time with
``e164 > last``: each chunk is a short indexed range scan, memory holds one chunk, and
a number added or removed while a long export runs cannot shift the rows that follow.
Names of accounts, carriers, profiles and targets are fetched per chunk in a fixed
number of queries, never one per row.

On PostgreSQL the CSV export walks the same chunks with ``COPY ... TO STDOUT``, and the
database writes the rows, names included (``export_copy_chunks``).
"""

import re
from collections.abc import Callable, Iterator

from django.core.exceptions import EmptyResultSet
from django.db.models import QuerySet

from didhub.accounts.models import Account
from didhub.accounts.policy import Action, check
from didhub.core.db import is_postgresql
from didhub.core.errors import ErrorItem, ValidationFailed
from didhub.exports import sql
from didhub.exports.columns import (
    AT,
    FIELDS,
    Names,
    assigned_to_text,
    rows_of,
    sms_profile_label,
)
from didhub.numbers.lineage import References
from didhub.numbers.models import CallingProfile, Carrier, Number, SmsProfile
from didhub.numbers.selectors import number_list

CHUNK_SIZE = 5000
# Rows the database writes per COPY: each statement is planned once, so more rows per
# chunk spread that cost, while the client still holds only one chunk of bytes.
COPY_CHUNK_SIZE = 20_000
MAX_SELECTED = 10_000
SEPARATORS = re.compile(r"[\s().\-/]")


def parse_selection(raw: str | list[str]) -> list[str]:
    """E.164 texts from ``+12125550100,+12125550101`` (a query string, a list).

    A ``+`` arrives as a space when a query string is not URL-encoded, so a missing or
    blank-turned ``+`` is put back; anything but digits is refused, row by row.
    """
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    selected, errors = [], []
    for item in items:
        digits = SEPARATORS.sub("", str(item)).removeprefix("+")
        if not digits:
            continue
        if not digits.isdigit() or len(digits) > 15:
            errors.append(
                ErrorItem(
                    code="invalid_number",
                    message=f"{str(item).strip()!r} is not an E.164 number.",
                    field="numbers",
                    row=str(item).strip(),
                )
            )
            continue
        selected.append(f"+{digits}")
    if errors:
        raise ValidationFailed(
            "Some selected numbers are not E.164 numbers.", code="invalid_number", errors=errors
        )
    if len(selected) > MAX_SELECTED:
        raise ValidationFailed(
            f"Select at most {MAX_SELECTED:,} numbers; export a filter for more.",
            code="too_many",
            errors=[ErrorItem(code="too_many", message="Too many numbers.", field="numbers")],
        )
    return selected


def export_queryset(*, user, filters=None, numbers=None) -> QuerySet[Number]:
    """The numbers an export holds: the list's filters, narrowed to a selection if given.

    Raises ``ValidationFailed`` on bad filter values or selected numbers, before any
    row is written, so that the caller can still answer 400.
    """
    check(user, Action.EXPORT)
    queryset = number_list(user=user, filters=filters)
    if numbers is not None:
        queryset = queryset.filter(e164__in=parse_selection(numbers))
    return queryset


def _ids(records: list[tuple], name: str) -> set:
    index = AT[name]
    return {record[index] for record in records}


def _resolve_names(names: Names, records: list[tuple], references: References) -> None:
    """Fill ``names`` for one chunk: at most five queries, whatever the chunk size.

    A name the viewer may not read (``references``) is kept as empty text, so that it
    is neither written nor looked up again.
    """
    accounts = _ids(records, "owner_id") | _ids(records, "uploaded_by_id")
    if missing := accounts - names.accounts.keys():
        for pk, name, path in Account.objects.filter(pk__in=missing).values_list(
            "id", "name", "path"
        ):
            names.accounts[pk] = name if references.sees_path(path) else ""
    carriers = _ids(records, "voice_carrier_id") - {None}
    if missing := carriers - names.carriers.keys():
        for pk, name, path in Carrier.objects.filter(pk__in=missing).values_list(
            "id", "name", "owner__path"
        ):
            names.carriers[pk] = name if references.sees_path(path) else ""
    profiles = _ids(records, "sms_profile_id") - {None}
    if missing := profiles - names.sms_profiles.keys():
        for pk, carrier_name, name, owner_name, path in SmsProfile.objects.filter(
            pk__in=missing
        ).values_list("id", "carrier_name", "name", "owner__name", "owner__path"):
            label = sms_profile_label(carrier_name, name, owner_name)
            names.sms_profiles[pk] = label if references.sees_path(path) else ""
    calling = _ids(records, "calling_profile_id") - {None}
    if missing := calling - names.calling_profiles.keys():
        for pk, name, path in CallingProfile.objects.filter(pk__in=missing).values_list(
            "id", "name", "owner__path"
        ):
            names.calling_profiles[pk] = name if references.sees_path(path) else ""
    pk, kinds = AT["id"], (AT["voice_target_kind"], AT["sms_target_kind"], AT["fax_target_kind"])
    assigned = [record[pk] for record in records if any(record[i] for i in kinds)]
    by_number: dict[int, list[tuple[str, str]]] = {}
    for number_id, channel, target_name in sql.assignments_of(assigned, Number.objects.db):
        by_number.setdefault(number_id, []).append((channel, target_name))
    names.assigned_to = {key: assigned_to_text(items) for key, items in by_number.items()}


def fetch_records(queryset: QuerySet) -> list[tuple]:
    """The rows of a ``values_list`` queryset, read at database speed.

    On PostgreSQL the queryset's SQL is run with psycopg's own timestamp loader
    (``sql.fetch_records``), which yields the same aware datetimes as Django's.
    """
    if not is_postgresql(queryset.db):
        return list(queryset)
    try:
        statement, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return []  # a filter that can match nothing (an unknown account): no rows
    return sql.fetch_records(statement, params, queryset.db)


def export_chunks(
    queryset: QuerySet[Number], *, viewer, chunk_size: int | None = None
) -> Iterator[list]:
    """The rows of an export (cells in ``COLUMNS`` order), ``chunk_size`` at a time.

    ``viewer``: the user the export is for; names it may not read are left empty.
    """
    chunk_size = chunk_size or CHUNK_SIZE
    names = Names()
    references = References(viewer)
    ordered = queryset.order_by("e164").values_list(*FIELDS)
    e164 = AT["e164"]
    last = None
    while True:
        page = ordered if last is None else ordered.filter(e164__gt=last)
        records = fetch_records(page[:chunk_size])
        if not records:
            return
        _resolve_names(names, records, references)
        yield rows_of(records, names)
        if len(records) < chunk_size:
            return
        last = records[-1][e164]


def export_copy_chunks(
    queryset: QuerySet[Number],
    select: Callable[[str], tuple[str, list]],
    *,
    viewer,
    chunk_size: int | None = None,
) -> Iterator[tuple[bytes, int]]:
    """The export's rows as PostgreSQL's ``COPY ... TO STDOUT (FORMAT csv)`` writes them.

    The same keyset chunks as ``export_chunks``, one COPY each (``sql.copy_csv``):
    ``select(numbers)`` gives the SELECT of a chunk's rows and its parameters, given the
    SQL of the chunk's numbers (the queryset's own, so the visibility gate and the
    filters are the list's), whose parameters follow. Its first column must be the
    E.164 number, which CSV never quotes. A chunk comes as the bytes COPY wrote (each
    row ending in a newline) and its number of rows. ``viewer`` is the user the export
    is for: the names the database writes are those it may read (``sql.VIEWER_PATH``).
    """
    viewer_path = References(viewer).viewer_path
    chunk_size = chunk_size or COPY_CHUNK_SIZE
    ordered = queryset.order_by("e164").values_list(*FIELDS)
    last = None
    while True:
        page = ordered if last is None else ordered.filter(e164__gt=last)
        try:
            numbers, numbers_params = page[:chunk_size].query.sql_with_params()
        except EmptyResultSet:
            return
        statement, params = select(numbers)
        data, count, row = sql.copy_csv(
            queryset.db, (statement, [*params, *numbers_params]), viewer_path
        )
        if not count:
            return
        yield data, count
        if count < chunk_size:
            return
        last = row.split(b",", 1)[0].decode()
